import Foundation
import Reports
import TestSupport
import Testing

@Suite struct PDFRobustnessTests {
    @Test func missingFontIsAStructuredError() throws {
        var options = PDFRenderer.Options()
        options.fonts.regular = "/nonexistent/DejaVuSans.ttf"
        let study = Fixtures.study()
        do {
            _ = try PDFRenderer(options: options).render(study: study, batch: Fixtures.batch([study]))
            Issue.record("expected an error")
        } catch let error as ReportRenderError {
            #expect(error.code == .fontMissing(path: "/nonexistent/DejaVuSans.ttf"))
            #expect(error.description.hasPrefix("studies/k1/report.pdf: font file not found"))
            #expect(!error.description.contains("PID-001"))
        }
    }

    @Test func aFontFileThatIsNotTrueTypeFailsCleanly() throws {
        let dir = try TemporaryDirectory("font")
        defer { dir.remove() }
        try Data("not a font".utf8).write(to: URL(fileURLWithPath: dir.file("bad.ttf")))
        var options = PDFRenderer.Options()
        options.fonts.bold = dir.file("bad.ttf")
        #expect(throws: ReportRenderError.self) { try PDFRenderer(options: options).render(batch: Fixtures.batch([])) }
    }

    @Test func oddTextStillGivesAValidPDF() throws {
        let long = String(repeating: "Very long institution name ", count: 20)
        let study = Fixtures.study(patientName: "Zoë\u{0}\u{7}\r\n😀 Ωμέγα Ж", site: long,
                                   findings: [Finding(label: String(repeating: "x", count: 400), probability: .nan, urgency: .urgent)])
        let batch = Fixtures.batch([study], quarantine: [QuarantineEntry(file: "a\tb.dcm", stage: "", reason: long)])
        for data in [try PDFRenderer().render(study: study, batch: batch)[0].data, try PDFRenderer().render(batch: batch)[0].data] {
            let dir = try TemporaryDirectory("pdf")
            defer { dir.remove() }
            try data.write(to: URL(fileURLWithPath: dir.file("r.pdf")))
            let q = try runProcess("qpdf", ["--check", dir.file("r.pdf")])
            #expect(q.status == 0, "qpdf --check: \(q.stdout)")
            let t = try runProcess("pdftotext", ["-enc", "UTF-8", dir.file("r.pdf"), "-"])
            #expect(t.stdout.contains("Very long institution name"))
            #expect(t.stdout.contains("…"), "overlong cells are cut with an ellipsis")
        }
    }

    @Test func emptyBatchSummary() throws {
        let data = try PDFRenderer().render(batch: Fixtures.batch([]))[0].data
        let dir = try TemporaryDirectory("pdf")
        defer { dir.remove() }
        try data.write(to: URL(fileURLWithPath: dir.file("s.pdf")))
        #expect(try runProcess("qpdf", ["--check", dir.file("s.pdf")]).status == 0)
        let text = try runProcess("pdftotext", ["-enc", "UTF-8", dir.file("s.pdf"), "-"]).stdout
        #expect(text.contains("No studies.") && text.contains("No files were quarantined."))
    }

    @Test func probeWithAnEmptyBatchWorks() throws {
        // RenderStage asks each renderer for its file names with an empty batch and no clock.
        let probe = BatchReport(pipeline: "", batchID: "", run: 1, supersedes: nil, sourceName: "", generatedAt: "",
                                toolVersion: "", modelName: nil, modelVersion: nil, studies: [], quarantine: [],
                                unmatchedOrders: [], fileCount: 0)
        let study = Fixtures.study(keyImage: Fixtures.keyImage())
        #expect(try PDFRenderer().render(study: study, batch: probe).map(\.name) == ["studies/k1/report.pdf"])
        #expect(try KeyImageRenderer().render(study: study, batch: probe).map(\.name) == ["studies/k1/key-image.png"])
    }
}
