import Foundation
import Testing
import HL7

@Suite struct AccessTests {
    @Test func pathGrammar() throws {
        let p = try #require(HL7Path("OBX[3]-5[2].4.1"))
        #expect(p == HL7Path(segment: "OBX", occurrence: 3, field: 5, repetition: 2, component: 4, subcomponent: 1))
        #expect(p.description == "OBX[3]-5[2].4.1")
        #expect(HL7Path("PID-3")?.description == "PID-3")
        #expect(HL7Path("pid.3.1") == HL7Path(segment: "PID", field: 3, component: 1))
        for bad in ["", "PID", "PID-", "PID-0", "PID-3[0]", "PID-3.", "PID-3.x", "PI-3", "PID[2-3", "PID-3.1.2.3", "1ID-3"] {
            #expect(HL7Path(bad) == nil, "\(bad)")
        }
    }

    @Test func typedViews() throws {
        let text = Fixture.orm() + "IPC|ACC9^RIS|RP1|1.2.840.99.1^^1.2.840.99^ISO|SPS1|CR\rOBX|1|NM|111012^Certainty^DCM|1|0.87|1^no units^UCUM||A~H|||P|||20250101120000.25-0500\r"
        let m = try #require(Fixture.parse(text).messages.first)
        #expect(m.messageType == HL7MessageType(code: "ORM", trigger: "O01", structure: "ORM_O01"))
        #expect(m.controlID == "CTRL1")
        #expect(m.version == "2.5.1")
        #expect(m.msh.sendingApplication == "RIS")
        let dt = try #require(m.msh.dateTime)
        #expect(dt.precision == .second)
        #expect(dt.utcOffsetMinutes == 60)
        #expect(dt.date == ISO8601DateFormatter().date(from: "2025-01-01T09:30:00Z"))
        let pid = try #require(m.pid)
        #expect(pid.identifiers.map(\.id) == ["MRN1", "ALT9"])
        #expect(pid.identifiers.map(\.assigningAuthority) == ["HOSP", "OTHER"])
        #expect(pid.identifiers.first?.identifierTypeCode == "MR")
        #expect(pid.name?.family == "DOE")
        #expect(pid.name?.given == "JANE")
        #expect(pid.birthDate?.precision == .day)
        #expect(pid.sex == "F")
        #expect(m.pv1?.patientClass == "O")
        #expect(m.orcs.first?.orderControl == "NW")
        #expect(m.orcs.first?.fillerOrderNumber == HL7EntityIdentifier(id: "ACC1", namespaceID: "RIS"))
        #expect(m.obrs.first?.universalServiceID == HL7CodedElement(identifier: "71045", text: "XR CHEST 1 VIEW", codingSystem: "C4"))
        #expect(m.obrs.first?.observationDateTime?.hour == 11)
        let ipc = try #require(m.ipcs.first)
        #expect(ipc.accessionIdentifier?.id == "ACC9")
        #expect(ipc.studyInstanceUID?.id == "1.2.840.99.1")
        #expect(ipc.studyInstanceUID?.universalID == "1.2.840.99")
        #expect(ipc.modality == "CR")
        let obx = try #require(m.obxs.first)
        #expect(obx.valueType == "NM")
        #expect(obx.values == ["0.87"])
        #expect(obx.abnormalFlags == ["A", "H"])
        #expect(obx.units?.identifier == "1")
        #expect(obx.observationDateTime?.fraction == 0.25)
        #expect(obx.observationDateTime?.utcOffsetMinutes == -300)
        let keys = m.orderKeys
        #expect(keys.orderControls == ["NW"])
        #expect(keys.fillerOrderNumbers == ["ACC1"])
        #expect(keys.placerOrderNumbers == ["PLC1"])
        #expect(keys.accessionNumbers == ["ACC9"])
        #expect(keys.studyInstanceUIDs == ["1.2.840.99.1"])
        #expect(keys.accessionCandidates == ["ACC9", "ACC1", "PLC1"])
        #expect(keys.patientIdentifiers.count == 2)
    }

    @Test func schedulingAndEvent() throws {
        let text = "MSH|^~\\&|S|F|R|F|20250101||SIU^S12^SIU_S12|9|P|2.5.1\rSCH|APT1^SCHED|FAPT1^RIS|||||ROUTINE^Routine|NORMAL|30|min|^^30^20250102083000||||||||||||||Booked|PLC7^RIS|ACC7^RIS\rEVN|A04|20250101120000\r"
        let m = try #require(Fixture.parse(text).messages.first)
        let sch = try #require(m.sch)
        #expect(sch.placerAppointmentID?.id == "APT1")
        #expect(sch.fillerAppointmentID?.namespaceID == "RIS")
        #expect(sch.appointmentReason?.identifier == "ROUTINE")
        #expect(sch.startDateTime?.day == 2)
        #expect(sch.fillerStatusCode?.identifier == "Booked")
        #expect(sch.placerOrderNumber?.id == "PLC7")
        #expect(sch.fillerOrderNumber?.id == "ACC7")
        #expect(m.evn?.eventTypeCode == "A04")
        #expect(m.evn?.recordedDateTime?.minute == 0)
    }

    @Test func dateTimes() throws {
        #expect(HL7DateTime("2025")?.precision == .year)
        #expect(HL7DateTime("202502")?.month == 2)
        #expect(HL7DateTime("20250230") != nil)          // the text shape is valid…
        #expect(HL7DateTime("20250230")?.date == nil)    // …the calendar day is not
        #expect(HL7DateTime("202501011230")?.precision == .minute)
        #expect(HL7DateTime("20250101123045.1234+0530")?.utcOffsetMinutes == 330)
        let d = try #require(HL7DateTime("20250101123045-0800")?.date)
        #expect(d == ISO8601DateFormatter().date(from: "2025-01-01T20:30:45Z"))
        for bad in ["", "20", "2025013", "20251301", "20250101246000", "2025x101", "20250101+05", "20250101.5", "20250101120000+9999"] {
            #expect(HL7DateTime(bad) == nil, "\(bad)")
        }
        #expect(HL7DateTime.format(Date(timeIntervalSince1970: 0)) == "19700101000000")
    }
}
