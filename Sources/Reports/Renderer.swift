public import Foundation

/// One output file produced by a renderer, relative to the batch output folder.
public struct RenderedFile: Sendable, Equatable {
    public var name: String
    public var data: Data
    public init(name: String, data: Data) {
        self.name = name
        self.data = data
    }
}

/// The output formats, by the names the pipeline file's `render:` list uses: one vocabulary
/// for the config, the renderers and the mail attachments.
public enum RenderFormat: String, Sendable, CaseIterable, Codable {
    case json, csv, pdf, sr, encapsulatedPDF = "encapsulated-pdf", png, secondaryCapture = "secondary-capture", hl7, fhir

    /// Writes DICOM that copies the source's Patient/Study attributes and references.
    public var writesDICOM: Bool { self == .sr || self == .encapsulatedPDF || self == .secondaryCapture }
    /// Shows a model's findings, and so writes nothing for a study no model ran on.
    public var showsFindings: Bool { [.sr, .png, .secondaryCapture, .hl7, .fhir].contains(self) }
    /// Draws the study's key image (the PDF and what embeds the PDF or the picture).
    public var drawsKeyImage: Bool { [.pdf, .png, .encapsulatedPDF, .secondaryCapture].contains(self) }
}

/// A report format. Renderers are pure: same report in, same bytes out (golden-testable).
public protocol Renderer: Sendable {
    var format: RenderFormat { get }
    /// Files for one study, named under `studies/<studyKey>/`.
    func render(study: StudyReport, batch: BatchReport) throws -> [RenderedFile]
    /// Files for the whole batch (summaries), at the batch folder's top.
    func render(batch: BatchReport) throws -> [RenderedFile]
    /// The names `render(study:batch:)` will write, without rendering: the study's report
    /// lists them (and CSV/JSON show them) before the expensive formats are drawn.
    func studyFileNames(_ study: StudyReport, batch: BatchReport) -> [String]
}

extension Renderer {
    public func render(study: StudyReport, batch: BatchReport) throws -> [RenderedFile] { [] }
    public func render(batch: BatchReport) throws -> [RenderedFile] { [] }
    /// Cheap renderers may simply render; expensive ones override this.
    public func studyFileNames(_ study: StudyReport, batch: BatchReport) -> [String] {
        ((try? render(study: study, batch: batch)) ?? []).map(\.name)
    }
}

public enum ReportPaths {
    public static func studyFolder(_ studyKey: String) -> String { "studies/\(studyKey)" }
}
