/// One character repertoire a Specific Character Set term names (PS3.3 Tables C.12-2…C.12-5).
enum Repertoire: Hashable, Sendable {
    /// ISO_IR 6 / ISO 2022 IR 6: ASCII; stray bytes above 0x7F are read as Latin-1 (as pydicom).
    case ascii
    case latin1
    /// Other single-byte sets, by ISO-IR number (101, 109, 110, 126, 127, 138, 144, 148, 166).
    case singleByte(Int)
    case jisX0201, jisX0208, jisX0212, ksX1001, gb2312
    case utf8, gb18030, gbk

    /// Repertoire for a (0008,0005) value; misspellings pydicom accepts ("ISO IR 100",
    /// "ISO-IR 192", "ISO_2022_IR_87") are read the same way; unknown terms give nil.
    init?(term raw: String) {
        var term = raw.trimmingSpaces
        // A term as the standard spells it (nearly every file) needs no respelling.
        if let named = Self.named(term) { self = named; return }
        let chars = Array(term)
        if chars.count > 6, term.hasPrefix("ISO"), chars[3] != "_", String(chars[4...5]) == "IR" {
            term = "ISO_IR" + String(chars[6...])
        } else if chars.count > 12, term.hasPrefix("ISO"), !term.hasPrefix("ISO 2022 IR "),
                  String(chars[4...7]) == "2022", String(chars[9...10]) == "IR" {
            term = "ISO 2022 IR " + String(chars[12...])
        }
        guard let named = Self.named(term) else { return nil }
        self = named
    }

    /// The repertoire of a term spelled as in PS3.3 C.12.1.1.2, or nil.
    private static func named(_ term: String) -> Repertoire? {
        switch term {
        case "", "ISO_IR 6", "ISO 2022 IR 6": return .ascii
        case "ISO_IR 100", "ISO 2022 IR 100": return .latin1
        case "ISO_IR 13", "ISO 2022 IR 13": return .jisX0201
        case "ISO 2022 IR 87": return .jisX0208
        case "ISO 2022 IR 159": return .jisX0212
        case "ISO 2022 IR 149": return .ksX1001
        case "ISO 2022 IR 58", "ISO 2022 58": return .gb2312
        case "ISO_IR 192": return .utf8
        case "GB18030": return .gb18030
        case "GBK", "ISO 2022 GBK": return .gbk
        default:
            for prefix in ["ISO_IR ", "ISO 2022 IR "] where term.hasPrefix(prefix) {
                if let n = Int(term.dropFirst(prefix.count)), SingleByteCharsets.iconvNames[n] != nil {
                    return .singleByte(n)
                }
            }
            return nil
        }
    }

    /// UTF-8, GB18030 and GBK allow no code extensions (PS3.5 6.1.2.5.4 d).
    var isStandAlone: Bool { self == .utf8 || self == .gb18030 || self == .gbk }

    /// Decodes bytes that contain no escape sequence.
    func decode(_ bytes: UnsafeRawBufferPointer) -> String {
        switch self {
        case .ascii, .latin1: return SingleByteCharsets.latin1(bytes)
        case .singleByte(let n): return SingleByteCharsets.decode(bytes, isoIR: n)
        case .jisX0201: return JapaneseCharsets.decodeJISX0201(bytes)
        case .jisX0208, .jisX0212: return JapaneseCharsets.decodeJISX0208or0212(bytes)
        case .ksX1001: return KoreanCharsets.decodeKSX1001(bytes)
        case .gb2312: return ChineseCharsets.decodeGB2312(bytes)
        case .utf8: return String(decoding: bytes, as: UTF8.self)
        case .gb18030: return ChineseCharsets.decodeGB18030(bytes)
        case .gbk: return ChineseCharsets.decodeGBK(bytes)
        }
    }
}
