import Testing
import TestSupport
import HL7

/// HL7Bench counts what it reads (its speed is measured by tools/bench_hl7.py, not here).
@Suite struct BenchTests {
    @Test func benchReadsEveryMessageAndField() throws {
        let dir = try TemporaryDirectory("hl7-bench")
        defer { dir.remove() }
        let a = try Oracle.write(Fixture.orm() + Fixture.orm(), "a.hl7", in: dir)
        let b = try Oracle.write("FHS|^~\\&\rBHS|^~\\&\r" + Fixture.orm() + "BTS|1\rFTS|1\r", "b.hl7", in: dir)
        let r = try HL7Bench.run(paths: [a, b], fields: ["MSH-10", "PID-3", "OBR-3"])
        #expect(r.messages == 3)
        #expect(r.checksum == 3 * ("CTRL1".count + "MRN1".count + "ACC1".count))
        #expect(r.seconds >= 0)
    }
}
