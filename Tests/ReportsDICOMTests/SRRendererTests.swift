import DICOM
import Foundation
import Reports
import Testing
import TestSupport

/// The SR is checked by three independent readers: dicom3tools (IOD), dcmtk (SR structure)
/// and highdicom (TID 1500 semantics: the findings come back).
@Suite struct SRRendererTests {
    func renderSR(_ study: StudyReport, generatedAt: String = Fixtures.generatedAt) throws -> RenderedFile {
        let files = try SRRenderer().render(study: study, batch: Fixtures.batch([study], generatedAt: generatedAt))
        #expect(files.count == 1)
        return try #require(files.first)
    }

    @Test func writesTheStudyFolderFile() throws {
        let src = try Fixtures.source()
        defer { src.dir.remove() }
        let file = try renderSR(Fixtures.study(source: src.study))
        #expect(file.name == "studies/k1/report-sr.dcm")
    }

    @Test func dciodvfyFindsNoErrors() throws {
        let src = try Fixtures.source()
        defer { src.dir.remove() }
        let path = try Fixtures.write(try renderSR(Fixtures.study(source: src.study)), in: src.dir)
        let v = try Fixtures.dciodvfy(path)
        #expect(v.errors == [], "\(v.output)")
        #expect(v.output.contains("Comprehensive3DSR"), "\(v.output)")
    }

    @Test func dsrdumpReadsTheTree() throws {
        let src = try Fixtures.source()
        defer { src.dir.remove() }
        let path = try Fixtures.write(try renderSR(Fixtures.study(source: src.study)), in: src.dir)
        let r = try runProcess("dsrdump", ["+Pt", "+Pc", path])
        #expect(r.status == 0, "\(r.stderr)")
        let problems = (r.stdout + r.stderr).split(separator: "\n").filter { $0.hasPrefix("E:") }
        #expect(problems.isEmpty, "\(problems)")
        for expected in [
            "Comprehensive 3D SR Document", "Verification Flag   : UNVERIFIED", "Content Date/Time   : 2025-01-10 06:30:00",
            "<CONTAINER:(126000,DCM,\"Imaging Measurement Report\")=SEPARATE>  # TID 1500 (DCMR)",
            "<has obs context CODE:(121005,DCM,\"Observer Type\")=(121007,DCM,\"Device\")>",
            "<has concept mod CODE:(121058,DCM,\"Procedure reported\")=(363679005,SCT,\"Imaging procedure\")>",
            "<contains CONTAINER:(126010,DCM,\"Imaging Measurements\")=SEPARATE>",
            "<contains CONTAINER:(125007,DCM,\"Measurement Group\")=SEPARATE>  # TID 1410 (DCMR)",
            "<contains CODE:(121071,DCM,\"Finding\")=(27925004,SCT,\"Nodule\")>",
            "<contains NUM:(111012,DCM,\"Certainty of Finding\")=\"0.87\" (1,UCUM,\"no units\")>",
            "<contains CODE:(260870009,SCT,\"Priority\")=(25876001,SCT,\"Emergency\")>",
            "<has concept mod CODE:(363698007,SCT,\"Finding Site\")=(39607008,SCT,\"Lung\")>",
            "<has concept mod TEXT:(111001,DCM,\"Algorithm Name\")=\"chest-triage\">",
            "<has concept mod TEXT:(111003,DCM,\"Algorithm Version\")=\"1.2.0\">",
            "<contains SCOORD:(111030,DCM,\"Image Region\")=(POINT,3.5/5.5)>",
            "<selected from IMAGE:(260753009,SCT,\"Source\")=(CR image,)>",
            "<contains CONTAINER:(125007,DCM,\"Measurement Group\")=SEPARATE>  # TID 1501 (DCMR)",
            "<contains CODE:(121071,DCM,\"Finding\")=(opacity,99SLUICE,\"opacity\")>",
        ] {
            #expect(r.stdout.contains(expected), "missing \(expected) in\n\(r.stdout)")
        }
    }

