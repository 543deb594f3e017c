import Checksum
import Foundation

/// `studies/<key>/report.pdf` per study and `summary.pdf` per batch, via libharu with the
/// DejaVu fonts embedded. Deterministic: dates come from the report's `generatedAt`.
public struct PDFRenderer: Renderer {
    public let format = RenderFormat.pdf
    public var options: Options

    public struct Options: Sendable, Equatable {
        /// Show pseudonyms (a salted hash) instead of patient ID and accession, and no name or UIDs.
        public var deidentify = false
        /// Mixed into the pseudonyms, so they cannot be looked up from a list of likely IDs.
        public var pseudonymSalt = ""
        public var fonts = PDFFonts()
        /// How the key image inside the PDF is drawn (its PNG is embedded).
        public var keyImage = KeyImageRenderer.Options()
        public init() {}
    }

    public init(options: Options = Options()) { self.options = options }

    public static let disclaimer = "AI result — not for diagnostic use unless validated at your site"
    public static let studyFileName = "report.pdf"
    public static let summaryFileName = "summary.pdf"

    /// A stable pseudonym for an identifier: the same value (and salt) always gives the same one.
    public func pseudonym(_ value: String, kind: String) -> String {
        "ANON-" + SHA256.hex(options.pseudonymSalt + "\u{1F}" + kind + "\u{1F}" + value).prefix(12).uppercased()
    }

    func patientID(_ s: StudyReport) -> String { options.deidentify ? pseudonym(s.patientID, kind: "patient") : s.patientID }
    func accession(_ s: StudyReport) -> String { options.deidentify ? pseudonym(s.accessionNumber, kind: "accession") : s.accessionNumber }

    static func displayDate(_ da: String) -> String {
        let c = Array(da)
        guard c.count == 8, c.allSatisfy(\.isASCII), c.allSatisfy(\.isNumber) else { return da }
        return "\(String(c[0..<4]))-\(String(c[4..<6]))-\(String(c[6..<8]))"
    }

    static func probability(_ p: Double) -> String { String(format: "%.3f", p) }

    func document(_ name: String, title: String, batch: BatchReport) throws -> PDFDocument {
        try PDFDocument(fonts: options.fonts, outputName: name, title: title, generatedAt: batch.generatedAt,
                        producer: "Sluice \(batch.toolVersion)")
    }

    func header(_ doc: PDFDocument, title: String, batch: BatchReport) {
        doc.line(title, size: 17, style: .bold, leading: 20)
        var sub = "\(batch.pipeline) · batch \(batch.batchID) run \(batch.run)"
        if !batch.generatedAt.isEmpty { sub += " · generated \(batch.generatedAt)" }
        doc.line(sub, size: 8.5, leading: 14)
        doc.y -= 6
    }

    func heading(_ doc: PDFDocument, _ title: String) {
        doc.ensure(18 + 2 * PDFDocument.rowHeight)
        doc.line(title, size: 12, style: .bold, leading: 18)
        doc.y -= 4
    }

    func algorithm(model: String?, version: String?) -> String {
        guard let model else { return "Algorithm: none (no model ran)" }
        return "Algorithm: \(model)" + (version.map { " version \($0)" } ?? "")
    }

    // MARK: per study

    public func studyFileNames(_ study: StudyReport, batch: BatchReport) -> [String] {
        [ReportPaths.studyFolder(study.studyKey) + "/" + Self.studyFileName]
    }

    public func render(study: StudyReport, batch: BatchReport) throws -> [RenderedFile] {
        let name = ReportPaths.studyFolder(study.studyKey) + "/" + Self.studyFileName
        return [RenderedFile(name: name, data: try studyPDF(study, batch: batch, name: name))]
    }

