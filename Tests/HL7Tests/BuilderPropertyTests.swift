import HL7
import Testing
import TestSupport

/// Whatever is set by path reads back by the same path, for any delimiter set and any text.
@Suite struct BuilderPropertyTests {
    @Test(arguments: [UInt64(11), 12, 13, 14])
    func randomSetsReadBack(seed: UInt64) throws {
        var rng = SeededRandom(seed: seed)
        let sets: [HL7Delimiters] = [
            .standard,
            HL7Delimiters(field: UInt8(ascii: "#"), component: UInt8(ascii: "*"), repetition: UInt8(ascii: "@"),
                          escape: UInt8(ascii: "!"), subcomponent: UInt8(ascii: "%"), truncation: UInt8(ascii: "$")),
            HL7Delimiters(field: UInt8(ascii: "|"), component: UInt8(ascii: "^"), repetition: UInt8(ascii: "~"),
                          escape: UInt8(ascii: "\\"), subcomponent: UInt8(ascii: "&"), truncation: UInt8(ascii: "#")),
        ]
        let d = sets[Int(seed) % sets.count]
        var b = HL7MessageBuilder(delimiters: d)
        try b.set("MSH-9.1", "ZZZ"); try b.set("MSH-10", "1"); try b.set("MSH-11", "P"); try b.set("MSH-12", "2.7")
        let alphabet = Array("ab c|^~\\&#*@!%$\"\né")
        var expected: [HL7Path: String] = [:]
        for _ in 0..<200 {
            let seg = ["PID", "OBX", "ZX1"].randomElement(using: &rng)!
            let path = HL7Path(segment: seg, occurrence: Int.random(in: 1...3, using: &rng), field: Int.random(in: 1...8, using: &rng),
                               repetition: Int.random(in: 1...3, using: &rng), component: Int.random(in: 1...4, using: &rng),
                               subcomponent: Int.random(in: 1...3, using: &rng))
            let value = String((0..<Int.random(in: 1...10, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! })
            try b.set(path, value)
            expected[path] = value
        }
        let m = try #require(HL7File.parse(bytes: b.bytes, name: "p.hl7").messages.first)
        for (path, value) in expected {
            #expect(m.value(at: path) == .value(value), "\(path)")
        }
    }
}
