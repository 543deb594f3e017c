/// Japanese repertoires: JIS X 0201 (ISO_IR 13 / ISO 2022 IR 13, and the Roman set ESC ( J),
/// JIS X 0208 (ISO 2022 IR 87, ESC $ B) and JIS X 0212 (ISO 2022 IR 159, ESC $ ( D).
enum JapaneseCharsets {
    /// JIS X 0201: ASCII below 0x80 (0x5C stays a backslash, as in Python's shift_jis, which
    /// pydicom uses), half-width katakana at 0xA1–0xDF; a stray Shift-JIS pair goes to iconv.
    static func decodeJISX0201(_ bytes: UnsafeRawBufferPointer) -> String {
        var scalars = String.UnicodeScalarView()
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            switch b {
            case 0..<0x80:
                scalars.append(Unicode.Scalar(b))
            case 0xA1...0xDF:
                scalars.append(Unicode.Scalar(0xFF61 + UInt32(b) - 0xA1)!)
            default:
                if i + 1 < bytes.count,
                   let pair = Iconv.decode(UnsafeRawBufferPointer(rebasing: bytes[i...(i + 1)]), from: "SHIFT_JIS"),
                   pair.unicodeScalars.count == 1, pair != "\u{FFFD}" {
                    scalars.append(contentsOf: pair.unicodeScalars)
                    i += 1
                } else {
                    scalars.append("\u{FFFD}")
                }
            }
            i += 1
        }
        return String(scalars)
    }

    /// A fragment that starts with ESC $ B or ESC $ ( D, escape included: ISO-2022-JP-2
    /// understands both designations (and switches back on ESC ( B).
    static func decodeJISX0208or0212(_ fragment: UnsafeRawBufferPointer) -> String {
        Iconv.decode(fragment, from: "ISO-2022-JP-2") ?? SingleByteCharsets.latin1(fragment)
    }
}