    func studyPDF(_ s: StudyReport, batch: BatchReport, name: String) throws -> Data {
        let doc = try document(name, title: "AI triage report", batch: batch)
        header(doc, title: "AI triage report", batch: batch)
        var fields: [(String, String)] = [("Site", s.site)]
        if options.deidentify {
            fields += [("Pseudonymous patient ID", patientID(s)), ("Pseudonymous accession", accession(s))]
        } else {
            if let n = s.patientName, !n.isEmpty { fields.append(("Patient name", n)) }
            fields += [("Patient ID", s.patientID + (s.issuerOfPatientID.map { " (\($0))" } ?? "")),
                       ("Accession", s.accessionNumber)]
        }
        fields += [("Study date", Self.displayDate(s.studyDate)), ("Modality", s.modality)]
        if !options.deidentify { fields.append(("Study Instance UID", s.studyInstanceUID)) }
        fields.append(("Study key", s.studyKey))
        for (label, value) in fields {
            doc.ensure(14)
            doc.y -= 14
            doc.text(label, x: PDFDocument.margin, y: doc.y, size: 9.5, style: .bold)
            doc.text(doc.fit(value, maxWidth: doc.contentWidth - 150, size: 9.5), x: PDFDocument.margin + 150, y: doc.y, size: 9.5)
        }

        doc.y -= 12
        doc.ensure(26)
        doc.y -= 22
        doc.fillRect(x: PDFDocument.margin, y: doc.y, width: doc.contentWidth, height: 20, color: s.urgency.fill)
        doc.text("Study urgency: \(s.urgency.rawValue.uppercased())", x: PDFDocument.margin + 6, y: doc.y + 6, size: 11, style: .bold)

        doc.y -= 10
        heading(doc, "Findings")
        if s.findings.isEmpty {
            let text = switch s.analysis.status {
            case .complete: "No findings."
            case .partial: "No findings in the images the model read; it could not read the others (below)."
            case .notAnalysed: s.modelName == nil ? "No model ran for this study." : "No result: the model did not read this study's images."
            }
            doc.line(text, size: 9.5)
        } else {
            let sorted = s.findings.sorted { $0.probability > $1.probability }
            doc.table(
                [.init(title: "Finding", share: 4), .init(title: "Code", share: 3),
                 .init(title: "Probability", share: 1.6, alignRight: true), .init(title: "Urgency", share: 1.6)],
                rows: sorted.map { f in
                    [f.label, f.code.map { "\($0) (\(f.codingScheme ?? "?"))" } ?? "",
                     Self.probability(f.probability), f.urgency.rawValue]
                },
                fills: sorted.map { $0.urgency.fill })
        }

        if s.analysis.status != .complete { notAnalysed(doc, s.analysis) }

        if let key = s.keyImage {
            let renderer = KeyImageRenderer(options: options.keyImage)
            let png = try renderer.png(key)
            let size = renderer.scaledSize(of: key)
            let legend = key.heatmap == nil ? 0 : KeyImageRenderer.legendHeight
            let (pw, ph) = (Float(size.width), Float(size.height + legend))
            let scale = min(doc.contentWidth / pw, 330 / ph)
            doc.y -= 10
            doc.ensure(ph * scale + 44)  // heading and picture stay on one page
            heading(doc, "Key image" + (key.heatmap == nil ? "" : " with heatmap"))
            doc.ensure(ph * scale + 16)
            doc.y -= ph * scale + 4
            try doc.png(png, x: PDFDocument.margin, y: doc.y, width: pw * scale, height: ph * scale)
            if !options.deidentify { doc.line("Source image: SOP Instance UID \(key.sopInstanceUID)", size: 8) }
        }

        doc.y -= 10
        doc.line(algorithm(model: s.modelName ?? batch.modelName, version: s.modelVersion ?? batch.modelVersion), size: 9.5)
        doc.line(Self.disclaimer, size: 10, style: .bold)
        return try doc.finish(footer: Self.disclaimer)
    }

    /// The "needs a human read" section: why the model did not read (all or part of) a study.
    func notAnalysed(_ doc: PDFDocument, _ a: Analysis) {
        doc.y -= 10
        heading(doc, "Not analysed — needs a human read")
        doc.line(doc.fit(a.status == .partial ? "Partly analysed: \(a.summary)" : "Not analysed: \(a.summary)",
                         maxWidth: doc.contentWidth, size: 9.5), size: 9.5)
        guard !a.unread.isEmpty else { return }
        let shown = a.unread.prefix(Self.unreadRows)
        doc.table([.init(title: "File", share: 4), .init(title: "Frame", share: 1, alignRight: true), .init(title: "Why not read", share: 5)],
                  rows: shown.map { [$0.file, $0.frame.map { String($0 + 1) } ?? "", $0.reason] },
                  fills: shown.map { _ in Urgency.notAnalysed.fill })
        if a.unread.count > shown.count { doc.line("… and \(a.unread.count - shown.count) more images not read.", size: 8.5) }
    }

    /// Rows of unread images a study PDF lists (result.json lists them all).
    static let unreadRows = 40

    // MARK: per batch

    public func render(batch: BatchReport) throws -> [RenderedFile] {
        [RenderedFile(name: Self.summaryFileName, data: try summaryPDF(batch))]
    }

