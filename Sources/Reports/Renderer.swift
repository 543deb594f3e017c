import Foundation

/// One output file produced by a renderer, relative to the batch output folder.
public struct RenderedFile: Sendable, Equatable {
    public var name: String
    public var data: Data
    public init(name: String, data: Data) {
        self.name = name
        self.data = data
    }
}

/// A report format. Renderers are pure: same report in, same bytes out (golden-testable).
public protocol Renderer: Sendable {
    /// The name used in the pipeline file's `render:` list.
    var format: String { get }
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
