import HL7
import TestSupport

/// Random but well-formed messages: any delimiter set, repetitions, components,
/// subcomponents, escape sequences, nulls, Z-segments.
struct MessageGenerator {
    var rng: SeededRandom
    let delimiterSets: [[Character]] = [
        ["|", "^", "~", "\\", "&"], ["#", "*", "@", "!", "%"], ["|", "$", "*", "/", "+"], ["!", "^", "~", "\\", "&"],
    ]

    init(seed: UInt64) { rng = SeededRandom(seed: seed) }

    mutating func value(_ d: [Character]) -> String {
        let plain = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_ ")
        let esc = d[3]
        var s = ""
        let n = Int.random(in: 1...8, using: &rng)
        for _ in 0..<n {
            switch Int.random(in: 0..<10, using: &rng) {
            case 0: s += "\(esc)\(["F", "S", "T", "R", "E"].randomElement(using: &rng)!)\(esc)"
            case 1: s += "\(esc)X4\(Int.random(in: 1...9, using: &rng))\(esc)"
            default: s.append(plain.randomElement(using: &rng)!)
            }
        }
        // python-hl7 strips each line, so never end a segment on a space.
        while s.hasSuffix(" ") || s.hasPrefix(" ") { s = s.trimmingCharacters(of: " ") + "x" }
        return s
    }

    mutating func field(_ d: [Character]) -> String {
        switch Int.random(in: 0..<12, using: &rng) {
        case 0: return ""
        case 1: return "\"\""
        default: break
        }
        let reps = Int.random(in: 0..<4, using: &rng) == 0 ? Int.random(in: 2...3, using: &rng) : 1
        return (0..<reps).map { _ in
            let comps = Int.random(in: 1...4, using: &rng)
            return (0..<comps).map { _ in
                let subs = Int.random(in: 0..<4, using: &rng) == 0 ? Int.random(in: 2...3, using: &rng) : 1
                return (0..<subs).map { _ in Int.random(in: 0..<5, using: &rng) == 0 ? "" : value(d) }.joined(separator: String(d[4]))
            }.joined(separator: String(d[1]))
        }.joined(separator: String(d[2]))
    }

    /// One message as text (CR terminators) with `control` as MSH-10.
    mutating func message(control: String, delimiters: [Character]? = nil) -> String {
        let d = delimiters ?? delimiterSets.randomElement(using: &rng)!
        let f = String(d[0])
        let enc = String(d[1...4])
        let type = ["ADT^A04", "ADT^A08", "ORM^O01", "ORU^R01", "OMI^O23", "SIU^S12"].randomElement(using: &rng)!
            .replacingCaret(with: d[1])
        var segs = ["MSH\(f)\(enc)\(f)APP\(f)FAC\(f)SLUICE\(f)SITE\(f)20250101120000\(f)\(f)\(type)\(f)\(control)\(f)P\(f)2.5.1"]
        for id in ["EVN", "PID", "PV1", "ORC", "OBR", "OBX", "OBX", "ZDS", "OBX", "NTE"] where Int.random(in: 0..<4, using: &rng) != 0 {
            let nf = Int.random(in: 1...12, using: &rng)
            var fields = (0..<nf).map { _ in field(d) }
            if fields.last == "" { fields[fields.count - 1] = value(d) }
            segs.append(id + f + fields.joined(separator: f))
        }
        return segs.joined(separator: "\r") + "\r"
    }
}

extension String {
    func trimmingCharacters(of c: Character) -> String {
        var s = Substring(self)
        while s.first == c { s.removeFirst() }
        while s.last == c { s.removeLast() }
        return String(s)
    }

    func replacingCaret(with c: Character) -> String { String(map { $0 == "^" ? c : $0 }) }
}
