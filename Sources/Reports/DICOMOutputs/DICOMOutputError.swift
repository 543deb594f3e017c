/// Why a DICOM output could not be made. Names the study key (a hash) and the rule, never
/// patient data or other values.
public struct DICOMOutputError: Error, Sendable, CustomStringConvertible, Equatable {
    public enum Code: Sendable, Equatable {
        /// `StudyReport.source` was not filled in by the engine.
        case missingSource
        /// `BatchReport.generatedAt` is not an ISO 8601 UTC timestamp.
        case invalidTimestamp
        /// A finding names a SOP Instance UID that is not among the study's instances.
        case unknownInstance
        case emptyDocument
        case pixelCountMismatch(expected: Int, actual: Int)
        case badImageSize
        case unreadableSource(String)
    }
    public let code: Code
    public let studyKey: String
    public let output: String

    public init(_ code: Code, studyKey: String, output: String) {
        self.code = code
        self.studyKey = studyKey
        self.output = output
    }

    public var description: String {
        let what: String
        switch code {
        case .missingSource: what = "no source study attributes (StudyReport.source)"
        case .invalidTimestamp: what = "generatedAt is not an ISO 8601 timestamp"
        case .unknownInstance: what = "a finding references an instance not in the study"
        case .emptyDocument: what = "empty encapsulated document"
        case .pixelCountMismatch(let e, let a): what = "expected \(e) RGB bytes, got \(a)"
        case .badImageSize: what = "image size out of range"
        case .unreadableSource(let why): what = "source instance unreadable: \(why)"
        }
        return "\(output) for study \(studyKey): \(what)"
    }
}
