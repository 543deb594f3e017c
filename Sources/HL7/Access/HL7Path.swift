/// A field address: `SEG[n]-field[rep].component.subcomponent`.
///
/// `n` picks the n-th occurrence of the segment (default 1), `rep` the repetition (default
/// 1). Leaving out component or subcomponent reads the first one (python-hl7's rule), so
/// `PID-3` is the ID of the first identifier and `MSH-9` the message code. Also accepted:
/// `PID.3.1` (dots after the segment) and lowercase segment IDs.
public struct HL7Path: Sendable, Hashable, CustomStringConvertible {
    public var segment: String
    public var occurrence: Int
    public var field: Int
    public var repetition: Int
    public var component: Int?
    public var subcomponent: Int?

    public init(segment: String, occurrence: Int = 1, field: Int, repetition: Int = 1,
                component: Int? = nil, subcomponent: Int? = nil) {
        self.segment = segment
        self.occurrence = occurrence
        self.field = field
        self.repetition = repetition
        self.component = component
        self.subcomponent = subcomponent
    }

    /// Parses a path; nil when it does not follow the grammar.
    public init?(_ text: String) {
        var s = Substring(text.trimmingCharactersSpace)
        guard s.count >= 5 else { return nil }
        let id = String(s.prefix(3)).uppercased()
        guard id.utf8.allSatisfy({ isUpperOrDigit($0) }), isUpper(id.utf8.first!) else { return nil }
        s = s.dropFirst(3)
        func bracket() -> Int?? {
            guard s.first == "[" else { return .some(nil) }
            guard let close = s.firstIndex(of: "]") else { return nil }
            guard let n = Int(s[s.index(after: s.startIndex)..<close]), n >= 1 else { return nil }
            s = s[s.index(after: close)...]
            return .some(n)
        }
        func number() -> Int? {
            let digits = s.prefix(while: { $0.isASCII && $0.isNumber })
            guard !digits.isEmpty, let n = Int(digits), n >= 1 else { return nil }
            s = s.dropFirst(digits.count)
            return n
        }
        guard let occ = bracket() else { return nil }
        guard s.first == "-" || s.first == "." else { return nil }
        s = s.dropFirst()
        guard let f = number(), let rep = bracket() else { return nil }
        var comp: Int? = nil, sub: Int? = nil
        if s.first == "." {
            s = s.dropFirst()
            guard let c = number() else { return nil }
            comp = c
            if s.first == "." {
                s = s.dropFirst()
                guard let c2 = number() else { return nil }
                sub = c2
            }
        }
        guard s.isEmpty else { return nil }
        self.init(segment: id, occurrence: occ ?? 1, field: f, repetition: rep ?? 1, component: comp, subcomponent: sub)
    }

    public var description: String {
        var s = segment
        if occurrence != 1 { s += "[\(occurrence)]" }
        s += "-\(field)"
        if repetition != 1 { s += "[\(repetition)]" }
        if let component { s += ".\(component)" }
        if let subcomponent { s += ".\(subcomponent)" }
        return s
    }
}
