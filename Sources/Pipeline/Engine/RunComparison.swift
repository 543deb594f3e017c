import Foundation
import Reports

/// The findings that changed between two runs of a batch (what a rerun's user needs to see).
public struct RunComparison: Codable, Sendable {
    public struct Change: Codable, Sendable, Equatable {
        public var studyKey: String
        public var label: String
        public var before: Double?
        public var after: Double?
        public var urgencyBefore: String?
        public var urgencyAfter: String?
    }

    public var batchID: String
    public var oldRun: Int
    public var newRun: Int
    public var changes: [Change]
    public var studiesOnlyInOld: [String]
    public var studiesOnlyInNew: [String]

    public static func make(_ engine: Engine, batchID: String, old: Int, new: Int) throws -> RunComparison {
        let before = Dictionary(uniqueKeysWithValues: try engine.ledger.studies(batchID: batchID, run: old).map { ($0.studyKey, $0) })
        let after = Dictionary(uniqueKeysWithValues: try engine.ledger.studies(batchID: batchID, run: new).map { ($0.studyKey, $0) })
        var changes: [Change] = []
        for key in Set(before.keys).intersection(after.keys).sorted() {
            let a = findings(before[key]!), b = findings(after[key]!)
            for label in Set(a.keys).union(b.keys).sorted() {
                let x = a[label], y = b[label]
                if x?.probability != y?.probability || x?.urgency != y?.urgency {
                    changes.append(Change(studyKey: key, label: label, before: x?.probability, after: y?.probability,
                                          urgencyBefore: x?.urgency.rawValue, urgencyAfter: y?.urgency.rawValue))
                }
            }
        }
        return RunComparison(
            batchID: batchID, oldRun: old, newRun: new, changes: changes,
            studiesOnlyInOld: Set(before.keys).subtracting(after.keys).sorted(),
            studiesOnlyInNew: Set(after.keys).subtracting(before.keys).sorted())
    }

    static func findings(_ study: StudyRecord) -> [String: Finding] {
        let list = (try? JSONDecoder().decode([Finding].self, from: Data(study.findingsJSON.utf8))) ?? []
        return Dictionary(list.map { ($0.label, $0) }, uniquingKeysWith: { a, b in a.probability >= b.probability ? a : b })
    }

    public var text: String {
        var out = ""
        if changes.isEmpty && studiesOnlyInOld.isEmpty && studiesOnlyInNew.isEmpty {
            return "  no findings changed against run \(oldRun)\n"
        }
        out += "  findings changed against run \(oldRun):\n"
        func p(_ v: Double?) -> String { v.map { String(format: "%.4f", $0) } ?? "—" }
        for c in changes {
            out += "    \(c.studyKey) \(c.label): \(p(c.before)) → \(p(c.after))"
            if c.urgencyBefore != c.urgencyAfter { out += " (\(c.urgencyBefore ?? "—") → \(c.urgencyAfter ?? "—"))" }
            out += "\n"
        }
        for s in studiesOnlyInOld { out += "    \(s): no longer present\n" }
        for s in studiesOnlyInNew { out += "    \(s): new in this run\n" }
        return out
    }
}
