/// Why a renderer could not produce a file; safe to log (no values, no patient data).
public struct ReportRenderError: Error, Sendable, CustomStringConvertible {
    public enum Code: Sendable, Equatable, CustomStringConvertible {
        case badImage
        case libraryFailure(code: Int)
        case fontMissing(path: String)
        case fontUnsupported(path: String)
        /// `BatchReport.generatedAt` is not an ISO 8601 timestamp with a zone.
        case invalidTimestamp

        public var description: String {
            switch self {
            case .badImage: "image size or pixel count is invalid"
            case .libraryFailure(let code): "the C library failed (status \(code))"
            case .fontMissing(let path): "font file not found: \(path)"
            case .fontUnsupported(let path): "not a TrueType font (libharu needs glyf outlines): \(path)"
            case .invalidTimestamp: "generatedAt is not an ISO 8601 timestamp"
            }
        }
    }

    public let code: Code
    /// The output being written, e.g. `PNG` or `studies/<key>/report.pdf`.
    public let file: String

    public init(_ code: Code, file: String) { self.code = code; self.file = file }
    public var description: String { "\(file): \(code)" }
}
