import Foundation
import Reports
import TestSupport
import Testing

/// Checks with qpdf and poppler's pdftotext (independent tools; `make test-deps` installs them).
@Suite struct PDFRendererTests {
    struct Checked { let text: String; let pages: Int }

    func check(_ data: Data) throws -> Checked {
        #expect(haveProgram("qpdf"), "qpdf missing (apt-get install qpdf)")
        #expect(haveProgram("pdftotext"), "pdftotext missing (apt-get install poppler-utils)")
        let dir = try TemporaryDirectory("pdf")
        defer { dir.remove() }
        let path = dir.file("r.pdf")
        try data.write(to: URL(fileURLWithPath: path))
        let q = try runProcess("qpdf", ["--check", path])
        #expect(q.status == 0, "qpdf --check: \(q.stdout) \(q.stderr)")
        let t = try runProcess("pdftotext", ["-layout", "-enc", "UTF-8", path, "-"])
        #expect(t.status == 0, "pdftotext: \(t.stderr)")
        // libharu's own ToUnicode maps are invalid; PDFToUnicodeFix replaces them.
        #expect(!t.stderr.contains("Warning") && !t.stderr.contains("Error"), "pdftotext: \(t.stderr)")
        let n = try runProcess("qpdf", ["--show-npages", path])
        return Checked(text: t.stdout, pages: Int(n.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0)
    }

    @Test func studyReportShowsFindingsDisclaimerAndNames() throws {
        let study = Fixtures.study(keyImage: Fixtures.keyImage())
        let files = try PDFRenderer().render(study: study, batch: Fixtures.batch([study]))
        #expect(files.map(\.name) == ["studies/k1/report.pdf"])
        let pdf = try check(files[0].data)
        for needle in ["Müller^Zoë", "Klinikum Süd", "PID-001", "ACC-001", "2026-03-01", "Nodule", "27925004 (SCT)", "0.930",
                       "Effusion", "0.410", "critical", "CRITICAL", "demo-cxr version 1.2.0", "Key image with heatmap",
                       PDFRenderer.disclaimer] {
            #expect(pdf.text.contains(needle), "missing \(needle)")
        }
        // The key image PNG (80×60 scaled into 512², plus the legend strip) is embedded as RGB.
        let dir = try TemporaryDirectory("pdf")
        defer { dir.remove() }
        try files[0].data.write(to: URL(fileURLWithPath: dir.file("r.pdf")))
        let images = try runProcess("pdfimages", ["-list", dir.file("r.pdf")]).stdout
            .split(separator: "\n").dropFirst(2).map { $0.split(separator: " ").map(String.init) }
        #expect(images.count == 1)
        #expect(images.first.map { Array($0[3...5]) } == ["512", "\(384 + KeyImageRenderer.legendHeight)", "rgb"])
    }

    @Test func cjkNameRendersWithTheFallbackFont() throws {
        let study = Fixtures.study(patientName: "山田^太郎", site: "東京病院")
        let data = try PDFRenderer().render(study: study, batch: Fixtures.batch([study]))[0].data
        let pdf = try check(data)
        #expect(pdf.text.contains("山田^太郎"))
        #expect(pdf.text.contains("東京病院"))
        let fonts = try pdfFonts(data)
        #expect(fonts.contains { $0.contains("DejaVuSans") })
        #expect(fonts.contains { $0.contains("DroidSansFallback") })
        #expect(fonts.allSatisfy { $0.hasSuffix("yes") }, "every font embedded: \(fonts)")
    }

    @Test func deidentifiedReportShowsPseudonymsOnly() throws {
        var options = PDFRenderer.Options()
        options.deidentify = true
        options.pseudonymSalt = "site-secret"
        let renderer = PDFRenderer(options: options)
        let study = Fixtures.study(keyImage: Fixtures.keyImage())
        let text = try check(try renderer.render(study: study, batch: Fixtures.batch([study]))[0].data).text
        let pid = renderer.pseudonym("PID-001", kind: "patient")
        #expect(pid.hasPrefix("ANON-") && pid.count == 17)
        #expect(pid == renderer.pseudonym("PID-001", kind: "patient"))
        #expect(pid != PDFRenderer().pseudonym("PID-001", kind: "patient"), "the salt changes pseudonyms")
        #expect(text.contains(pid))
        #expect(text.contains(renderer.pseudonym("ACC-001", kind: "accession")))
        for secret in ["PID-001", "ACC-001", "Müller", study.studyInstanceUID, "1.2.3.4.5"] {
            #expect(!text.contains(secret), "leaked \(secret)")
        }
        #expect(text.contains("Nodule"))
        let summary = try check(try renderer.render(batch: Fixtures.batch([study]))[0].data).text
        #expect(summary.contains(pid) && summary.contains("Pseud. accession"))
        #expect(!summary.contains("PID-001") && !summary.contains("ACC-001"))
    }

    @Test func studyWithoutKeyImageOmitsTheImageSection() throws {
        let study = Fixtures.study(findings: [], keyImage: nil)
        var noModel = study
        noModel.modelName = nil; noModel.modelVersion = nil; noModel.analysis = .noModel()
        var batch = Fixtures.batch([noModel])
        batch.modelName = nil; batch.modelVersion = nil
        let text = try check(try PDFRenderer().render(study: noModel, batch: batch)[0].data).text
        #expect(!text.contains("Key image"))
        #expect(text.contains("No model ran for this study."))
        #expect(text.contains("Not analysed — needs a human read") && !text.contains("No findings."))
        #expect(text.contains("Algorithm: none"))
        #expect(text.contains(PDFRenderer.disclaimer))
    }

    @Test func sameInputGivesIdenticalBytes() throws {
        let studies = [Fixtures.study(keyImage: Fixtures.keyImage()), Fixtures.study(key: "k2", patientName: "山田^太郎")]
        let batch = Fixtures.batch(studies, quarantine: [QuarantineEntry(file: "x.dcm", stage: "validate", reason: "no Pixel Data")])
        for study in studies {
            let a = try PDFRenderer().render(study: study, batch: batch)[0].data
            let b = try PDFRenderer().render(study: study, batch: batch)[0].data
            #expect(a == b)
        }
        let a = try PDFRenderer().render(batch: batch)[0].data, b = try PDFRenderer().render(batch: batch)[0].data
        #expect(a == b)
        // The creation date is the report's clock, not the wall clock.
        #expect(String(decoding: a, as: UTF8.self).contains("D:20260301123456Z"))
    }

    @Test func summaryPaginatesTwoHundredStudies() throws {
        let urgencies: [Urgency] = [.critical, .urgent, .routine, .none]
        let studies = (0..<200).map { i -> StudyReport in
            let u = urgencies[i % 4]
            let findings = u == .none ? [] : [Finding(label: "Finding\(i)", probability: Double(i % 10) / 10 + 0.05, urgency: u)]
            return Fixtures.study(key: String(format: "s%03d", i), patientID: String(format: "P%04d", i),
                                  accession: String(format: "A%04d", i), findings: findings)
        }
        let quarantine = (0..<30).map { QuarantineEntry(file: "bad\($0).dcm", stage: "validate", reason: "missing Study Instance UID") }
        let batch = Fixtures.batch(studies, quarantine: quarantine)
        let files = try PDFRenderer().render(batch: batch)
        #expect(files.map(\.name) == ["summary.pdf"])
        let pdf = try check(files[0].data)
        #expect(pdf.pages >= 5, "200 rows at 15 pt need several pages, got \(pdf.pages)")
        #expect(pdf.text.contains("Page 1 of \(pdf.pages)"))
        for needle in ["A0000", "A0199", "P0137", "bad29.dcm", "Studies per urgency", "Highest probability per study",
                       "50 studies without findings are not counted.", PDFRenderer.disclaimer] {
            #expect(pdf.text.contains(needle), "missing \(needle)")
        }
        // The header row repeats on continuation pages.
        #expect(pdf.text.components(separatedBy: "Accession").count - 1 >= pdf.pages - 1)
    }

    /// `pdffonts` lines: name … emb(yes/no) — reduced to "name emb".
    func pdfFonts(_ data: Data) throws -> [String] {
        let dir = try TemporaryDirectory("pdf")
        defer { dir.remove() }
        try data.write(to: URL(fileURLWithPath: dir.file("f.pdf")))
        let r = try runProcess("pdffonts", [dir.file("f.pdf")])
        #expect(r.status == 0)
        return r.stdout.split(separator: "\n").dropFirst(2).map { line in
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            return "\(parts.first ?? "") \(parts.count >= 5 ? parts[parts.count - 5] : "")"
        }
    }
}
