/// A dense, row-major tensor. Models compute in Float; Int64 carries shapes, sizes and indices
/// (Reshape's shape, Resize's sizes), as ONNX graphs do.
public struct Tensor: Sendable, Equatable {
    public enum Storage: Sendable, Equatable {
        case float([Float])
        case int64([Int64])
    }

    public var shape: [Int]
    public var storage: Storage

    public init(shape: [Int], floats: [Float]) {
        precondition(shape.reduce(1, *) == floats.count, "shape \(shape) does not hold \(floats.count) values")
        self.shape = shape
        self.storage = .float(floats)
    }

    public init(shape: [Int], int64s: [Int64]) {
        precondition(shape.reduce(1, *) == int64s.count, "shape \(shape) does not hold \(int64s.count) values")
        self.shape = shape
        self.storage = .int64(int64s)
    }

    public init(shape: [Int], repeating value: Float) {
        self.init(shape: shape, floats: [Float](repeating: value, count: shape.reduce(1, *)))
    }

    public var count: Int { shape.reduce(1, *) }
    public var rank: Int { shape.count }

    /// The values as Float (Int64 tensors converted, as ONNX does where an op takes either).
    public var floats: [Float] {
        switch storage {
        case .float(let v): v
        case .int64(let v): v.map { Float($0) }
        }
    }

    /// The values as Int64 (Float tensors truncated toward zero).
    public var int64s: [Int64] {
        switch storage {
        case .int64(let v): v
        case .float(let v): v.map { Int64($0) }
        }
    }

    public var isFloat: Bool {
        if case .float = storage { return true }
        return false
    }

    /// The same values under another shape of equal size.
    func reshaped(_ newShape: [Int]) -> Tensor {
        var t = self
        t.shape = newShape
        return t
    }
}

/// Row-major strides of a shape, in elements.
func strides(of shape: [Int]) -> [Int] {
    var s = [Int](repeating: 1, count: shape.count)
    var acc = 1
    for i in stride(from: shape.count - 1, through: 0, by: -1) {
        s[i] = acc
        acc *= shape[i]
    }
    return s
}
