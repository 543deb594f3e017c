/// Decoding of value bytes on access, with the padding and splitting rules pydicom applies
/// (so our JSON agrees with `to_json_dict`).
enum ValueDecoder {
    static func text(_ vr: VR, _ bytes: UnsafeRawBufferPointer, _ cs: SpecificCharacterSet) -> String {
        if vr.usesCharacterSet { return cs.decode(bytes, personName: vr == .PN) }
        return latin1(bytes)
    }

    static func latin1(_ bytes: UnsafeRawBufferPointer) -> String {
        var ascii = true
        for b in bytes where b >= 0x80 { ascii = false; break }
        if ascii { return String(decoding: bytes, as: UTF8.self) }
        return String(String.UnicodeScalarView(bytes.map { Unicode.Scalar($0) }))
    }

    static func rstrip(_ s: Substring) -> Substring {
        var s = s
        while let l = s.last, l == " " || l == "\0" { s.removeLast() }
        return s
    }

    static func strip(_ s: Substring) -> Substring {
        var s = rstrip(s)
        while let f = s.first, f == " " || f == "\0" { s.removeFirst() }
        return s
    }

    static func strings(_ vr: VR, _ storage: ByteStorage, _ range: Range<Int>, littleEndian: Bool,
                        characterSet: SpecificCharacterSet) -> [String] {
        if range.isEmpty { return [] }
        if vr.isString || vr == .UN || vr == .OB {
            let whole = storage.withBytes(range) { text(vr, $0, characterSet) }
            if vr.isSingleValuedText { return [String(rstrip(Substring(whole)))] }
            switch vr {
            case .AE, .DS, .IS:
                return whole.split(separator: "\\", omittingEmptySubsequences: false).map { String(strip($0)) }
            case .SH, .LO, .UC:
                return whole.split(separator: "\\", omittingEmptySubsequences: false).map { String(rstrip($0)) }
            default:
                return rstrip(Substring(whole)).split(separator: "\\", omittingEmptySubsequences: false).map(String.init)
            }
        }
        switch vr {
        case .FL, .FD, .OF, .OD: return doubles(vr, storage, range, littleEndian: littleEndian).map { "\($0)" }
        case .AT:
            return ints(vr, storage, range, littleEndian: littleEndian).map { Tag(raw: UInt32(truncatingIfNeeded: $0)).description }
        default: return ints(vr, storage, range, littleEndian: littleEndian).map(String.init)
        }
    }

    @inline(__always)
    static func load<T: FixedWidthInteger>(_ p: UnsafeRawBufferPointer, _ i: Int, _ little: Bool, as: T.Type) -> T {
        let v = p.loadUnaligned(fromByteOffset: i, as: T.self)
        return little ? T(littleEndian: v) : T(bigEndian: v)
    }

    static func ints(_ vr: VR, _ storage: ByteStorage, _ range: Range<Int>, littleEndian le: Bool) -> [Int] {
        storage.withBytes(range) { p -> [Int] in
            var out: [Int] = []
            switch vr {
            case .US, .OW: stride(from: 0, to: p.count - 1, by: 2).forEach { out.append(Int(load(p, $0, le, as: UInt16.self))) }
            case .SS: stride(from: 0, to: p.count - 1, by: 2).forEach { out.append(Int(Int16(bitPattern: load(p, $0, le, as: UInt16.self)))) }
            case .UL, .OL: stride(from: 0, to: p.count - 3, by: 4).forEach { out.append(Int(load(p, $0, le, as: UInt32.self))) }
            case .SL: stride(from: 0, to: p.count - 3, by: 4).forEach { out.append(Int(Int32(bitPattern: load(p, $0, le, as: UInt32.self)))) }
            case .UV, .OV: stride(from: 0, to: p.count - 7, by: 8).forEach { out.append(Int(truncatingIfNeeded: load(p, $0, le, as: UInt64.self))) }
            case .SV: stride(from: 0, to: p.count - 7, by: 8).forEach { out.append(Int(Int64(bitPattern: load(p, $0, le, as: UInt64.self)))) }
            case .AT:
                stride(from: 0, to: p.count - 3, by: 4).forEach {
                    let g = load(p, $0, le, as: UInt16.self), e = load(p, $0 + 2, le, as: UInt16.self)
                    out.append(Int(UInt32(g) << 16 | UInt32(e)))
                }
            case .OB, .UN: out = p.map { Int($0) }
            case .IS, .DS:
                let s = latin1(p)
                for part in s.split(separator: "\\", omittingEmptySubsequences: false) {
                    let t = strip(part)
                    if let v = Int(t) { out.append(v) } else if let d = Double(t), d.isFinite, d == d.rounded(.towardZero), abs(d) < 9.2e18 { out.append(Int(d)) }
                }
            default: break
            }
            return out
        }
    }

    static func doubles(_ vr: VR, _ storage: ByteStorage, _ range: Range<Int>, littleEndian le: Bool) -> [Double] {
        switch vr {
        case .FL, .OF:
            return storage.withBytes(range) { p in
                stride(from: 0, to: p.count - 3, by: 4).map { Double(Float(bitPattern: load(p, $0, le, as: UInt32.self))) }
            }
        case .FD, .OD:
            return storage.withBytes(range) { p in
                stride(from: 0, to: p.count - 7, by: 8).map { Double(bitPattern: load(p, $0, le, as: UInt64.self)) }
            }
        case .DS, .IS:
            return storage.withBytes(range) { p in
                latin1(p).split(separator: "\\", omittingEmptySubsequences: false).compactMap { Double(strip($0)) }
            }
        default:
            return ints(vr, storage, range, littleEndian: le).map(Double.init)
        }
    }
}
