public import Foundation
public import Reports

/// A file of the batch after unpacking.
public struct BatchFile: Sendable, Equatable {
    /// Path relative to the batch root (what reports and the ledger show).
    public let relativePath: String
    public let absolutePath: String
    /// Size and modification time: from the listing for a single file, otherwise from the
    /// validate stage's open (a folder's walk stats nothing); nil for a file it could not open.
    public var size: Int?
    public var modified: Date?
    public let sha256: String
}

public struct UnpackedBatch: Sendable {
    public let root: String
    public let files: [BatchFile]
    /// Ignored entries (dot-files, DICOMDIR …) with the reason, for the ledger.
    public let ignored: [(path: String, reason: String)]
    /// Entries the walk could not take (an unreadable folder, a path past PATH_MAX), with the
    /// reason: the validate stage quarantines them.
    public var refused: [(path: String, reason: String)] = []
    /// sha256 over the sorted content hashes: the same drop under any name has the same one.
    public let fingerprint: String
    /// Files from a zip have extraction-time mtimes: the settle check does not apply to them.
    public let fromArchive: Bool
}

/// The attributes of one DICOM instance that grouping and reporting need.
public struct InstanceInfo: Sendable, Equatable {
    public var file: String
    public var studyInstanceUID: String
    public var seriesInstanceUID: String
    public var sopInstanceUID: String
    public var sopClassUID: String
    public var patientID: String
    public var patientName: String?
    public var issuerOfPatientID: String?
    public var accessionNumber: String
    public var studyDate: String
    public var modality: String
    public var institution: String
    public var seriesNumber: Int?
    public var instanceNumber: Int?
    public var rows: Int?
    public var columns: Int?
    public var frames: Int
    /// Frames the pixel data actually holds (native length or fragment count), when known.
    public var framesInPixelData: Int?
    public var imagePosition: [Double]
    public var imageOrientation: [Double]
    public var modified: Date
    /// Body Part Examined, Study Description, Station Name: what routing rules match on.
    public var bodyPart: String? = nil
    public var studyDescription: String? = nil
    public var stationName: String? = nil
}

/// An HL7 order/ADT message reduced to what links it to studies.
public struct OrderInfo: Sendable, Equatable {
    public var file: String
    public var messageIndex: Int
    public var messageType: String
    public var accessionNumbers: [String]
    public var placerOrderNumber: String?
    public var studyInstanceUID: String?
    public var patientIDs: [String]
    /// PID-3 assigning authorities, parallel to `patientIDs` (nil when not sent).
    public var issuers: [String?] = []
    /// OBR-3/ORC-3 (the filler's number, usually the accession), for the ORU.
    public var fillerOrderNumber: String? = nil
    /// Procedure, priority, providers, ward, cancellation.
    public var context = OrderContext()
    /// Messages without order numbers (ADT, SIU) link to every study of their patient.
    public var isPatientLevel: Bool { accessionNumbers.isEmpty && studyInstanceUID == nil && placerOrderNumber == nil }
}

public struct ValidatedBatch: Sendable {
    public let unpacked: UnpackedBatch
    public var instances: [InstanceInfo]
    public var orders: [OrderInfo]
    public var quarantine: [QuarantineEntry]
    /// Per file: ok / quarantined / ignored, for the ledger.
    public var fileStatus: [String: (kind: String, status: String, reason: String?)]
}

public struct SeriesGroup: Sendable {
    public var seriesInstanceUID: String
    public var instances: [InstanceInfo]
    public var problems: [String]
}

public struct StudyGroup: Sendable {
    public var key: String
    public var studyInstanceUID: String
    public var series: [SeriesGroup]
    public var orders: [(OrderInfo, linkedBy: String)]
    public var problems: [String]
    /// Every instance, series by series (a copy: for the first alone, `firstInstance`).
    public var instances: [InstanceInfo] { series.flatMap(\.instances) }
    public var firstInstance: InstanceInfo { series[0].instances[0] }
    /// The study's modalities, sorted and joined with `/` (a CT with a localizer: `CT/DX`).
    public var modalities: String { Set(series.flatMap { $0.instances.map(\.modality) }).sorted().joined(separator: "/") }

    /// What routing rules see of the study: every value its instances and live orders have.
    public var facts: StudyFacts {
        let instances = self.instances
        func all(_ value: (InstanceInfo) -> String?) -> [String] {
            var seen = Set<String>()
            return instances.compactMap(value).filter { seen.insert($0).inserted }
        }
        var facts = StudyFacts([
            .modality: all(\.modality), .bodyPart: all(\.bodyPart), .description: all(\.studyDescription), .station: all(\.stationName),
        ])
        facts.add(orders: orders.map(\.0.context))
        return facts
    }

    /// The study has a STAT or ASAP order that is not cancelled: it is inferred first.
    public var isPriority: Bool { orders.contains { $0.0.context.isUrgent && !$0.0.context.cancelled } }
}

public struct PatientGroup: Sendable {
    public var patientID: String
    public var issuer: String?
    public var studies: [StudyGroup]
}

public struct GroupedBatch: Sendable {
    public let validated: ValidatedBatch
    public var patients: [PatientGroup]
    public var unmatchedOrders: [OrderInfo]
    /// Studies still receiving files (newer than `settle`): the batch waits for them.
    public var held: [String]
    public var studies: [StudyGroup] { patients.flatMap(\.studies) }
}

public struct InferredBatch: Sendable {
    public let grouped: GroupedBatch
    /// Findings per study key.
    public var findings: [String: [Finding]]
    public var modelName: String?
    public var modelVersion: String?
    /// Per study key: the image its reports show (its top finding's), with the heatmap.
    public var keyImages: [String: KeyImageSource] = [:]
    /// Per study key: which images the model ran on and which it could not read. A study
    /// missing here was not analysed.
    public var analysis: [String: Analysis] = [:]
    /// Per study key: the model that read it (with several `infer:` routes, studies differ).
    public var studyModels: [String: (name: String, version: String)] = [:]
}

/// Which frame a study's key image is and what the model drew on it; the render stage reads
/// the pixels only for formats that show them.
public struct KeyImageSource: Sendable, Equatable {
    public var file: String
    public var frame: Int
    public var sopInstanceUID: String
    public var heatmap: Heatmap?
    public var peak: PixelPoint?
}

public struct OutputFile: Sendable, Equatable {
    public let name: String
    public let path: String
    public let sha256: String
    public let size: Int
    /// The renderer that wrote it; nil for the manifest.
    public let format: RenderFormat?
}

public struct RenderedBatch: Sendable {
    public let outputs: [OutputFile]
    public let report: BatchReport
}
