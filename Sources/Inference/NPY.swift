public import Foundation

/// NumPy's `.npy` format (version 1–3, little-endian, C order): how `sluice infer --tensor`
/// takes raw tensors and how parity tests hand tensors between Python and Swift.
public enum NPY {
    public static func read(path: String) throws -> Tensor {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw InferenceError(.badInput("cannot read the file (\(error.localizedDescription))"), file: path)
        }
        return try decode(data, file: path)
    }

    public static func decode(_ data: Data, file: String) throws -> Tensor {
        let bytes = [UInt8](data)
        func fail(_ why: String) -> InferenceError { InferenceError(.badInput("not a usable .npy file: \(why)"), file: file) }
        guard bytes.count >= 10, bytes[0] == 0x93, Array(bytes[1...5]) == Array("NUMPY".utf8) else { throw fail("no NUMPY magic") }
        let major = bytes[6]
        let headerStart = major == 1 ? 10 : 12
        guard (1...3).contains(major), bytes.count >= headerStart else { throw fail("version \(major)") }
        let headerLength = major == 1
            ? Int(bytes[8]) | Int(bytes[9]) << 8
            : Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
        guard headerStart + headerLength <= bytes.count else { throw fail("header runs past the end") }
        let header = String(decoding: bytes[headerStart..<(headerStart + headerLength)], as: UTF8.self)
        guard let descr = quoted(after: "'descr':", in: header) else { throw fail("no descr") }
        guard !header.contains("'fortran_order': True") else { throw fail("Fortran order is not supported") }
        guard let open = header.range(of: "'shape':")?.upperBound,
              let lp = header[open...].firstIndex(of: "("), let rp = header[lp...].firstIndex(of: ")") else { throw fail("no shape") }
        let shape = header[header.index(after: lp)..<rp].split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.compactMap { Int($0) }
        let count = shape.reduce(1, *)
        let body = headerStart + headerLength
        let sizes: [String: Int] = ["<f4": 4, "<f8": 8, "<i8": 8, "<i4": 4, "<i2": 2, "<u2": 2, "|u1": 1, "|i1": 1, "|b1": 1]
        guard let size = sizes[descr] else { throw fail("dtype \(descr) is not supported") }
        guard bytes.count - body == count * size else { throw fail("\(bytes.count - body) data bytes for shape \(shape) of \(descr)") }
        return bytes.withUnsafeBytes { raw in
            let p = UnsafeRawBufferPointer(rebasing: raw[body...])
            func load<T>(_: T.Type) -> [T] { (0..<count).map { p.loadUnaligned(fromByteOffset: $0 * size, as: T.self) } }
            switch descr {
            case "<f4": return Tensor(shape: shape, floats: load(Float.self))
            case "<f8": return Tensor(shape: shape, floats: load(Double.self).map { Float($0) })
            case "<i8": return Tensor(shape: shape, int64s: load(Int64.self))
            case "<i4": return Tensor(shape: shape, floats: load(Int32.self).map { Float($0) })
            case "<i2": return Tensor(shape: shape, floats: load(Int16.self).map { Float($0) })
            case "<u2": return Tensor(shape: shape, floats: load(UInt16.self).map { Float($0) })
            case "|i1": return Tensor(shape: shape, floats: load(Int8.self).map { Float($0) })
            default: return Tensor(shape: shape, floats: load(UInt8.self).map { Float($0) })
            }
        }
    }

    /// Version 1.0, float32 (or int64), C order, header padded to 64 bytes as NumPy writes it.
    public static func encode(_ t: Tensor) -> Data {
        let descr = t.isFloat ? "<f4" : "<i8"
        let dims = t.shape.map(String.init).joined(separator: ", ") + (t.shape.count == 1 ? "," : "")
        var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': (\(dims)), }"
        let total = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - total % 64) % 64) + "\n"
        var out = Data([0x93] + Array("NUMPY".utf8) + [1, 0])
        let n = header.utf8.count
        out.append(contentsOf: [UInt8(n & 0xFF), UInt8(n >> 8)])
        out.append(contentsOf: Array(header.utf8))
        switch t.storage {
        case .float(let v): v.withUnsafeBytes { out.append(contentsOf: $0) }
        case .int64(let v): v.withUnsafeBytes { out.append(contentsOf: $0) }
        }
        return out
    }

    private static func quoted(after key: String, in header: String) -> String? {
        guard let r = header.range(of: key) else { return nil }
        let rest = header[r.upperBound...]
        guard let a = rest.firstIndex(of: "'") else { return nil }
        let after = rest[rest.index(after: a)...]
        guard let b = after.firstIndex(of: "'") else { return nil }
        return String(after[..<b])
    }
}