    func summaryPDF(_ batch: BatchReport) throws -> Data {
        let doc = try document(Self.summaryFileName, title: "Batch summary", batch: batch)
        header(doc, title: "Batch summary", batch: batch)
        doc.line("Source: \(batch.sourceName)", size: 9.5)
        doc.line("Files: \(batch.fileCount) · studies: \(batch.studies.count) · quarantined: \(batch.quarantine.count)", size: 9.5)
        doc.line(algorithm(model: batch.modelName, version: batch.modelVersion) + " · Sluice \(batch.toolVersion)", size: 9.5)
        if let s = batch.supersedes { doc.line("Supersedes: \(s)", size: 9.5) }

        // Counts per urgency, most urgent first.
        doc.y -= 10
        heading(doc, "Studies per urgency")
        let counts = batch.countsByUrgency
        let tiers = Urgency.allCases.reversed()
        let boxW = (doc.contentWidth - Float(tiers.count - 1) * 8) / Float(tiers.count)
        doc.ensure(44)
        doc.y -= 40
        for (i, u) in tiers.enumerated() {
            let x = PDFDocument.margin + Float(i) * (boxW + 8)
            doc.fillRect(x: x, y: doc.y, width: boxW, height: 38, color: u.fill)
            doc.text("\(counts[u] ?? 0)", x: x + 8, y: doc.y + 18, size: 15, style: .bold)
            doc.text(u.rawValue, x: x + 8, y: doc.y + 6, size: 9)
        }

        histogram(doc, batch: batch)

        doc.y -= 10
        heading(doc, "Studies")
        if batch.studies.isEmpty { doc.line("No studies.", size: 9.5) }
        else {
            let studies = batch.studies.sorted { ($0.urgency, $0.maxProbability ?? -1) > ($1.urgency, $1.maxProbability ?? -1) }
            doc.table(
                [.init(title: options.deidentify ? "Pseud. accession" : "Accession", share: 2.9),
                 .init(title: options.deidentify ? "Pseud. patient ID" : "Patient ID", share: 2.9),
                 .init(title: "Date", share: 1.6), .init(title: "Modality", share: 1.4),
                 .init(title: "Findings", share: 2.1), .init(title: "Max p", share: 1, alignRight: true),
                 .init(title: "Urgency", share: 1.3)],
                rows: studies.map { s in
                    [accession(s), patientID(s), Self.displayDate(s.studyDate), s.modality,
                     s.findings.sorted { $0.probability > $1.probability }.map(\.label).joined(separator: ", "),
                     s.maxProbability.map(Self.probability) ?? "", s.urgency.rawValue]
                },
                fills: studies.map { $0.urgency.fill })
        }

        let unread = batch.studies.filter { $0.analysis.status != .complete }
        doc.y -= 10
        heading(doc, "Not analysed — needs a human read")
        if unread.isEmpty { doc.line("The model read every image of every study.", size: 9.5) }
        else {
            doc.table(
                [.init(title: options.deidentify ? "Pseud. accession" : "Accession", share: 2.9),
                 .init(title: "Modality", share: 1.4), .init(title: "Analysis", share: 1.8), .init(title: "Why", share: 6)],
                rows: unread.map { s in [accession(s), s.modality, s.analysis.status.rawValue, s.analysis.summary] },
                fills: unread.map { _ in Urgency.notAnalysed.fill })
        }

        doc.y -= 10
        heading(doc, "Quarantine")
        if batch.quarantine.isEmpty { doc.line("No files were quarantined.", size: 9.5) }
        else {
            doc.table([.init(title: "File", share: 3), .init(title: "Stage", share: 1.2), .init(title: "Reason", share: 5)],
                      rows: batch.quarantine.map { [$0.file, $0.stage, $0.reason] })
        }
        doc.y -= 10
        doc.line(Self.disclaimer, size: 10, style: .bold)
        return try doc.finish(footer: Self.disclaimer)
    }

    /// Ten bins of each study's highest probability, drawn as filled paths.
    func histogram(_ doc: PDFDocument, batch: BatchReport) {
        let values = batch.studies.compactMap(\.maxProbability)
        var bins = [Int](repeating: 0, count: 10)
        for v in values where v.isFinite { bins[min(9, max(0, Int(v * 10)))] += 1 }
        doc.y -= 10
        heading(doc, "Highest probability per study")
        let without = batch.studies.count - values.count
        if without > 0 { doc.line("\(without) studies without findings are not counted.", size: 8.5) }
        let plotH: Float = 110, plotW = doc.contentWidth - 30
        doc.ensure(plotH + 30)
        doc.y -= plotH + 8
        let x0 = PDFDocument.margin + 24, y0 = doc.y
        let top = max(bins.max() ?? 0, 1)
        let barW = plotW / 10
        for (i, n) in bins.enumerated() where n > 0 {
            let h = plotH * Float(n) / Float(top)
            doc.fillRect(x: x0 + Float(i) * barW + 2, y: y0, width: barW - 4, height: h, color: (0.35, 0.45, 0.7))
            let label = "\(n)"
            doc.text(label, x: x0 + Float(i) * barW + (barW - doc.width(label, size: 8)) / 2, y: y0 + h + 3, size: 8)
        }
        doc.strokeLine(from: (x0, y0), to: (x0 + plotW, y0), width: 0.8)
        doc.strokeLine(from: (x0, y0), to: (x0, y0 + plotH), width: 0.8)
        doc.text("\(top)", x: x0 - 4 - doc.width("\(top)", size: 8), y: y0 + plotH - 4, size: 8)
        doc.text("0", x: x0 - 4 - doc.width("0", size: 8), y: y0 - 2, size: 8)
        for t in 0...10 {
            let label = t == 10 ? "1" : (t == 0 ? "0" : String(format: "0.%d", t))
            let x = x0 + Float(t) * barW
            doc.strokeLine(from: (x, y0), to: (x, y0 - 3), width: 0.5)
            doc.text(label, x: x - doc.width(label, size: 7.5) / 2, y: y0 - 12, size: 7.5)
        }
        doc.y -= 16
    }
}
