/// The separator and escape characters a message declares in MSH-1/MSH-2 (or FHS/BHS).
///
/// Any legal choice is honoured; v2.7 adds an optional fifth character, the truncation
/// character, which only has meaning inside values (`\P\` escapes it).
public struct HL7Delimiters: Sendable, Hashable {
    public var field: UInt8
    public var component: UInt8
    public var repetition: UInt8
    public var escape: UInt8
    public var subcomponent: UInt8
    /// The v2.7 truncation character (usually `#`), or nil when MSH-2 has four characters.
    public var truncation: UInt8?

    /// Bytes that are never a separator; used for the "not declared" slots.
    static let none: UInt8 = 0

    public init(field: UInt8 = UInt8(ascii: "|"), component: UInt8 = UInt8(ascii: "^"),
                repetition: UInt8 = UInt8(ascii: "~"), escape: UInt8 = UInt8(ascii: "\\"),
                subcomponent: UInt8 = UInt8(ascii: "&"), truncation: UInt8? = nil) {
        self.field = field
        self.component = component
        self.repetition = repetition
        self.escape = escape
        self.subcomponent = subcomponent
        self.truncation = truncation
    }

    /// `|^~\&`, the delimiters nearly every sender uses.
    public static let standard = HL7Delimiters()

    /// MSH-2 as written (`^~\&`, or `^~\&#` with a truncation character).
    public var encodingCharacters: String {
        var bytes = [component, repetition, escape, subcomponent].filter { $0 != Self.none }
        if let truncation { bytes.append(truncation) }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Reads the delimiters from a header segment (MSH, FHS or BHS) starting at `start`.
    /// Returns nil when the header is too short or the characters are not usable
    /// (alphanumeric, a line break, or repeated).
    static func parse(header bytes: UnsafeBufferPointer<UInt8>, start: Int, end: Int) -> HL7Delimiters? {
        guard end - start >= 4 else { return nil }
        let fieldSep = bytes[start + 3]
        var encoding: [UInt8] = []
        var i = start + 4
        while i < end, bytes[i] != fieldSep, encoding.count < 6 {
            encoding.append(bytes[i])
            i += 1
        }
        // At least component + repetition are needed to make sense of anything; more than
        // five means MSH-2 is not an encoding-characters field at all.
        guard encoding.count >= 1, encoding.count <= 5, isLegalDelimiter(fieldSep) else { return nil }
        for (k, b) in encoding.enumerated() {
            guard isLegalDelimiter(b), b != fieldSep, !encoding[..<k].contains(b) else { return nil }
        }
        func at(_ k: Int) -> UInt8 { k < encoding.count ? encoding[k] : none }
        return HL7Delimiters(field: fieldSep, component: at(0), repetition: at(1), escape: at(2),
                             subcomponent: at(3), truncation: encoding.count == 5 ? encoding[4] : nil)
    }

    static func isLegalDelimiter(_ b: UInt8) -> Bool {
        // Printable ASCII punctuation (or other non-alphanumeric graphic characters).
        guard b > 0x20, b < 0x7F else { return false }
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "a")...UInt8(ascii: "z"):
            return false
        default:
            return true
        }
    }
}
