import Testing
import HL7

/// The one-pass walks (`HL7Segment.fields`, `HL7Field.repetitions`, `tree`) give exactly what
/// the lookups by number give, on generated messages in every delimiter set and on the edge
/// inputs of the fuzz regressions.
@Suite struct OnePassTests {
    @Test func walksAgreeWithLookupsByNumber() throws {
        var gen = MessageGenerator(seed: 23)
        let generated = (0..<60).map { Array(gen.message(control: "G\($0)").utf8) }
        var segments = 0
        for (k, bytes) in (generated + FuzzRegressionTests.inputs).enumerated() {
            let file = HL7File.parse(bytes: bytes, name: "walk\(k).hl7")
            for seg in (file.messages + file.rejectedMessages).flatMap(\.segments) {
                segments += 1
                let fields = seg.fields
                let byNumber = (1...).lazy.map { seg.field($0) }.prefix { $0 != nil }.compactMap { $0 }
                #expect(fields.map(\.rawBytes) == Array(byNumber).map(\.rawBytes), "\(k) \(seg.id)")
                #expect(seg.field(fields.count + 1) == nil)
                for (n, f) in zip(1..., fields) {
                    let reps = f.repetitions
                    #expect(reps.count == f.repetitionCount, "\(k) \(seg.id)-\(n)")
                    for (r, rep) in zip(1..., reps) {
                        let comps = max(f.componentCount(repetition: r), 1)
                        for c in 1...comps {
                            for s in 1...max(f.subcomponentCount(repetition: r, component: c), 1) {
                                #expect(rep.value(component: c, subcomponent: s) == f.value(repetition: r, component: c, subcomponent: s),
                                        "\(k) \(seg.id)-\(n)[\(r)].\(c).\(s)")
                            }
                        }
                        // Past the last component, as a lookup by number would find.
                        #expect(rep.value(component: comps + 1) == f.value(repetition: r, component: comps + 1))
                    }
                    let tree = (0..<f.repetitionCount).map { r in
                        (0..<f.componentCount(repetition: r + 1)).map { c in
                            (0..<f.subcomponentCount(repetition: r + 1, component: c + 1)).map { s in
                                f.value(repetition: r + 1, component: c + 1, subcomponent: s + 1).wireText ?? ""
                            }
                        }
                    }
                    #expect(f.tree == tree, "\(k) \(seg.id)-\(n)")
                }
            }
        }
        #expect(segments > 300)
    }
}
