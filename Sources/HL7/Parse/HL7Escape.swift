/// HL7 escape sequences (v2.5.1 chapter 2.7).
///
/// Rendering as text: `\F\ \S\ \T\ \R\ \E\ \P\` become the delimiter they stand for;
/// `\Xhh…\` becomes its bytes, decoded with the message character set; `\.br\` and `\.ce\`
/// become a line feed, `\.sp n\` n line feeds (one without n), `\.sk n\` n spaces (one without
/// n), `\.in n\` and `\.ti n\` nothing (indentation has no plain-text meaning);
/// `\.fi\ \.nf\`, highlighting `\H\ \N\`, character set switches `\Cxxyy\ \Mxxyyzz\` and
/// locally defined `\Z…\` are dropped. An unknown or unterminated sequence is kept as written.
public enum HL7Escape {
    /// Unescapes one leaf value (a component or subcomponent, never a whole field with its
    /// separators) into bytes, still in the message character set.
    static func unescape(_ raw: UnsafeBufferPointer<UInt8>, _ d: HL7Delimiters) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(raw.count)
        var i = 0
        let n = raw.count
        while i < n {
            let b = raw[i]
            guard b == d.escape else { out.append(b); i += 1; continue }
            // Find the closing escape character.
            var j = i + 1
            while j < n, raw[j] != d.escape { j += 1 }
            guard j < n, j > i + 1 else {
                // Unterminated or empty (`\\`): keep as written.
                if j < n { out.append(b); out.append(b); i = j + 1 } else { out.append(contentsOf: raw[i..<n]); i = n }
                continue
            }
            let body = UnsafeBufferPointer(rebasing: raw[(i + 1)..<j])
            if !expand(body, d, into: &out) {
                out.append(contentsOf: raw[i...j])
            }
            i = j + 1
        }
        return out
    }

    /// Appends the meaning of one sequence body; false when the sequence is unknown.
    private static func expand(_ body: UnsafeBufferPointer<UInt8>, _ d: HL7Delimiters, into out: inout [UInt8]) -> Bool {
        let first = body[0]
        if body.count == 1 {
            switch first {
            case UInt8(ascii: "F"): out.append(d.field)
            case UInt8(ascii: "S"): out.append(d.component)
            case UInt8(ascii: "T"): out.append(d.subcomponent)
            case UInt8(ascii: "R"): out.append(d.repetition)
            case UInt8(ascii: "E"): out.append(d.escape)
            case UInt8(ascii: "P"): out.append(d.truncation ?? UInt8(ascii: "#"))
            case UInt8(ascii: "H"), UInt8(ascii: "N"): break
            default: return false
            }
            return true
        }
        switch first {
        case UInt8(ascii: "X"):
            let hex = body.dropFirst()
            guard hex.count % 2 == 0 else { return false }
            var bytes: [UInt8] = []
            var k = hex.startIndex
            while k < hex.endIndex {
                guard let hi = hexValue(hex[k]), let lo = hexValue(hex[k + 1]) else { return false }
                bytes.append(hi << 4 | lo)
                k += 2
            }
            out.append(contentsOf: bytes)
            return true
        case UInt8(ascii: "C"), UInt8(ascii: "M"), UInt8(ascii: "Z"):
            return true
        case UInt8(ascii: "."):
            return formatting(body, into: &out)
        default:
            return false
        }
    }

    private static func formatting(_ body: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) -> Bool {
        guard body.count >= 3 else { return false }
        let name = String(decoding: body[1..<3], as: UTF8.self)
        let argText = String(decoding: body[3...], as: UTF8.self).trimmingCharactersSpace
        let arg = Int(argText)
        if !argText.isEmpty, arg == nil, !(argText.hasPrefix("+") || argText.hasPrefix("-")) { return false }
        let count = max(0, min(arg ?? 1, 1000))
        switch name {
        case "br", "ce":
            out.append(0x0A)
        case "sp":
            out.append(contentsOf: repeatElement(0x0A, count: count))
        case "sk":
            out.append(contentsOf: repeatElement(0x20, count: count))
        case "fi", "nf", "in", "ti":
            break
        default:
            return false
        }
        return true
    }

    private static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        default: return nil
        }
    }

    /// Escapes one leaf value for writing: delimiters and the escape character become
    /// `\F\ \S\ \T\ \R\ \E\ \P\`, and line breaks (LF, CR, CRLF) become `\.br\` because a raw
    /// CR would end the segment.
    /// A value that is exactly `""` is written `\X2222\` so it is not read as the HL7 null.
    public static func escape(_ value: String, _ d: HL7Delimiters = .standard) -> String {
        let utf8 = value.utf8
        if value == "\"\"" {
            let e = String(UnicodeScalar(d.escape))
            return e + "X2222" + e
        }
        var needs = false
        for b in utf8 where b == d.field || b == d.component || b == d.repetition || b == d.escape
            || b == d.subcomponent || b == d.truncation || b == 0x0A || b == 0x0D { needs = true; break }
        if !needs { return value }
        var out: [UInt8] = []
        out.reserveCapacity(utf8.count + 8)
        let esc = d.escape
        func seq(_ s: String) { out.append(esc); out.append(contentsOf: s.utf8); out.append(esc) }
        var previousWasCR = false
        for b in utf8 {
            defer { previousWasCR = b == 0x0D }
            switch b {
            case d.escape: seq("E")
            case d.field: seq("F")
            case d.component: seq("S")
            case d.subcomponent: seq("T")
            case d.repetition: seq("R")
            case 0x0D: seq(".br")
            case 0x0A: if !previousWasCR { seq(".br") }
            default:
                if let t = d.truncation, b == t { seq("P") } else { out.append(b) }
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

extension String {
    var trimmingCharactersSpace: String {
        var s = Substring(self)
        while s.last == " " { s.removeLast() }
        while s.first == " " { s.removeFirst() }
        return String(s)
    }
}
