/// The character repertoires named by Specific Character Set (0008,0005), applied when a
/// text value (PN, LO, SH, ST, LT, UT, UC) is decoded.
///
/// Interface fixed here so the reader can use it; the full ISO 2022 / GB18030 handling lives
/// in this folder (one file per family).
public struct SpecificCharacterSet: Sendable, Hashable {
    /// The (0008,0005) values as written, e.g. `["", "ISO 2022 IR 87"]`.
    public let terms: [String]

    /// Parsed once here, since the reader decodes many values with the same set.
    let repertoires: [Repertoire]

    public init(_ terms: [String]) {
        self.terms = terms
        repertoires = Self.parse(terms)
    }

    /// ISO_IR 6 (ASCII), the default when (0008,0005) is absent.
    public static let `default` = SpecificCharacterSet([])

    /// Decodes one value's bytes (without trailing padding removal). `personName` enables the
    /// PN rule that `^` and `=` reset an ISO 2022 code extension to the default.
    public func decode(_ bytes: UnsafeRawBufferPointer, personName: Bool = false) -> String {
        let declared = repertoires
        let first = declared.first ?? .ascii
        if first.isStandAlone || !bytes.contains(0x1B) { return first.decode(bytes) }
        return ISO2022.decode(bytes, declared: declared, personName: personName)
    }

    /// The terms as repertoires; an unknown first term falls back to the default, unknown later
    /// terms are dropped, and a stand-alone set (UTF-8, GB18030, GBK) ignores the others.
    static func parse(_ terms: [String]) -> [Repertoire] {
        guard !terms.isEmpty else { return [.ascii] }
        let first = Repertoire(term: terms[0]) ?? .ascii
        if first.isStandAlone { return [first] }
        return [first] + terms.dropFirst().compactMap { Repertoire(term: $0) }.filter { !$0.isStandAlone }
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
