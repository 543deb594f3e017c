public import Foundation

/// `ground-truth.json`: what a correct pipeline run over the samples must find. Public and
/// Codable so pipeline and inference tests (and the demo model's training script) read it.
/// Paths are relative to the batch (for the zip: the entry name). Keys are snake_case.
public struct GroundTruth: Codable, Sendable, Equatable {
    public var generator: Generator
    public var batches: [Batch]
    public var studies: [Study]
    public var badFiles: [BadFile]
    public var ignoredFiles: [IgnoredFile]
    public var orders: [Order]

    public struct Generator: Codable, Sendable, Equatable {
        public var tool: String
        public var version: String
        public var seed: UInt64
        public var profile: String
    }

    public struct Batch: Codable, Sendable, Equatable {
        public var name: String
        public var site: String
        public var kind: String  // "folder" or "zip"
        public var institution: String
        public var studies: Int
        public var dicomFiles: Int
    }

    public struct Study: Codable, Sendable, Equatable {
        public var batch: String
        public var site: String
        public var path: String
        public var studyInstanceUID: String
        public var seriesInstanceUID: String
        public var accessionNumber: String
        public var patientID: String
        public var modality: String
        public var transferSyntax: String
        public var photometricInterpretation: String
        public var rows: Int
        public var columns: Int
        public var pixelSpacingMM: Double
        public var instances: Int
        public var files: [String]
        public var hasFinding: Bool
        public var nodules: [Nodule]
        public var completeness: [CompletenessProblem]
    }

    /// A nodule's centre on a whole pixel; for CT/MR also the slice that holds its centre.
    public struct Nodule: Codable, Sendable, Equatable {
        public var x: Int
        public var y: Int
        public var sliceIndex: Int?
        public var instanceNumber: Int?
        public var sopInstanceUID: String
        public var radiusPx: Double
        public var radiusMM: Double
        public var diameterMM: Double
        /// Patient coordinates (mm) of the centre, for CT/MR.
        public var centerMM: [Double]?
    }

    public struct CompletenessProblem: Codable, Sendable, Equatable {
        public var kind: String  // "missing-slice"
        public var missingInstanceNumber: Int
        public var missingSlicePositionMM: Double
        public var detail: String
    }

    public struct BadFile: Codable, Sendable, Equatable {
        public var batch: String
        public var path: String
        /// "not-dicom", "truncated", "missing-attribute".
        public var reason: String
        public var missingAttribute: String?
        public var detail: String
    }

    public struct IgnoredFile: Codable, Sendable, Equatable {
        public var batch: String
        public var path: String
        public var reason: String
    }

    public struct Order: Codable, Sendable, Equatable {
        public var batch: String
        public var file: String
        public var messageType: String
        public var messageControlID: String
        public var accessionNumber: String
        public var patientID: String
        public var studyInstanceUID: String?
        public var hasImages: Bool
    }

    /// Stable bytes: sorted keys, fixed indentation, newline at the end.
    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        var data = try encoder.encode(self)
        data.append(0x0A)
        return data
    }

    public static func decode(_ data: Data) throws -> GroundTruth {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .custom { path in SnakeKey(camel: path.last!.stringValue) }
        return try decoder.decode(GroundTruth.self, from: data)
    }

    public static func load(path: String) throws -> GroundTruth {
        try decode(try Data(contentsOf: URL(fileURLWithPath: path)))
    }
}

/// snake_case → the property names above; `id`, `uid` and `mm` come back upper-case
/// (`patient_id` → `patientID`), which Foundation's `.convertFromSnakeCase` cannot do.
private struct SnakeKey: CodingKey {
    static let acronyms: Set<Substring> = ["id", "uid", "mm"]
    var stringValue: String
    var intValue: Int? { nil }

    init(camel snake: String) {
        let parts = snake.split(separator: "_")
        var out = String(parts.first ?? "")
        for part in parts.dropFirst() {
            out += Self.acronyms.contains(part) ? part.uppercased() : part.prefix(1).uppercased() + part.dropFirst()
        }
        stringValue = out
    }

    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}
