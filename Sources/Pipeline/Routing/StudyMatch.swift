import Foundation
#if canImport(Glibc)
import Glibc
#endif
public import Reports

/// One value pattern of a `match:` rule: a glob (`CT*`, `CHEST`; case does not matter) or,
/// between slashes, a regular expression (`/^(HEAD|BRAIN)$/`, also case-insensitive).
public struct ValuePattern: Sendable, Equatable, CustomStringConvertible {
    public let text: String
    let isRegex: Bool

    /// nil when the regular expression does not compile (the loader names the key).
    public init?(_ text: String) {
        self.text = text
        isRegex = text.count >= 2 && text.hasPrefix("/") && text.hasSuffix("/")
        if isRegex, (try? NSRegularExpression(pattern: String(text.dropFirst().dropLast()))) == nil { return nil }
    }

    public func matches(_ value: String) -> Bool {
        if isRegex {
            return value.range(of: String(text.dropFirst().dropLast()), options: [.regularExpression, .caseInsensitive]) != nil
        }
        return fnmatch(text.lowercased(), value.lowercased(), 0) == 0
    }

    public var description: String { text }
}

/// What a rule can be matched against, per study (and, for alert routes, per finding). Each
/// field holds every value the study has for it: a CT with a localizer has modalities CT and
/// DX; priority holds the HL7 code and its name (`S`, `STAT`).
public struct StudyFacts: Sendable, Equatable {
    public var values: [StudyMatch.Field: [String]] = [:]

    public init(_ values: [StudyMatch.Field: [String]] = [:]) {
        self.values = values.mapValues { $0.filter { !$0.isEmpty } }
    }

    /// The facts the orders of a study add: priority, procedure, ward (cancelled orders say nothing).
    mutating func add(orders: [OrderContext]) {
        for o in orders where !o.cancelled {
            values[.priority, default: []] += [o.priority, o.priorityName].compactMap { $0 }
            values[.procedure, default: []] += [o.procedure?.code, o.procedure?.meaning].compactMap { $0 }
            values[.ward, default: []] += [o.ward].compactMap { $0 }
        }
    }

    /// A rendered study's facts (alert routes): modality, and what its orders say.
    public init(report study: StudyReport) {
        self.init([.modality: study.modality.split(separator: "/").map(String.init)])
        add(orders: study.orders.map(\.context))
    }

    public func adding(label: String) -> StudyFacts {
        var facts = self
        facts.values[.label] = [label]
        return facts
    }
}

/// A `match:` rule: every field it names must have a value matching one of its patterns; a
/// rule that names nothing matches every study.
public struct StudyMatch: Sendable, Equatable, CustomStringConvertible {
    public enum Field: String, Sendable, CaseIterable, Hashable {
        case modality
        /// Body Part Examined (0018,0015).
        case bodyPart = "body_part"
        /// Study Description (0008,1030).
        case description
        /// Station Name (0008,1010).
        case station
        /// The order's priority (HL7 table 0027 code or name: `S` or `STAT`).
        case priority
        /// The ordered procedure (OBR-4 code or text).
        case procedure
        /// The patient's ward (PV1-3).
        case ward
        /// A finding's label (alert routes only).
        case label
    }

    public var rules: [Field: [ValuePattern]]

    public init(_ rules: [Field: [ValuePattern]] = [:]) { self.rules = rules }

    public func matches(_ facts: StudyFacts) -> Bool {
        rules.allSatisfy { field, patterns in
            (facts.values[field] ?? []).contains { value in patterns.contains { $0.matches(value) } }
        }
    }

    public var description: String {
        rules.isEmpty ? "every study" : Field.allCases.compactMap { f in
            rules[f].map { "\(f.rawValue) \($0.map(\.text).joined(separator: "|"))" }
        }.joined(separator: ", ")
    }
}
