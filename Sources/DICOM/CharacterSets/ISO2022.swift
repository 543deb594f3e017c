/// ISO 2022 code extensions (PS3.5 6.1.2.5, PS3.3 C.12.1.1.2): a value is split at each ESC;
/// the escape sequence designates the repertoire for the bytes after it, which must be one the
/// Specific Character Set names. At a delimiter (CR, LF, TAB, FF, and for PN also ^ and =) the
/// repertoire of the first term is in force again.
enum ISO2022 {
    static let escapes: [[UInt8]: Repertoire] = [
        [0x1B, 0x28, 0x42]: .ascii,           // ESC ( B   ISO-IR 6 in G0
        [0x1B, 0x2D, 0x41]: .latin1,          // ESC - A   ISO-IR 100 in G1
        [0x1B, 0x29, 0x49]: .jisX0201,        // ESC ) I   ISO-IR 13 (katakana) in G1
        [0x1B, 0x28, 0x4A]: .jisX0201,        // ESC ( J   ISO-IR 14 (JIS Roman) in G0
        [0x1B, 0x24, 0x42]: .jisX0208,        // ESC $ B   ISO-IR 87 in G0
        [0x1B, 0x24, 0x28, 0x44]: .jisX0212,  // ESC $ ( D ISO-IR 159 in G0
        [0x1B, 0x24, 0x29, 0x43]: .ksX1001,   // ESC $ ) C ISO-IR 149 in G1
        [0x1B, 0x24, 0x29, 0x41]: .gb2312,    // ESC $ ) A ISO-IR 58 in G1
        [0x1B, 0x2D, 0x42]: .singleByte(101), [0x1B, 0x2D, 0x43]: .singleByte(109),
        [0x1B, 0x2D, 0x44]: .singleByte(110), [0x1B, 0x2D, 0x46]: .singleByte(126),
        [0x1B, 0x2D, 0x47]: .singleByte(127), [0x1B, 0x2D, 0x48]: .singleByte(138),
        [0x1B, 0x2D, 0x4C]: .singleByte(144), [0x1B, 0x2D, 0x4D]: .singleByte(148),
        [0x1B, 0x2D, 0x54]: .singleByte(166),
    ]

    static let textDelimiters: Set<UInt8> = [0x0D, 0x0A, 0x09, 0x0C]
    static let personNameDelimiters: Set<UInt8> = [0x0D, 0x0A, 0x09, 0x0C, 0x5E, 0x3D]

    static func decode(
        _ bytes: UnsafeRawBufferPointer, declared: [Repertoire], personName: Bool
    ) -> String {
        let first = declared.first ?? .ascii
        let delimiters = personName ? personNameDelimiters : textDelimiters
        var result = ""
        var start = 0
        while start < bytes.count {
            var end = start + 1
            while end < bytes.count, bytes[end] != 0x1B { end += 1 }
            let fragment = UnsafeRawBufferPointer(rebasing: bytes[start..<end])
            if fragment[0] == 0x1B {
                result += decodeEscaped(fragment, first: first, declared: declared, delimiters: delimiters)
            } else {
                result += first.decode(fragment)
            }
            start = end
        }
        return result
    }

    /// One fragment starting with ESC. An undeclared or unknown designation is decoded with
    /// the first repertoire, escape bytes and all, as pydicom does, so nothing is dropped.
    static func decodeEscaped(
        _ fragment: UnsafeRawBufferPointer, first: Repertoire, declared: [Repertoire],
        delimiters: Set<UInt8>
    ) -> String {
        let long = fragment.count >= 4 && fragment[1] == 0x24 && (fragment[2] == 0x28 || fragment[2] == 0x29)
        let length = min(long ? 4 : 3, fragment.count)
        guard let repertoire = escapes[Array(fragment[0..<length])],
              repertoire == .ascii || declared.contains(repertoire) else {
            return first.decode(fragment)
        }
        let body = UnsafeRawBufferPointer(rebasing: fragment[length...])
        let cut: Int
        switch repertoire {
        case .jisX0208, .jisX0212:
            // Two bytes per character in G0: a delimiter only counts at a character boundary.
            var i = 0
            while i < body.count, !delimiters.contains(body[i]) { i += 2 }
            cut = min(i, body.count)
            let designated = UnsafeRawBufferPointer(rebasing: fragment[0..<(length + cut)])
            return JapaneseCharsets.decodeJISX0208or0212(designated)
                + first.decode(UnsafeRawBufferPointer(rebasing: body[cut...]))
        default:
            cut = body.firstIndex(where: { delimiters.contains($0) }) ?? body.count
        }
        return repertoire.decode(UnsafeRawBufferPointer(rebasing: body[..<cut]))
            + first.decode(UnsafeRawBufferPointer(rebasing: body[cut...]))
    }
}
