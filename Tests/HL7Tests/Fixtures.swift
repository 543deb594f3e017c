import HL7

/// Small messages built in code, named by what they exercise.
enum Fixture {
    static let ormLines = [
        "MSH|^~\\&|RIS|HOSP|SLUICE|SITE|20250101103000+0100||ORM^O01^ORM_O01|CTRL1|P|2.5.1",
        "PID|1||MRN1^^^HOSP^MR~ALT9^^^OTHER^PI||DOE^JANE^Q||19700101|F",
        "PV1|1|O|RAD^R1^B2",
        "ORC|NW|PLC1^RIS|ACC1^RIS||SC",
        "OBR|1|PLC1^RIS|ACC1^RIS|71045^XR CHEST 1 VIEW^C4|||20250101110000",
    ]

    static func orm(terminator: String = "\r") -> String {
        ormLines.joined(separator: terminator) + terminator
    }

    static func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

    static func parse(_ s: String, name: String = "test.hl7") -> HL7File {
        HL7File.parse(bytes: Array(s.utf8), name: name)
    }
}
