public import Archive
public import Delivery
public import DICOM
import Foundation
public import HL7
public import Inference
public import Reports

/// A parsed, checked pipeline file. Paths are absolute (resolved against the file's folder).
public struct PipelineConfig: Sendable {
    public enum LedgerLocation: Sendable, Equatable {
        case sqlite(path: String)
        case postgres(url: String)
    }

    public enum InboxLocation: Sendable {
        case local(path: String)
        /// See PipelineConfig+SFTPInbox.swift.
        case sftp(SFTPInboxSettings)
    }

    public enum OutboxLocation: Sendable {
        case local(path: String, marker: String?)
        case sftp(endpoint: SFTPEndpoint, credentials: SFTPCredentials, conflict: ConflictPolicy, marker: String?)
    }

    /// A file outbox and what it gets: `files: [sr, encapsulated-pdf]` for a PACS import
    /// folder, `files: [hl7]` for the RIS, `files: [csv]` for the EDC.
    public struct FileOutbox: Sendable {
        public var location: OutboxLocation
        /// The formats this outbox gets (with a manifest listing just them); nil: every output.
        public var files: Set<RenderFormat>?
    }

    public struct Validate: Sendable {
        public init() {}
        /// Accepted modalities; empty accepts all.
        public var modalities: [String] = []
        /// Attributes every DICOM instance must have (non-empty), as dictionary keywords.
        public var require: [(keyword: String, tag: Tag)] = []
        /// `validate.hl7`: caps on each HL7 message; a message over one is quarantined.
        public var hl7 = HL7Limits()
    }

    /// One model and the studies it reads: `infer:` is one (every study) or a list, tried in
    /// order, the first whose `match:` fits a study wins; a study no entry matches is reported
    /// as "no model for this study" (not analysed, never negative).
    public struct Infer: Sendable {
        /// The model's .onnx (descriptor beside it) or its descriptor .yaml, absolute.
        public var model: String
        public var thresholds: ThresholdOverrides
        public var heatmaps: Bool
        /// nil: every study (the default entry).
        public var match: StudyMatch? = nil
    }

    public enum Grouping: String, Sendable { case study, series, patient }

    /// `hl7: { embed_pdf: true, receiving_application: RIS }`: how the ORU is addressed and
    /// whether it carries the PDF report (Base64, so about a third larger than the PDF).
    public struct HL7: Sendable, Equatable {
        public var embedPDF = false
        public var sendingFacility: String?
        public var receivingApplication: String?
        public var receivingFacility: String?
        public init() {}
    }

    public var file: String
    public var name: String
    public var ledger: LedgerLocation
    public var inboxes: [InboxLocation]
    public var poll: Duration
    public var settle: Duration
    public var marker: String?
    /// Holds processing/, archive/, error/ and work/; on the inbox's file system so claims are renames.
    public var spool: String
    /// How Sluice creates what it writes in those folders and the ledger: owner-only, or for
    /// one group with `spool_group:` (PipelineConfig+Spool.swift).
    public var spoolPermissions = SpoolPermissions.ownerOnly
    public var validate: Validate
    public var group: Grouping
    /// The model routes, in order; empty: no model.
    public var infer: [Infer] = []
    public var render: [RenderFormat]
    public var outboxes: [FileOutbox]
    /// `critical:` then `urgent:` routes (PipelineConfig+Mail.swift).
    public var alertRoutes: [AlertRoute] = []
    /// `smtp:` outboxes (digests, per-study mails); see PipelineConfig+Mail.swift.
    public var mailOutboxes: [MailOutbox] = []
    public var workers: Int
    public var zipLimits: ZipLimits
    /// `limits:`: what one image's header may make Sluice decode or read (absurd headers are
    /// quarantined naming the attribute).
    public var pixelLimits = PixelLimits()
    /// Starts of a batch's processing that may end without an outcome (the process killed, the
    /// timeout hit, an error) before the batch is moved to error/ and alerted.
    public var batchAttempts: Int = 3
    /// A batch still processing after this long ends the process (logged), so a hang becomes a
    /// counted attempt instead of a stuck pipeline; nil: no limit.
    public var batchTimeout: Duration? = .seconds(2 * 3600)
    /// Failed attempts (one per pass) before a delivery is parked as a dead letter.
    public var deliveryAttempts: Int = 5
    /// `alerts:`: where the people who run Sluice hear of dead letters (once each).
    public var alerts: Alerts?
    public var hl7 = HL7()

    public var processingDirectory: String { spool + "/processing" }
    public var archiveDirectory: String { spool + "/archive" }
    public var errorDirectory: String { spool + "/error" }
    public var workDirectory: String { spool + "/work" }
    /// Sluice's own folders in the spool (mail/ is in PipelineConfig+Mail.swift).
    public var spoolDirectories: [String] { [processingDirectory, archiveDirectory, errorDirectory, workDirectory, mailDirectory] }

    /// The render formats this build can produce (`RenderFormat`, in the pipeline file's words).
    public static var availableFormats: [String] { RenderFormat.allCases.map(\.rawValue) }
}
