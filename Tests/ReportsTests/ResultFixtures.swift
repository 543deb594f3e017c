import Foundation
import Reports
import TestSupport
import Testing

/// A study as the engine hands it to the HL7 and FHIR renderers: linked orders (one by
/// accession, one patient-level ADT), source attributes, and findings in every tier, one with a
/// label full of HL7 delimiters and no code.
enum ResultFixtures {
    static let awkwardLabel = "opacity | left ^ upper ~ 2 \\ 3 & co"

    static let findings = [
        Finding(label: "Nodule", code: "27925004", codingScheme: "SCT", probability: 0.93, urgency: .critical,
                sopInstanceUID: "1.2.3.4.5", peakPixel: [40, 30], peakPatient: [-12.5, 30.25, 100]),
        Finding(label: "Pleural effusion", code: "60046008", codingScheme: "SCT", probability: 0.71, urgency: .urgent),
        Finding(label: awkwardLabel, probability: 0.5, urgency: .routine),
    ]

    static func study(findings: [Finding] = findings, modelName: String? = "demo-cxr", modelVersion: String? = "1.2.0",
                      orders: [OrderSummary] = linkedOrders, patientName: String? = "Müller^Zoë") -> StudyReport {
        var s = Fixtures.study(patientName: patientName, findings: findings)
        s.issuerOfPatientID = "HOSP"
        s.modelName = modelName
        s.modelVersion = modelVersion
        s.orders = orders
        s.source = SourceStudy(
            patientName: patientName ?? "", patientID: s.patientID, issuerOfPatientID: "HOSP", patientBirthDate: "19700101",
            patientSex: "F", studyInstanceUID: s.studyInstanceUID, studyDate: "20260301", studyTime: "101500.250",
            accessionNumber: s.accessionNumber, referringPhysicianName: "", studyID: "1", studyDescription: nil, instances: [])
        return s
    }

    static let linkedOrders = [
        OrderSummary(file: "orders.hl7", messageIndex: 0, messageType: "ADT^A08", accessionNumber: nil, placerOrderNumber: nil,
                     studyInstanceUID: nil, linkedBy: "patient-id"),
        OrderSummary(file: "orders.hl7", messageIndex: 1, messageType: "ORM^O01", accessionNumber: "ACC-001",
                     placerOrderNumber: "PLC-9", studyInstanceUID: nil, linkedBy: "accession-number", fillerOrderNumber: "ACC-001"),
    ]

    static func batch(_ studies: [StudyReport], run: Int = 1) -> BatchReport {
        var b = Fixtures.batch(studies)
        b.run = run
        return b
    }

    static let goldenDir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden").path

    /// Compares with `Golden/<name>`; SLUICE_RECORD_GOLDEN=1 re-records after an intended change.
    static func compare(_ actual: String, golden name: String) throws {
        let path = goldenDir + "/" + name
        if ProcessInfo.processInfo.environment["SLUICE_RECORD_GOLDEN"] == "1" {
            try actual.write(toFile: path, atomically: true, encoding: .utf8)
        }
        let expected = try String(contentsOfFile: path, encoding: .utf8)
        #expect(actual == expected, "\(name) differs; re-record with SLUICE_RECORD_GOLDEN=1 if intended")
    }

    static func write(_ file: RenderedFile, in dir: TemporaryDirectory) throws -> String {
        let path = dir.file((file.name as NSString).lastPathComponent)
        try file.data.write(to: URL(fileURLWithPath: path))
        return path
    }
}
