import Foundation
import Reports
import Testing
import TestSupport

/// The Bundle is validated by the `fhir.resources` R4B models (pydantic, extra keys forbidden)
/// and read back by Python's json; ids and bytes are checked for determinism.
@Suite struct FHIRRendererTests {
    func render(_ study: StudyReport = ResultFixtures.study(), run: Int = 1) throws -> RenderedFile {
        let files = try FHIRRenderer().render(study: study, batch: ResultFixtures.batch([study], run: run))
        #expect(files.count == 1)
        return try #require(files.first)
    }

    func json(_ file: RenderedFile) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: file.data) as? [String: Any])
    }

    func resources(_ bundle: [String: Any]) -> [[String: Any]] {
        (bundle["entry"] as? [[String: Any]] ?? []).compactMap { $0["resource"] as? [String: Any] }
    }

    /// fhir.resources parses the Bundle as R4B (R4's successor with the same DiagnosticReport,
    /// Observation and Device), then prints what it read: resource types, statuses, codes.
    func validate(_ file: RenderedFile) throws -> [String: Any] {
        let dir = try TemporaryDirectory("fhir")
        defer { dir.remove() }
        let path = try ResultFixtures.write(file, in: dir)
        let r = try runPython(#"""
            import sys, json
            from fhir.resources.R4B.bundle import Bundle
            b = Bundle.model_validate_json(open(sys.argv[1], 'rb').read())
            urls = {e.fullUrl: e.resource for e in b.entry}
            report = b.entry[0].resource
            out = {"type": b.type, "resources": [e.resource.get_resource_type() for e in b.entry],
                   "status": report.status, "code": [report.code.coding[0].system, report.code.coding[0].code],
                   "subject": report.subject.identifier.value, "study": report.imagingStudy[0].identifier.value,
                   "results": [urls[r.reference].get_resource_type() for r in (report.result or [])],
                   "conclusion": [c.coding[0].code for c in (report.conclusionCode or [])], "observations": []}
            for e in b.entry[1:-1]:
                o = e.resource
                out["observations"].append({
                    "status": o.status, "system": o.code.coding[0].system if o.code.coding else None,
                    "code": o.code.coding[0].code if o.code.coding else None, "text": o.code.text,
                    "interpretation": o.interpretation[0].coding[0].code,
                    "device": urls[o.device.reference].get_resource_type(),
                    "derivedFrom": o.derivedFrom[0].identifier.value,
                    "components": [[c.code.coding[0].code,
                                    float(c.valueQuantity.value) if c.valueQuantity else
                                    (c.valueCodeableConcept.coding[0].code if c.valueCodeableConcept else c.valueString)]
                                   for c in o.component]})
            d = b.entry[-1].resource
            out["device"] = [d.deviceName[0].name, d.deviceName[0].type, d.version[0].value]
            print(json.dumps(out))
            """#, [path])
        try #require(r.status == 0, "fhir.resources rejected the Bundle (pip install fhir.resources): \(r.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: r.stdoutData) as? [String: Any])
    }

    @Test func oneBundlePerStudyTheModelRanOn() throws {
        let study = ResultFixtures.study()
        let batch = ResultFixtures.batch([study])
        let file = try render(study)
        #expect(file.name == "studies/k1/diagnostic-report.json")
        #expect(FHIRRenderer().studyFileNames(study, batch: batch) == [file.name])
        let noModel = ResultFixtures.study(findings: [], modelName: nil, modelVersion: nil)
        #expect(try FHIRRenderer().render(study: noModel, batch: batch).isEmpty)
        #expect(FHIRRenderer().studyFileNames(noModel, batch: batch).isEmpty)
        #expect(try FHIRRenderer().render(batch: batch).isEmpty)
    }

    @Test func fhirResourcesValidatesTheBundle() throws {
        let v = try validate(try render())
        #expect(v["type"] as? String == "collection")
        #expect(v["resources"] as? [String] == ["DiagnosticReport", "Observation", "Observation", "Observation", "Device"])
        #expect(v["status"] as? String == "preliminary")
        #expect(v["code"] as? [String] == ["http://loinc.org", "18748-4"])
        #expect(v["subject"] as? String == "PID-001")
        #expect(v["study"] as? String == "urn:oid:" + ResultFixtures.study().studyInstanceUID)
        #expect(v["results"] as? [String] == ["Observation", "Observation", "Observation"], "result references resolve in the Bundle")
        #expect(v["device"] as? [String] == ["demo-cxr", "model-name", "1.2.0"])
        let obs = try #require(v["observations"] as? [[String: Any]])
        #expect(obs.count == 3)
        #expect(obs.allSatisfy { $0["status"] as? String == "preliminary" && $0["device"] as? String == "Device" })
        #expect(obs.allSatisfy { $0["derivedFrom"] as? String == "urn:oid:" + ResultFixtures.study().studyInstanceUID })
        #expect(obs[0]["system"] as? String == "http://snomed.info/sct" && obs[0]["code"] as? String == "27925004")
        #expect(obs[0]["interpretation"] as? String == "AA", "Critical is critically abnormal")
        #expect(obs[1]["interpretation"] as? String == "A")
        let c0 = try #require(obs[0]["components"] as? [[Any]])
        #expect(c0.count == 4)
        #expect(c0[0][0] as? String == "111012" && c0[0][1] as? Double == 0.93)
        #expect(c0[1][0] as? String == "260870009" && c0[1][1] as? String == "25876001")
        #expect(c0[2][0] as? String == "111030" && c0[2][1] as? String == "40 30")
        #expect(c0[3][1] as? String == "-12.5 30.25 100")
        #expect((obs[1]["components"] as? [[Any]])?.count == 2, "no heatmap, no peak component")
        #expect((obs[1]["components"] as? [[Any]])?[1][1] as? String == "103391001")
        // The uncoded label is text only, its delimiters untouched (JSON needs no HL7 escapes).
        #expect(obs[2]["code"] is NSNull && obs[2]["text"] as? String == ResultFixtures.awkwardLabel)
    }

    @Test func codingSchemesMapToFHIRSystems() throws {
        let findings = [
            Finding(label: "Calcification", code: "F-01", codingScheme: "DCM", probability: 0.6, urgency: .routine),
            Finding(label: "Chest X-ray finding", code: "24627-2", codingScheme: "LN", probability: 0.6, urgency: .routine),
            Finding(label: "Local", code: "X1", codingScheme: "99LOCAL", probability: 0.6, urgency: .routine),
        ]
        let v = try validate(try render(ResultFixtures.study(findings: findings)))
        let obs = try #require(v["observations"] as? [[String: Any]])
        #expect(obs[0]["system"] as? String == "http://dicom.nema.org/resources/ontology/DCM")
        #expect(obs[1]["system"] as? String == "http://loinc.org")
        #expect(obs[2]["system"] is NSNull && obs[2]["code"] as? String == "X1", "an unknown scheme keeps its code, without a system")
    }

    /// "Model ran, nothing found" is a report with no results and the conclusion
    /// "Clinical finding absent"; "no model ran" is no file at all (tested above).
    @Test func aModelThatFoundNothingGivesAReportWithoutResults() throws {
        let file = try render(ResultFixtures.study(findings: []))
        let v = try validate(file)
        #expect(v["resources"] as? [String] == ["DiagnosticReport", "Device"])
        #expect((v["results"] as? [String])?.isEmpty == true)
        #expect(v["conclusion"] as? [String] == ["373572006"])
        let report = try #require(resources(try json(file)).first)
        #expect(report["result"] == nil, "FHIR forbids empty arrays")
    }

    /// Resource ids are UUIDs of the study and the model: a rerun keeps them (a server updates
    /// instead of duplicating), a new model version changes them; the Bundle's id is per run.
    @Test func idsAreDerivedNotRandom() throws {
        let uuid = try Regex("^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
        func ids(_ file: RenderedFile) throws -> (bundle: String, resources: [String], urls: [String]) {
            let b = try json(file)
            let entries = b["entry"] as? [[String: Any]] ?? []
            return (b["id"] as? String ?? "", resources(b).map { $0["id"] as? String ?? "" }, entries.map { $0["fullUrl"] as? String ?? "" })
        }
        let first = try ids(try render())
        #expect(first.resources.count == 5 && Set(first.resources).count == 5)
        #expect(([first.bundle] + first.resources).allSatisfy { $0.wholeMatch(of: uuid) != nil }, "\(first)")
        #expect(first.urls == first.resources.map { "urn:uuid:" + $0 })
        #expect(try ids(try render()).resources == first.resources)
        let rerun = try ids(try render(run: 2))
        #expect(rerun.resources == first.resources && rerun.bundle != first.bundle)
        let newModel = try ids(try render(ResultFixtures.study(modelVersion: "1.3.0")))
        #expect(Set(newModel.resources).isDisjoint(with: first.resources))
        let other = try ids(try render(ResultFixtures.study(findings: Array(ResultFixtures.findings.prefix(1)))))
        #expect(other.resources[0] == first.resources[0] && other.resources[1] == first.resources[1],
                "the report and its first finding keep their ids when a later finding goes away")
    }

    @Test func goldenBytes() throws {
        let first = try render(), second = try render()
        #expect(first.data == second.data)
        try ResultFixtures.compare(String(decoding: first.data, as: UTF8.self), golden: "diagnostic-report.json")
    }

    @Test func anInvalidClockIsAnError() throws {
        let study = ResultFixtures.study()
        var batch = ResultFixtures.batch([study])
        batch.generatedAt = "yesterday"
        #expect(throws: ReportRenderError.self) { try FHIRRenderer().render(study: study, batch: batch) }
        #expect(throws: ReportRenderError.self) { try HL7ORURenderer().render(study: study, batch: batch) }
    }
}
