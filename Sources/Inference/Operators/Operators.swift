/// The dispatch from an ONNX op type to its kernel, and the load-time checks of attributes that
/// the kernels do not implement (so a model is refused when loaded, not half-way through a batch).
enum Operators {
    static func check(_ node: Node, file: String) throws {
        func refuse(_ why: String) -> InferenceError {
            InferenceError(.badAttribute("\(node.opType): \(why)"), file: file, node: node.label)
        }
        switch node.opType {
        case "Resize", "Upsample":
            let mode = node.string("mode", "nearest")
            guard mode == "nearest" || mode == "linear" || mode == "bilinear" else { throw refuse("mode '\(mode)' is not supported (nearest, linear)") }
            let ct = node.string("coordinate_transformation_mode", "half_pixel")
            guard Resize.CoordinateMode(rawValue: ct) != nil else { throw refuse("coordinate_transformation_mode '\(ct)' is not supported") }
            let nm = node.string("nearest_mode", "round_prefer_floor")
            guard Resize.NearestMode(rawValue: nm) != nil else { throw refuse("nearest_mode '\(nm)' is not supported") }
            guard node.int("antialias", 0) == 0 else { throw refuse("antialias is not supported") }
            guard node.ints("axes") == nil else { throw refuse("the axes attribute is not supported") }
        case "MaxPool":
            guard node.outputs.count == 1 || node.outputs.dropFirst().allSatisfy(\.isEmpty) else { throw refuse("the Indices output is not supported") }
        case "BatchNormalization":
            guard node.int("training_mode", 0) == 0 else { throw refuse("training mode is not supported") }
        case "Conv", "ConvTranspose", "AveragePool":
            if let k = node.ints("kernel_shape"), !(1...2).contains(k.count) { throw refuse("only 1-D and 2-D kernels are supported") }
        default: break
        }
    }

    static func run(_ node: Node, _ x: [Tensor?], _ c: RunContext) throws -> [Tensor] {
        func input(_ i: Int) throws -> Tensor {
            guard i < x.count, let t = x[i] else { throw c.fail(.badInput("\(node.opType) needs input \(i + 1)")) }
            return t
        }
        switch node.opType {
        case "Conv": return [try ConvOps.conv(try input(0), try input(1), x.count > 2 ? x[2] : nil, c)]
        case "ConvTranspose": return [try ConvOps.convTranspose(try input(0), try input(1), x.count > 2 ? x[2] : nil, c)]
        case "Relu", "LeakyRelu", "Sigmoid", "Tanh": return [Elementwise.unary(node, try input(0))]
        case "Clip": return [try Elementwise.clip(try input(0), x, c)]
        case "Add", "Sub", "Mul", "Div": return [try Elementwise.binary(node.opType, try input(0), try input(1), c)]
        case "MaxPool", "AveragePool": return [try Pooling.pool(try input(0), c)]
        case "GlobalAveragePool": return [try Pooling.globalAverage(try input(0), c)]
        case "BatchNormalization":
            return [try Normalization.batchNorm(try input(0), try input(1), try input(2), try input(3), try input(4), c)]
        case "Softmax": return [try Normalization.softmax(try input(0), c)]
        case "Gemm": return [try Linear.gemm(try input(0), try input(1), x.count > 2 ? x[2] : nil, c)]
        case "MatMul": return [try Linear.matmul(try input(0), try input(1), c)]
        case "Flatten": return [try ShapeOps.flatten(try input(0), c)]
        case "Reshape": return [try ShapeOps.reshape(try input(0), try input(1), c)]
        case "Transpose": return [try ShapeOps.transpose(try input(0), c)]
        case "Concat": return [try ShapeOps.concat(x.compactMap { $0 }, c)]
        case "Identity": return [try input(0)]
        case "Constant": return [try ShapeOps.constant(c)]
        case "Resize": return [try Resize.resize(x, c)]
        case "Upsample": return [try Resize.upsample(x, c)]
        default: throw c.fail(.unsupportedOperator(op: node.opType, domain: node.domain))
        }
    }

    /// A negative axis counts from the end, as everywhere in ONNX.
    static func axis(_ a: Int, rank: Int, _ c: RunContext) throws -> Int {
        let v = a < 0 ? a + rank : a
        guard v >= 0, v < max(rank, 1) else { throw c.fail(.badAttribute("axis \(a) is out of range for rank \(rank)")) }
        return v
    }
}
