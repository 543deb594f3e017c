import DICOM
import Foundation
import Reports
import Testing
import TestSupport

/// A stand-in for the PDF renderer built in parallel: one PDF per study.
struct FakePDFRenderer: Renderer {
    let format = RenderFormat.pdf
    func render(study: StudyReport, batch: BatchReport) throws -> [RenderedFile] {
        [RenderedFile(name: ReportPaths.studyFolder(study.studyKey) + "/report.pdf", data: TinyPDF.make())]
    }
}

@Suite struct EncapsulatedPDFTests {
    func render(_ study: StudyReport) throws -> RenderedFile {
        let files = try EncapsulatedPDFRenderer(pdfRenderer: FakePDFRenderer()).render(study: study, batch: Fixtures.batch([study]))
        return try #require(files.first)
    }

    @Test func dciodvfyFindsNoErrors() throws {
        let src = try Fixtures.source()
        defer { src.dir.remove() }
        let file = try render(Fixtures.study(source: src.study))
        #expect(file.name == "studies/k1/report-pdf.dcm")
        let v = try Fixtures.dciodvfy(try Fixtures.write(file, in: src.dir))
        #expect(v.errors == [], "\(v.output)")
        #expect(v.output.contains("EncapsulatedPDF"), "\(v.output)")
    }

    /// dcmtk's dcm2pdf gives back the PDF byte for byte, although its length is odd.
    @Test func dcm2pdfGivesThePDFBack() throws {
        let src = try Fixtures.source()
        defer { src.dir.remove() }
        let pdf = TinyPDF.make()
        #expect(pdf.count % 2 == 1)
        let path = try Fixtures.write(try render(Fixtures.study(source: src.study)), in: src.dir)
        let out = src.dir.file("back.pdf")
        let r = try runProcess("dcm2pdf", [path, out])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: out)) == pdf)
        // The stand-in is a real PDF, so the round trip proves something.
        let check = try runProcess("qpdf", ["--check", out])
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
    }

    @Test func attributesAndSourceInstanceReferenceTheSR() throws {
        let src = try Fixtures.source()
        defer { src.dir.remove() }
        let study = Fixtures.study(source: src.study)
        let path = try Fixtures.write(try render(study), in: src.dir)
        let r = try runPython(#"""
import json, sys, pydicom
d = pydicom.dcmread(sys.argv[1])
c = d.ConceptNameCodeSequence[0]
print(json.dumps({"modality": d.Modality, "mime": d.MIMETypeOfEncapsulatedDocument, "title": d.DocumentTitle,
  "concept": [c.CodeValue, c.CodingSchemeDesignator, c.CodeMeaning], "length": d.EncapsulatedDocumentLength,
  "ob": len(d.EncapsulatedDocument), "conversion": d.ConversionType, "burned": d.BurnedInAnnotation,
  "acq": d.AcquisitionDateTime, "source": [[s.ReferencedSOPClassUID, s.ReferencedSOPInstanceUID] for s in d.SourceInstanceSequence],
  "patient": d.PatientID, "study": d.StudyInstanceUID, "sop": d.SOPClassUID}))
"""#, [path])
        #expect(r.status == 0, "\(r.stderr)")
        let j = try #require(try JSONSerialization.jsonObject(with: r.stdoutData) as? [String: Any], "\(r.stderr)")
        let pdfLength = TinyPDF.make().count
        #expect(j["modality"] as? String == "DOC")
        #expect(j["mime"] as? String == "application/pdf")
        #expect(j["title"] as? String == "AI findings report")
        #expect(j["concept"] as? [String] == ["18748-4", "LN", "Diagnostic Imaging Report"])
        #expect(j["length"] as? Int == pdfLength)
        #expect(j["ob"] as? Int == pdfLength + 1)
        #expect(j["conversion"] as? String == "WSD")
        #expect(j["burned"] as? String == "YES")
        #expect(j["acq"] as? String == "20250110063000+0000")
        #expect(j["patient"] as? String == "MRN12345" && j["study"] as? String == Fixtures.studyUID)
        #expect(j["sop"] as? String == EncapsulatedPDFWriter.sopClassUID)
        let uids = SRRenderer().uids(for: study)
        #expect(j["source"] as? [[String]] == [[SRRenderer.sopClassUID, uids.srInstance]])
    }

    @Test func sameInputSameBytesAndNoPDFNoFile() throws {
        let src = try Fixtures.source()
        defer { src.dir.remove() }
        let study = Fixtures.study(source: src.study)
        #expect(try render(study) == render(study))
        struct NoPDF: Renderer { let format = RenderFormat.pdf }
        #expect(try EncapsulatedPDFRenderer(pdfRenderer: NoPDF()).render(study: study, batch: Fixtures.batch([study])).isEmpty)
        #expect(throws: DICOMOutputError(.emptyDocument, studyKey: "k1", output: "Encapsulated PDF")) {
            try EncapsulatedPDFWriter().render(pdf: Data(), study: study, batch: Fixtures.batch([study]))
        }
    }
}
