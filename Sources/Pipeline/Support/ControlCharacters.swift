/// Names in a drop (files, folders, zip entries) are chosen by whoever drops them. Written raw
/// to a log or a terminal, a newline in one forges a log line and an ESC starts a terminal
/// escape sequence; so every line Sluice writes for people shows them escaped instead.
extension StringProtocol {
    /// The text with each C0 control character, DEL and C1 control character written as an
    /// escape: `\n`, `\r`, `\t`, `\x1b`, `\x7f`, `\u{85}`. Everything else (backslashes too) is
    /// kept, so ordinary names read as they are.
    public var escapingControlCharacters: String {
        guard unicodeScalars.contains(where: Self.isControl) else { return String(self) }
        var out = ""
        out.reserveCapacity(utf8.count + 8)
        for scalar in unicodeScalars {
            switch scalar {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                out += (scalar.value < 0x10 ? "\\x0" : "\\x") + String(scalar.value, radix: 16)
            case _ where Self.isControl(scalar):
                out += "\\u{" + String(scalar.value, radix: 16) + "}"
            default:
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
    }
}
