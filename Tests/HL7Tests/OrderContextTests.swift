import Testing
@testable import HL7

/// Order context as RIS feeds send it: v2.3.1 ORM (priority in ORC-7.6, providers as XCN) and
/// v2.5.1 OMI (priority in TQ1-9), an SIU cancellation and an ORC `CA`.
struct OrderContextTests {
    func message(_ text: String) throws -> HL7Message {
        let file = HL7File.parse(bytes: Array(text.utf8), name: "t.hl7")
        return try #require(file.messages.first, "\(file.errors)")
    }

    @Test func orm231() throws {
        let m = try message("""
            MSH|^~\\&|RIS|HOSP|SLUICE|SITE|20261207101500||ORM^O01|MSG1|P|2.3.1\r\
            PID|1||MRN7^^^HOSP^MR||Doe^Jane||19700101|F\r\
            PV1|1|I|ED^12^B^HOSP||||1234^Lovelace^Ada^^^Dr|5678^Hopper^Grace\r\
            ORC|NW|PLC7|ACC7||SC||^^^20261207100000^^S||20261207101500|||999^Curie^Marie\r\
            OBR|1|PLC7|ACC7|CTHEAD^CT head without contrast^L|R|||||||||||888^Nightingale^Florence||ACC7|RP7\r\
            ZDS|1.2.3.4.5^RIS^Application^DICOM\r
            """)
        let c = m.orderContext
        #expect(c.procedure == HL7CodedElement(identifier: "CTHEAD", text: "CT head without contrast", codingSystem: "L"))
        #expect(c.priority == "S", "ORC-7.6 before OBR-5")
        #expect(c.orderingProvider == HL7Provider(id: "999", family: "Curie", given: "Marie"), "ORC-12 before OBR-16")
        #expect(c.referringProvider == HL7Provider(id: "5678", family: "Hopper", given: "Grace"))
        #expect(c.ward == "ED")
        #expect(!c.isCancellation)
    }

    @Test func omi251WithTQ1AndOBR16Fallback() throws {
        let m = try message("""
            MSH|^~\\&|RIS|HOSP|SLUICE|SITE|20261207101500||OMI^O23^OMI_O23|MSG2|P|2.5.1\r\
            PID|1||MRN8^^^HOSP^MR||Roe^Rick\r\
            ORC|NW|PLC8|ACC8\r\
            TQ1|1||||||||A^ASAP^HL70485\r\
            OBR|1|PLC8|ACC8|CXR^Chest X-ray 2 views^L||||||||||||777^Salk^Jonas\r\
            IPC|ACC8|RP8|1.2.3.4.8|SPS8|CR\r
            """)
        let c = m.orderContext
        #expect(c.priority == "A")
        #expect(c.orderingProvider?.id == "777" && c.orderingProvider?.family == "Salk", "OBR-16 when ORC-12 is empty")
        #expect(c.referringProvider == nil && c.ward == nil)
    }

    @Test func cancellations() throws {
        let ca = try message("MSH|^~\\&|RIS|H|S|S|20261207||ORM^O01|M3|P|2.3.1\rORC|CA|PLC9|ACC9\rOBR|1|PLC9|ACC9\r")
        #expect(ca.orderContext.isCancellation)
        let siu = try message("MSH|^~\\&|RIS|H|S|S|20261207||SIU^S15|M4|P|2.5.1\rSCH|A1|A1F||||||||||||||||||||||||PLC9|ACC9\r")
        #expect(siu.orderContext.isCancellation)
        let booked = try message("MSH|^~\\&|RIS|H|S|S|20261207||SIU^S12|M5|P|2.5.1\rSCH|A1|A1F\r")
        #expect(!booked.orderContext.isCancellation)
        let obr5 = try message("MSH|^~\\&|RIS|H|S|S|20261207||ORM^O01|M6|P|2.3.1\rORC|NW|P|A\rOBR|1|P|A||S\r")
        #expect(obr5.orderContext.priority == "S", "OBR-5 where nothing newer is sent")
    }
}
