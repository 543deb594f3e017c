import Foundation

/// The encodings a mail needs: base64 in 76-column lines (RFC 2045), quoted-printable for text
/// bodies, RFC 2047 encoded-words for headers, RFC 2231 parameters for file names.
enum MIMEEncoding {
    static let crlf = "\r\n"
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    static func base64<C: Collection<UInt8>>(_ bytes: C) -> String {
        var out = [UInt8]()
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var iterator = bytes.makeIterator()
        while let a = iterator.next() {
            let b = iterator.next(), c = iterator.next()
            let n = UInt32(a) << 16 | UInt32(b ?? 0) << 8 | UInt32(c ?? 0)
            out.append(alphabet[Int(n >> 18 & 63)])
            out.append(alphabet[Int(n >> 12 & 63)])
            out.append(b == nil ? UInt8(ascii: "=") : alphabet[Int(n >> 6 & 63)])
            out.append(c == nil ? UInt8(ascii: "=") : alphabet[Int(n & 63)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Base64 broken into CRLF-terminated lines of at most 76 characters.
    static func base64Lines(_ bytes: [UInt8]) -> String {
        let encoded = Array(base64(bytes).utf8)
        var out = [UInt8]()
        out.reserveCapacity(encoded.count + encoded.count / 76 * 2 + 2)
        var index = 0
        while index < encoded.count {
            let end = min(index + 76, encoded.count)
            out.append(contentsOf: encoded[index..<end])
            out.append(contentsOf: [13, 10])
            index = end
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Encoded size of `count` bytes as base64 lines, for the per-mail size limit.
    static func base64LinesSize(_ count: Int) -> Int {
        let chars = (count + 2) / 3 * 4
        return chars + (chars + 75) / 76 * 2
    }

    /// Quoted-printable (RFC 2045 §6.7) of UTF-8 text; CR, LF and CRLF become CRLF, lines stay ≤ 76.
    static func quotedPrintable(_ text: String) -> String {
        var out = ""
        for (index, line) in lines(Array(text.utf8)).enumerated() {
            if index > 0 { out += crlf }
            var current = ""
            for (position, byte) in line.enumerated() {
                let isLast = position == line.count - 1
                let token: String
                if (byte >= 33 && byte <= 126 && byte != UInt8(ascii: "=")) || ((byte == 32 || byte == 9) && !isLast) {
                    token = String(UnicodeScalar(byte))
                } else {
                    token = "=" + hex(byte)
                }
                // Leave room for the soft break "=" at column 76.
                if current.utf8.count + token.utf8.count > 75 {
                    out += current + "=" + crlf
                    current = ""
                }
                current += token
            }
            out += current
        }
        return out + crlf
    }

    /// Splits on CRLF, CR or LF.
    static func lines(_ bytes: [UInt8]) -> [ArraySlice<UInt8>] {
        var result: [ArraySlice<UInt8>] = []
        var start = 0, index = 0
        while index < bytes.count {
            if bytes[index] == 13 || bytes[index] == 10 {
                result.append(bytes[start..<index])
                if bytes[index] == 13 && index + 1 < bytes.count && bytes[index + 1] == 10 { index += 1 }
                start = index + 1
            }
            index += 1
        }
        result.append(bytes[start..<bytes.count])
        return result
    }

    private static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789ABCDEF")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 15)]])
    }

    static func isASCII(_ text: String) -> Bool { text.utf8.allSatisfy { $0 < 0x80 && $0 != 0 } }

    /// Unstructured header text (Subject): as is when printable ASCII, else RFC 2047 `B`
    /// encoded-words of ≤ 75 characters, split between whole characters, folded onto lines.
    static func unstructured(_ text: String) -> String {
        let clean = String(text.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? " " : Character($0) })
        if isASCII(clean) && !clean.contains("=?") { return clean }
        return encodedWords(clean).joined(separator: crlf + " ")
    }

    /// A display name: atoms as is, other ASCII quoted, non-ASCII as encoded-words.
    static func phrase(_ text: String) -> String {
        let clean = String(text.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? " " : Character($0) })
        if isASCII(clean) && !clean.contains("=?") {
            let atom = clean.unicodeScalars.allSatisfy { $0.properties.isAlphabetic || "0123456789 !#$%&'*+-/=?^_`{|}~".unicodeScalars.contains($0) }
            if atom { return clean }
            return "\"" + clean.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        }
        return encodedWords(clean).joined(separator: crlf + " ")
    }

    /// `=?UTF-8?B?…?=` words of ≤ 60 characters (36 bytes of UTF-8 → 48 base64 characters), so a
    /// folded line with its header name stays within RFC 2047's 76 characters.
    static func encodedWords(_ text: String) -> [String] {
        var words: [String] = []
        var chunk: [UInt8] = []
        for character in text {
            let bytes = Array(String(character).utf8)
            if chunk.count + bytes.count > 36 && !chunk.isEmpty {
                words.append("=?UTF-8?B?" + base64(chunk) + "?=")
                chunk = []
            }
            chunk += bytes
        }
        if !chunk.isEmpty || words.isEmpty { words.append("=?UTF-8?B?" + base64(chunk) + "?=") }
        return words
    }

    /// A `filename` parameter: quoted when printable ASCII, RFC 2231 `filename*=UTF-8''…`
    /// otherwise (so a CR or LF in a name is percent-encoded, never a header line of its own).
    static func parameter(_ name: String, _ value: String) -> String {
        if value.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) && !value.contains("\"") && !value.contains("\\") {
            return "\(name)=\"\(value)\""
        }
        var encoded = ""
        for byte in value.utf8 {
            let scalar = UnicodeScalar(byte)
            if byte < 0x80 && (scalar.properties.isAlphabetic || ("0"..."9").contains(Character(scalar)) || "!#$&+-.^_`|~".unicodeScalars.contains(scalar)) {
                encoded.append(Character(scalar))
            } else {
                encoded += "%" + hex(byte)
            }
        }
        return "\(name)*=UTF-8''\(encoded)"
    }
}
