import Foundation
import Testing
import TestSupport
import HL7

/// Fields read by path equal python-hl7's values on generated messages.
@Suite struct OracleComparisonTests {
    @Test(arguments: [UInt64(1), 2, 3])
    func generatedMessagesMatchPythonHL7(seed: UInt64) throws {
        var gen = MessageGenerator(seed: seed)
        let dir = try TemporaryDirectory("hl7-oracle")
        defer { dir.remove() }
        var text = ""
        for i in 0..<60 { text += gen.message(control: "C\(seed)-\(i)") }
        let path = try Oracle.write(text, "gen.hl7", in: dir)
        let file = try HL7File.open(path: path)
        #expect(file.errors.isEmpty)
        #expect(file.messages.count == 60)

        // Every segment occurrence, fields 1…(count+1), a spread of rep/comp/sub positions.
        var queries: [[Any]] = []
        var ours: [String] = []
        var rng = SeededRandom(seed: seed &* 77)
        for (k, m) in file.messages.enumerated() {
            var occurrences: [String: Int] = [:]
            for seg in m.segments {
                occurrences[seg.id, default: 0] += 1
                let occ = occurrences[seg.id]!
                for field in 1...(seg.fieldCount + 1) {
                    for _ in 0..<3 {
                        let rep = Int.random(in: 1...3, using: &rng), comp = Int.random(in: 1...4, using: &rng)
                        let sub = Int.random(in: 1...3, using: &rng)
                        let p = HL7Path(segment: seg.id, occurrence: occ, field: field, repetition: rep, component: comp, subcomponent: sub)
                        queries.append([k, seg.id, occ, field, rep, comp, sub])
                        ours.append(m.value(at: p).wireText ?? "")
                    }
                }
            }
        }
        let qpath = dir.file("queries.json")
        try JSONSerialization.data(withJSONObject: queries).write(to: URL(fileURLWithPath: qpath))
        let script = """
        import sys, json, hl7
        data = open(sys.argv[1], 'rb').read().decode('utf-8')
        msgs = [hl7.parse(m) for m in hl7.split_file(data)]
        out = []
        for k, seg, occ, f, r, c, s in json.load(open(sys.argv[2])):
            try:
                v = msgs[k].extract_field(seg, occ, f, r, c, s)
            except Exception:
                v = ''
            out.append(str(v))
        json.dump(out, sys.stdout)
        """
        let r = try runPython(script, [path, qpath])
        #expect(r.status == 0, "\(r.stderr)")
        let theirs = try #require(try JSONSerialization.jsonObject(with: r.stdoutData) as? [String])
        #expect(theirs.count == ours.count)
        var mismatches = 0
        for i in 0..<min(theirs.count, ours.count) where theirs[i] != ours[i] {
            mismatches += 1
            if mismatches <= 5 { Issue.record("query \(queries[i]): ours \(ours[i].debugDescription) python-hl7 \(theirs[i].debugDescription)") }
        }
        #expect(mismatches == 0)
        #expect(ours.count > 1000)
    }
}
