/// The message character set from MSH-18 (first repetition), used to turn value bytes into text.
///
/// Undeclared or `ASCII` messages are decoded as UTF-8 when the bytes are valid UTF-8 and as
/// ISO 8859-1 otherwise: many senders write UTF-8 or Latin-1 without saying so, and a reader
/// that refuses them helps nobody. Writers here always declare what they write.
public enum HL7CharacterSet: Sendable, Hashable {
    case ascii
    case latin1
    case utf8
    /// Any other MSH-18 term; decoded like `ascii`.
    case other(String)

    public init(term: String) {
        switch term.uppercased() {
        case "", "ASCII": self = .ascii
        case "8859/1": self = .latin1
        case "UNICODE UTF-8", "UTF-8", "UNICODE": self = .utf8
        default: self = .other(term)
        }
    }

    /// The MSH-18 term to write for this character set (nil: leave MSH-18 empty).
    public var term: String? {
        switch self {
        case .ascii: return nil
        case .latin1: return "8859/1"
        case .utf8: return "UNICODE UTF-8"
        case .other(let term): return term
        }
    }

    public func decode<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        switch self {
        case .utf8:
            return String(decoding: bytes, as: UTF8.self)
        case .latin1:
            return Self.latin1(bytes)
        case .ascii, .other:
            if bytes.allSatisfy({ $0 < 0x80 }) { return String(decoding: bytes, as: UTF8.self) }
            if let s = String(validating: bytes, as: UTF8.self) { return s }
            return Self.latin1(bytes)
        }
    }

    static func latin1<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        var scalars = String.UnicodeScalarView()
        for b in bytes { scalars.append(Unicode.Scalar(b)) }
        return String(scalars)
    }
}
