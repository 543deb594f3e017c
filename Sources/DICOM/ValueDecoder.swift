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

    /// The bytes without trailing spaces and NULs (the padding rules above, on bytes).
    static func rstrip(_ p: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        var end = p.count
        while end > 0, p[end - 1] == 0x20 || p[end - 1] == 0 { end -= 1 }
        return UnsafeRawBufferPointer(rebasing: p[0..<end])
    }

    /// The bytes without leading and trailing spaces and NULs.
    static func strip(_ p: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        let q = rstrip(p)
        var start = 0
        while start < q.count, q[start] == 0x20 || q[start] == 0 { start += 1 }
        return UnsafeRawBufferPointer(rebasing: q[start...])
    }

    /// True when the bytes can be split at 0x5C and trimmed before decoding: ASCII without
    /// ISO 2022 escapes, so no byte is part of a multi-byte character.
    static func isPlainASCII(_ p: UnsafeRawBufferPointer) -> Bool {
        for b in p where b >= 0x80 || b == 0x1B { return false }
        return true
    }

    /// Calls `body` with each backslash-separated value of plain ASCII bytes.
    static func forEachValue(_ p: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) -> Void) {
        var start = 0
        for i in 0..<p.count where p[i] == 0x5C {
            body(UnsafeRawBufferPointer(rebasing: p[start..<i]))
            start = i + 1
        }
        body(UnsafeRawBufferPointer(rebasing: p[start...]))
    }

    static func ascii(_ p: UnsafeRawBufferPointer) -> String { String(decoding: p, as: UTF8.self) }

    static func strings(_ vr: VR, _ storage: ByteStorage, _ range: Range<Int>, littleEndian: Bool,
                        characterSet: SpecificCharacterSet) -> [String] {
        if range.isEmpty { return [] }
        if vr.isString || vr == .UN || vr == .OB {
            let plain: [String]? = storage.withBytes(range) { p in
                guard isPlainASCII(p) else { return nil }
                if vr.isSingleValuedText { return [ascii(rstrip(p))] }
                var out: [String] = []
                switch vr {
                case .AE, .DS, .IS: forEachValue(p) { out.append(ascii(strip($0))) }
                case .SH, .LO, .UC: forEachValue(p) { out.append(ascii(rstrip($0))) }
                default: forEachValue(rstrip(p)) { out.append(ascii($0)) }
                }
                return out
            }
            if let plain { return plain }
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

    /// A decimal string ([+-]digits[.digits][e[+-]digits]) parsed on bytes when the result is
    /// exact: at most 19 significant digits forming a mantissa below 2^53 and a power of ten
    /// within 10^±22, so one correctly rounded multiply or divide gives what strtod gives
    /// (Clinger's fast path). Anything else is nil, for the caller's full parse.
    static func fastDecimal(_ p: UnsafeRawBufferPointer) -> Double? {
        var i = 0
        let n = p.count
        var negative = false
        if i < n, p[i] == 0x2B || p[i] == 0x2D { negative = p[i] == 0x2D; i += 1 }
        var mantissa: UInt64 = 0
        var digits = 0, scale = 0
        var sawDigit = false
        while i < n, p[i] &- 0x30 < 10 {
            if mantissa != 0 || p[i] != 0x30 { digits += 1 }
            mantissa = mantissa &* 10 &+ UInt64(p[i] &- 0x30)
            sawDigit = true
            i += 1
        }
        if i < n, p[i] == 0x2E {
            i += 1
            while i < n, p[i] &- 0x30 < 10 {
                if mantissa != 0 || p[i] != 0x30 { digits += 1 }
                mantissa = mantissa &* 10 &+ UInt64(p[i] &- 0x30)
                scale -= 1
                sawDigit = true
                i += 1
            }
        }
        guard sawDigit, digits <= 19 else { return nil }
        if i < n, p[i] == 0x45 || p[i] == 0x65 {
            i += 1
            var expNegative = false
            if i < n, p[i] == 0x2B || p[i] == 0x2D { expNegative = p[i] == 0x2D; i += 1 }
            var exponent = 0, expDigits = 0
            while i < n, p[i] &- 0x30 < 10, expDigits < 6 {
                exponent = exponent * 10 + Int(p[i] &- 0x30)
                expDigits += 1
                i += 1
            }
            guard expDigits > 0 else { return nil }
            scale += expNegative ? -exponent : exponent
        }
        guard i == n, mantissa < (1 << 53), scale >= -22, scale <= 22 else { return nil }
        var value = Double(mantissa)
        if scale > 0 { value *= powersOfTen[scale] } else if scale < 0 { value /= powersOfTen[-scale] }
        return negative ? -value : value
    }

    static let powersOfTen: [Double] = (0...22).map { e in (0..<e).reduce(1.0) { x, _ in x * 10 } }

    /// A whole number ([+-]digits, fitting Int) parsed on bytes; nil for anything else.
    static func fastInteger(_ p: UnsafeRawBufferPointer) -> Int? {
        var i = 0
        let n = p.count
        var negative = false
        if i < n, p[i] == 0x2B || p[i] == 0x2D { negative = p[i] == 0x2D; i += 1 }
        guard i < n, n - i <= 18 else { return nil }
        var v = 0
        while i < n {
            let d = p[i] &- 0x30
            guard d < 10 else { return nil }
            v = v * 10 + Int(d)
            i += 1
        }
        return negative ? -v : v
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
                func append(_ d: Double) {
                    if d.isFinite, d == d.rounded(.towardZero), abs(d) < 9.2e18 { out.append(Int(d)) }
                }
                if isPlainASCII(p) {
                    forEachValue(p) { part in
                        let t = strip(part)
                        if let v = fastInteger(t) { out.append(v) } else if let v = Int(ascii(t)) { out.append(v) }
                        else if let d = fastDecimal(t) ?? Double(ascii(t)) { append(d) }
                    }
                    break
                }
                let s = latin1(p)
                for part in s.split(separator: "\\", omittingEmptySubsequences: false) {
                    let t = strip(part)
                    if let v = Int(t) { out.append(v) } else if let d = Double(t) { append(d) }
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
                guard isPlainASCII(p) else {
                    return latin1(p).split(separator: "\\", omittingEmptySubsequences: false).compactMap { Double(strip($0)) }
                }
                var out: [Double] = []
                forEachValue(p) { part in
                    let t = strip(part)
                    if let d = fastDecimal(t) ?? Double(ascii(t)) { out.append(d) }
                }
                return out
            }
        default:
            return ints(vr, storage, range, littleEndian: le).map(Double.init)
        }
    }
}