    /// highdicom parses the document as TID 1500 and gives back each finding's code, certainty,
    /// priority and the region's point and image.
    @Test func highdicomReadsTheFindingsBack() throws {
        let src = try Fixtures.source()
        defer { src.dir.remove() }
        let path = try Fixtures.write(try renderSR(Fixtures.study(source: src.study)), in: src.dir)
        let script = #"""
import json, sys
import highdicom as hd
from pydicom.sr.codedict import codes
sr = hd.sr.srread(sys.argv[1])
report = sr.content
out = {"type": type(sr).__name__, "report": type(report).__name__, "planar": [], "image": []}
obs = report.get_observer_contexts(observer_type=codes.cid270.Device)
out["device_uid"] = str(obs[0].observer_identifying_attributes.uid) if obs else None
def common(g):
    m = g.get_measurements(name=hd.sr.CodedConcept("111012", "DCM", "Certainty of Finding"))
    q = g.get_qualitative_evaluations(name=hd.sr.CodedConcept("260870009", "SCT", "Priority"))
    return {"finding": [g.finding_type.value, g.finding_type.scheme_designator, g.finding_type.meaning],
            "sites": [s.value.value for s in g.finding_sites],
            "certainty": [float(x.value) for x in m], "units": [x.unit.value for x in m],
            "priority": [x.value.value for x in q], "tracking": g.tracking_identifier, "uid": str(g.tracking_uid)}
for g in report.get_planar_roi_measurement_groups():
    d = common(g)
    d["point"] = [float(v) for v in g.roi.value.flatten()]
    d["graphic"] = g.roi.graphic_type.value
    d["image"] = g.roi.ContentSequence[0].ReferencedSOPSequence[0].ReferencedSOPInstanceUID
    out["planar"].append(d)
for g in report.get_image_measurement_groups():
    out["image"].append(common(g))
print(json.dumps(out))
"""#
        let r = try runPython(script, [path])
        #expect(r.status == 0, "\(r.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: r.stdoutData) as? [String: Any], "\(r.stderr)")
        #expect(json["type"] as? String == "Comprehensive3DSR")
        #expect(json["report"] as? String == "MeasurementReport")
        let uids = SRRenderer().uids(for: Fixtures.study(source: src.study))
        #expect(json["device_uid"] as? String == uids.deviceObserver)
        let planar = try #require(json["planar"] as? [[String: Any]])
        #expect(planar.count == 2)
        #expect(planar.map { ($0["finding"] as? [String])?.first } == ["27925004", "60046008"])
        #expect(planar.map { ($0["certainty"] as? [Double]) ?? [] } == [[0.87], [0.42]])
        #expect(planar.map { ($0["units"] as? [String]) ?? [] } == [["1"], ["1"]])
        #expect(planar.map { ($0["priority"] as? [String]) ?? [] } == [["25876001"], ["103391001"]])
        #expect(planar.map { ($0["sites"] as? [String]) ?? [] } == [["39607008"], ["39607008"]])
        #expect(planar.map { $0["graphic"] as? String } == ["POINT", "POINT"])
        #expect(planar.map { ($0["point"] as? [Double]) ?? [] } == [[3.5, 5.5], [1.5, 2.5]])
        #expect(planar.map { $0["image"] as? String } == Fixtures.findings.prefix(2).map(\.sopInstanceUID))
        #expect(planar.map { $0["uid"] as? String } == [uids.trackingUID(group: 1, label: "Nodule"),
                                                          uids.trackingUID(group: 2, label: "Pleural effusion")])
        let image = try #require(json["image"] as? [[String: Any]])
        #expect(image.count == 1)
        #expect(image.first?["finding"] as? [String] == ["opacity", "99SLUICE", "opacity"])
        #expect(image.first?["certainty"] as? [Double] == [0.125])
        #expect(image.first?["priority"] as? [String] == ["373115008"])
    }

    /// pydicom reads the module attributes: copied patient/study values, the evidence list
    /// grouped by series, and the fixed SR Document General values.
    @Test func copiesSourceAttributesAndListsEvidence() throws {
        let src = try Fixtures.source()
        defer { src.dir.remove() }
        let study = Fixtures.study(source: src.study)
        let path = try Fixtures.write(try renderSR(study), in: src.dir)
        let script = #"""
import json, sys, pydicom
ds = pydicom.dcmread(sys.argv[1])
ev = ds.CurrentRequestedProcedureEvidenceSequence
print(json.dumps({
  "name": str(ds.PatientName), "id": ds.PatientID, "birth": ds.PatientBirthDate, "sex": ds.PatientSex,
  "study": ds.StudyInstanceUID, "date": ds.StudyDate, "time": ds.StudyTime, "acc": ds.AccessionNumber,
  "ref": str(ds.ReferringPhysicianName), "studyid": ds.StudyID, "modality": ds.Modality,
  "completion": ds.CompletionFlag, "verification": ds.VerificationFlag,
  "content": [ds.ContentDate, ds.ContentTime], "series": ds.SeriesInstanceUID, "sop": ds.SOPInstanceUID,
  "sopclass": ds.SOPClassUID, "meta_sop": ds.file_meta.MediaStorageSOPInstanceUID,
  "pps": len(ds.ReferencedPerformedProcedureStepSequence), "ppc": len(ds.PerformedProcedureCodeSequence),
  "evidence": [[e.StudyInstanceUID, [[s.SeriesInstanceUID, [r.ReferencedSOPInstanceUID for r in s.ReferencedSOPSequence]]
               for s in e.ReferencedSeriesSequence]] for e in ev],
  "charset": ds.get("SpecificCharacterSet"),
}))
"""#
        let r = try runPython(script, [path])
        #expect(r.status == 0, "\(r.stderr)")
        let j = try #require(try JSONSerialization.jsonObject(with: r.stdoutData) as? [String: Any], "\(r.stderr)")
        #expect(j["name"] as? String == "DOE^JANE")
        #expect(j["id"] as? String == "MRN12345")
        #expect(j["birth"] as? String == "19700101")
        #expect(j["sex"] as? String == "F")
        #expect(j["study"] as? String == Fixtures.studyUID)
        #expect(j["date"] as? String == "20250109")
        #expect(j["time"] as? String == "101500")
        #expect(j["acc"] as? String == "ACC456")
        #expect(j["ref"] as? String == "WHO^REFERS")
        #expect(j["studyid"] as? String == "S1")
        #expect(j["modality"] as? String == "SR")
        #expect(j["completion"] as? String == "COMPLETE")
        #expect(j["verification"] as? String == "UNVERIFIED")
        #expect(j["content"] as? [String] == ["20250110", "063000"])
        let uids = SRRenderer().uids(for: study)
        #expect(j["series"] as? String == uids.srSeries)
        #expect(j["sop"] as? String == uids.srInstance)
        #expect(j["meta_sop"] as? String == uids.srInstance)
        #expect(j["sopclass"] as? String == SRRenderer.sopClassUID)
        #expect(j["pps"] as? Int == 0 && j["ppc"] as? Int == 0)
        let evidence = try #require(j["evidence"] as? [[Any]])
        #expect(evidence.count == 1)
        #expect(evidence.first?.first as? String == Fixtures.studyUID)
        let series = try #require(evidence.first?.last as? [[Any]])
        #expect(series.map { $0.first as? String } == ["1.2.826.0.1.3680043.10.1011.1.1", "1.2.826.0.1.3680043.10.1011.1.2"])
        #expect(series.map { ($0.last as? [String]) ?? [] } == [
            ["1.2.826.0.1.3680043.10.1011.1.1.1", "1.2.826.0.1.3680043.10.1011.1.1.2"], ["1.2.826.0.1.3680043.10.1011.1.2.1"]])
        #expect(j["charset"] is NSNull)
    }

    @Test func sameInputGivesSameBytesAndNewModelVersionNewUIDs() throws {
        let src = try Fixtures.source()
        defer { src.dir.remove() }
        let a = try renderSR(Fixtures.study(source: src.study))
        let b = try renderSR(Fixtures.study(source: src.study))
        #expect(a == b)
        let v1 = SRRenderer().uids(for: Fixtures.study(source: src.study))
        let v2 = SRRenderer().uids(for: Fixtures.study(source: src.study, modelVersion: "1.3.0"))
        #expect(v1.srInstance != v2.srInstance && v1.srSeries != v2.srSeries && v1.deviceObserver != v2.deviceObserver)
        #expect([v1.srInstance, v1.srSeries, v1.deviceObserver, v1.pdfInstance, v1.pdfSeries].allSatisfy(UIDs.isValid))
        #expect(Set([v1.srInstance, v1.srSeries, v1.pdfInstance, v1.pdfSeries, v1.secondaryCaptureSeries]).count == 5)
        let c = try renderSR(Fixtures.study(source: src.study, modelVersion: "1.3.0"))
        #expect(c.data != a.data)
    }

    /// Percent units, a free-text label with a backslash and a long one, and a multi-frame
    /// source (no region: the finding has no frame number) still give a valid SR.
    @Test func percentUnitsAndAwkwardLabels() throws {
        var src = try Fixtures.source()
        defer { src.dir.remove() }
        var study = src.study
        study.instances[2].numberOfFrames = 4
        src = Fixtures.Source(dir: src.dir, study: study)
        var options = SRRenderer.Options()
        options.certaintyUnits = .percent
        options.findingSites = ["a\\b": try CodedConcept("51185008", "SCT", "Thorax")]
        let findings = [
            Finding(label: "a\\b", probability: 0.5, urgency: .none),
            Finding(label: String(repeating: "very long label ", count: 6), probability: 0.25, urgency: .urgent,
                    sopInstanceUID: "1.2.826.0.1.3680043.10.1011.1.2.1", peakPixel: [1, 1]),
        ]
        let report = Fixtures.study(source: src.study, findings: findings)
        let file = try #require(try SRRenderer(options: options).render(study: report, batch: Fixtures.batch([report])).first)
        let path = try Fixtures.write(file, in: src.dir)
        #expect(try Fixtures.dciodvfy(path).errors == [])
        let r = try runProcess("dsrdump", ["+Pt", "+Pc", path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect((r.stdout + r.stderr).split(separator: "\n").filter { $0.hasPrefix("E:") } == [])
        #expect(r.stdout.contains("=\"50\" (%,UCUM,\"%\")>"), "\(r.stdout)")
        #expect(r.stdout.contains("(a/b,99SLUICE,\"a/b\")"), "\(r.stdout)")
        #expect(r.stdout.contains("(51185008,SCT,\"Thorax\")"), "\(r.stdout)")
        #expect(!r.stdout.contains("SCOORD"), "multi-frame source must get no region")
        #expect(r.stdout.contains("(103391001,SCT,\"Urgent\")"))
        #expect(!r.stdout.contains("(260870009,SCT,\"Priority\")=(25876001"), "urgency none writes no priority")
    }

    @Test func noFindingsGivesOneClinicalFindingAbsentGroup() throws {
        let src = try Fixtures.source()
        defer { src.dir.remove() }
        let path = try Fixtures.write(try renderSR(Fixtures.study(source: src.study, findings: [])), in: src.dir)
        #expect(try Fixtures.dciodvfy(path).errors == [])
        let r = try runPython(#"""
import sys, highdicom as hd
c = hd.sr.srread(sys.argv[1]).content
print(len(c.get_planar_roi_measurement_groups()), [g.finding_type.value for g in c.get_image_measurement_groups()])
"""#, [path])
        #expect(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "0 ['373572006']", "\(r.stderr)")
    }

    @Test func nonASCIIPatientNameDeclaresUTF8() throws {
        let src = try Fixtures.source(patientName: "MÜLLER^ZOË")
        defer { src.dir.remove() }
        let path = try Fixtures.write(try renderSR(Fixtures.study(source: src.study)), in: src.dir)
        #expect(try Fixtures.dciodvfy(path).errors == [])
        let r = try runPython("import sys, pydicom; d = pydicom.dcmread(sys.argv[1]); print(d.SpecificCharacterSet, str(d.PatientName))", [path])
        #expect(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "ISO_IR 192 MÜLLER^ZOË", "\(r.stderr)")
    }

    @Test func failsWithoutSourceOrTimestampAndSkipsStudiesWithoutModel() throws {
        let src = try Fixtures.source()
        defer { src.dir.remove() }
        #expect(throws: DICOMOutputError(.missingSource, studyKey: "k1", output: "SR")) {
            try SRRenderer().render(study: Fixtures.study(source: nil), batch: Fixtures.batch([]))
        }
        #expect(throws: DICOMOutputError(.invalidTimestamp, studyKey: "k1", output: "SR")) {
            try renderSR(Fixtures.study(source: src.study), generatedAt: "yesterday")
        }
        var noModel = Fixtures.study(source: src.study, findings: [])
        noModel.modelName = nil
        #expect(try SRRenderer().render(study: noModel, batch: Fixtures.batch([noModel])).isEmpty)
        var unknown = Fixtures.study(source: src.study)
        unknown.findings[0].sopInstanceUID = "1.2.3.999"
        #expect(throws: DICOMOutputError(.unknownInstance, studyKey: "k1", output: "SR")) {
            try SRRenderer().render(study: unknown, batch: Fixtures.batch([unknown]))
        }
        // Errors name the study key, never patient data.
        let described = "\(DICOMOutputError(.missingSource, studyKey: "k1", output: "SR"))"
        #expect(!described.contains("DOE") && described.contains("k1"))
    }
}

/// A study the model read only in part, or not at all: findings it made stay, no group says
/// "Clinical finding absent", Completion Flag is PARTIAL and a group without a Finding lists
/// the unread images — checked by dciodvfy, dsrdump and highdicom.
@Suite struct SRNotAnalysedTests {
    static let unread = [Analysis.Unread(file: "b.dcm", sopInstanceUID: "1.2.826.0.1.3680043.10.1011.1.2.1",
                                         reason: "compressed with JPEG 2000 (1.2.840.10008.1.2.4.91), not decoded")]

    @Test(arguments: [(true, 1), (false, 0)])
    func partlyOrNotReadStudiesSayWhatWasNotRead(withFindings: Bool, analysed: Int) throws {
        let src = try Fixtures.source()
        defer { src.dir.remove() }
        let study = Fixtures.study(source: src.study, findings: withFindings ? Fixtures.findings : [],
                                   analysis: Analysis(analysedImages: analysed, unread: Self.unread))
        let file = try #require(try SRRenderer().render(study: study, batch: Fixtures.batch([study])).first)
        let path = try Fixtures.write(file, in: src.dir)
        let v = try Fixtures.dciodvfy(path)
        #expect(v.errors == [], "\(v.output)")
        let r = try runProcess("dsrdump", ["+Pt", "+Pc", "+Pl", path])
        #expect(r.status == 0 && !(r.stdout + r.stderr).split(separator: "\n").contains { $0.hasPrefix("E:") }, "\(r.stderr)")
        #expect(!r.stdout.contains("373572006"), "\(r.stdout)")
        #expect(r.stdout.contains("Completion Flag     : PARTIAL"))
        #expect(r.stdout.contains("<has obs context TEXT:(112039,DCM,\"Tracking Identifier\")=\"not analysed\">"))
        let headline = withFindings ? "Partly analysed, needs a human read: 1 of 2 images not read" : "Not analysed, needs a human read: 1 of 1 image not read"
        #expect(r.stdout.contains("<contains TEXT:(121106,DCM,\"Comment\")=\"\(headline)"), "\(r.stdout)")
        #expect(r.stdout.contains("Not read: 1.2.826.0.1.3680043.10.1011.1.2.1: compressed with JPEG 2000"))
        let hd = try runPython("""
            import sys, highdicom as hd
            sr = hd.sr.srread(sys.argv[1])
            groups = sr.content.get_image_measurement_groups() + sr.content.get_planar_roi_measurement_groups()
            print(sr.CompletionFlag, sorted(g.finding_type.value if g.finding_type else "-" for g in groups))
            """, [path])
        let expected = withFindings ? "PARTIAL ['-', '27925004', '60046008', 'opacity']" : "PARTIAL ['-']"
        #expect(hd.status == 0 && hd.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == expected, "\(hd.stdout) \(hd.stderr)")
    }

    @Test func aFullyReadNegativeStudyStillSaysAbsent() throws {
        let src = try Fixtures.source()
        defer { src.dir.remove() }
        let study = Fixtures.study(source: src.study, findings: [])
        let ds = try SRRenderer().document(study: study, batch: Fixtures.batch([study]))
        let bytes = try DICOMWriter.encode(ds)
        let path = src.dir.file("neg.dcm")
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let r = try runProcess("dsrdump", ["+Pt", "+Pc", path])
        #expect(r.stdout.contains("Completion Flag     : COMPLETE") && r.stdout.contains("373572006"), "\(r.stdout)")
    }
}
