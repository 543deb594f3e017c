import Foundation

/// Triage tier of a finding or a study (the highest of its findings). `notAnalysed` is a
/// study's tier only, never a finding's: the model did not read the study (or read only part
/// of it and found nothing there), so it needs a human read and must not pass for `none`.
public enum Urgency: String, Sendable, Codable, Comparable, CaseIterable {
    case none, notAnalysed = "not-analysed", routine, urgent, critical

    private var rank: Int { Self.allCases.firstIndex(of: self)! }
    public static func < (a: Urgency, b: Urgency) -> Bool { a.rank < b.rank }
}

/// One model finding in one study.
public struct Finding: Sendable, Codable, Equatable {
    public var label: String
    public var code: String?
    public var codingScheme: String?
    public var probability: Double
    public var urgency: Urgency
    public var sopInstanceUID: String?
    /// Heatmap peak in pixel coordinates (column, row) of the source image.
    public var peakPixel: [Double]?
    /// Heatmap peak in patient coordinates (mm), when the geometry is known.
    public var peakPatient: [Double]?

    public init(label: String, code: String? = nil, codingScheme: String? = nil, probability: Double,
                urgency: Urgency, sopInstanceUID: String? = nil, peakPixel: [Double]? = nil, peakPatient: [Double]? = nil) {
        self.label = label; self.code = code; self.codingScheme = codingScheme; self.probability = probability
        self.urgency = urgency; self.sopInstanceUID = sopInstanceUID; self.peakPixel = peakPixel; self.peakPatient = peakPatient
    }
}

public struct SeriesSummary: Sendable, Codable, Equatable {
    public var seriesInstanceUID: String
    public var seriesNumber: Int?
    public var modality: String
    public var instances: Int
    public var frames: Int
    public var problems: [String]

    public init(seriesInstanceUID: String, seriesNumber: Int?, modality: String, instances: Int, frames: Int, problems: [String]) {
        self.seriesInstanceUID = seriesInstanceUID; self.seriesNumber = seriesNumber; self.modality = modality
        self.instances = instances; self.frames = frames; self.problems = problems
    }
}

/// An HL7 order linked to a study (or not linked, in the batch's unmatched list).
public struct OrderSummary: Sendable, Codable, Equatable {
    public var file: String
    public var messageIndex: Int
    public var messageType: String
    public var accessionNumber: String?
    public var placerOrderNumber: String?
    /// OBR-3/ORC-3 as sent; the ORU names the order by it.
    public var fillerOrderNumber: String?
    public var studyInstanceUID: String?
    public var linkedBy: String?
    /// The procedure, priority, providers and ward the order names.
    public var context: OrderContext

    public init(file: String, messageIndex: Int, messageType: String, accessionNumber: String?,
                placerOrderNumber: String?, studyInstanceUID: String?, linkedBy: String?, fillerOrderNumber: String? = nil,
                context: OrderContext = .init()) {
        self.file = file; self.messageIndex = messageIndex; self.messageType = messageType
        self.accessionNumber = accessionNumber; self.placerOrderNumber = placerOrderNumber
        self.fillerOrderNumber = fillerOrderNumber
        self.studyInstanceUID = studyInstanceUID; self.linkedBy = linkedBy; self.context = context
    }
}

extension OrderSummary {
    /// Reports stored before orders carried context (a mail run in the ledger) still decode.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            file: try c.decode(String.self, forKey: .file), messageIndex: try c.decode(Int.self, forKey: .messageIndex),
            messageType: try c.decode(String.self, forKey: .messageType),
            accessionNumber: try c.decodeIfPresent(String.self, forKey: .accessionNumber),
            placerOrderNumber: try c.decodeIfPresent(String.self, forKey: .placerOrderNumber),
            studyInstanceUID: try c.decodeIfPresent(String.self, forKey: .studyInstanceUID),
            linkedBy: try c.decodeIfPresent(String.self, forKey: .linkedBy),
            fillerOrderNumber: try c.decodeIfPresent(String.self, forKey: .fillerOrderNumber),
            context: try c.decodeIfPresent(OrderContext.self, forKey: .context) ?? .init())
    }
}

/// An order's clinical context as the reports carry it (from HL7: OBR-4, TQ1-9/ORC-7/OBR-27/
/// OBR-5, ORC-12/OBR-16, PV1-8, PV1-3).
public struct OrderContext: Sendable, Codable, Equatable {
    public struct Coded: Sendable, Codable, Equatable {
        public var code: String?
        public var meaning: String?
        public var scheme: String?
        public init(code: String?, meaning: String? = nil, scheme: String? = nil) {
            self.code = code; self.meaning = meaning; self.scheme = scheme
        }
    }

    public struct Person: Sendable, Codable, Equatable {
        public var id: String?
        public var family: String?
        public var given: String?
        public var prefix: String?
        public init(id: String?, family: String? = nil, given: String? = nil, prefix: String? = nil) {
            self.id = id; self.family = family; self.given = given; self.prefix = prefix
        }
        /// `Dr Ada Lovelace (1234)`, or whichever parts were sent.
        public var display: String {
            let name = [prefix, given, family].compactMap { $0 }.joined(separator: " ")
            switch (name.isEmpty, id) {
            case (true, let id?): return id
            case (false, let id?): return "\(name) (\(id))"
            default: return name
            }
        }
    }

    public var procedure: Coded?
    /// HL7 table 0027 as sent: `S`, `A`, `R`, `P`, `C`, `T`.
    public var priority: String?
    public var orderingProvider: Person?
    public var referringProvider: Person?
    public var ward: String?
    /// The order was cancelled or discontinued (ORC-1 CA/DC/OC/OD, SIU S15/S17).
    public var cancelled: Bool

    public init(procedure: Coded? = nil, priority: String? = nil, orderingProvider: Person? = nil,
                referringProvider: Person? = nil, ward: String? = nil, cancelled: Bool = false) {
        self.procedure = procedure; self.priority = priority; self.orderingProvider = orderingProvider
        self.referringProvider = referringProvider; self.ward = ward; self.cancelled = cancelled
    }

    /// Table 0027's name for the priority code (`STAT` for `S`), or the code as sent.
    public var priorityName: String? {
        priority.map { Self.priorityNames[$0.uppercased()] ?? $0 }
    }
    public static let priorityNames = ["S": "STAT", "A": "ASAP", "R": "Routine", "P": "Pre-op", "C": "Callback", "T": "Timing critical"]

    /// STAT or ASAP: inferred and alerted first.
    public var isUrgent: Bool { ["S", "A"].contains(priority?.uppercased() ?? "") }
}

/// Everything the renderers know about one study.
public struct StudyReport: Sendable, Codable, Equatable {
    /// Path-safe key (hash of the Study Instance UID); output folders use it, never patient data.
    public var studyKey: String
    public var site: String
    public var patientID: String
    public var issuerOfPatientID: String?
    public var accessionNumber: String
    public var studyInstanceUID: String
    public var studyDate: String
    public var modality: String
    public var series: [SeriesSummary]
    public var instances: Int
    public var files: [String]
    public var problems: [String]
    public var orders: [OrderSummary]
    public var findings: [Finding]
    public var modelName: String?
    public var modelVersion: String?
    /// File names of this study's reports, relative to the batch output folder.
    public var reportFiles: [String]
    /// Source attributes the DICOM outputs copy (patient, study, referenced instances). The
    /// engine fills it from the validated instances; renderers that need it fail without it.
    public var source: SourceStudy? = nil
    /// Patient's Name (0010,0010) as decoded; shown in the PDF unless de-identified.
    public var patientName: String?
    /// What the PNG and the PDF show; nil until a model picks an image (then they omit it).
    public var keyImage: KeyImage?
    /// Which images the model read; every output reports an unread study as not analysed.
    public var analysis: Analysis

    public var maxProbability: Double? { findings.map(\.probability).max() }

    /// The highest finding's tier; `notAnalysed` when the model read none of the study's images,
    /// or only some and found nothing in them (a partial negative is no negative).
    public var urgency: Urgency {
        if let top = findings.map(\.urgency).max() { return top }
        return analysis.status == .complete ? .none : .notAnalysed
    }

    /// The model read every image and found nothing: the only case outputs may call negative.
    public var isNegative: Bool { findings.isEmpty && analysis.status == .complete }

    public init(studyKey: String, site: String, patientID: String, issuerOfPatientID: String?, accessionNumber: String,
                studyInstanceUID: String, studyDate: String, modality: String, series: [SeriesSummary], instances: Int,
                files: [String], problems: [String], orders: [OrderSummary], findings: [Finding],
                modelName: String?, modelVersion: String?, reportFiles: [String], analysis: Analysis,
                patientName: String? = nil, keyImage: KeyImage? = nil) {
        self.studyKey = studyKey; self.site = site; self.patientID = patientID; self.issuerOfPatientID = issuerOfPatientID
        self.accessionNumber = accessionNumber; self.studyInstanceUID = studyInstanceUID; self.studyDate = studyDate
        self.modality = modality; self.series = series; self.instances = instances; self.files = files
        self.problems = problems; self.orders = orders; self.findings = findings; self.modelName = modelName
        self.modelVersion = modelVersion; self.reportFiles = reportFiles
        self.patientName = patientName; self.keyImage = keyImage; self.analysis = analysis
    }

    enum CodingKeys: String, CodingKey {
        case studyKey, site, patientID, issuerOfPatientID, accessionNumber, studyInstanceUID, studyDate, modality, series,
             instances, files, problems, orders, findings, modelName, modelVersion, reportFiles, source, patientName,
             keyImage, analysis
    }

    /// Reports kept in the ledger before `analysis` existed (for digests) decode with what they
    /// recorded: no model means not analysed; images the model skipped were listed as problems.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        studyKey = try c.decode(String.self, forKey: .studyKey)
        site = try c.decode(String.self, forKey: .site)
        patientID = try c.decode(String.self, forKey: .patientID)
        issuerOfPatientID = try c.decodeIfPresent(String.self, forKey: .issuerOfPatientID)
        accessionNumber = try c.decode(String.self, forKey: .accessionNumber)
        studyInstanceUID = try c.decode(String.self, forKey: .studyInstanceUID)
        studyDate = try c.decode(String.self, forKey: .studyDate)
        modality = try c.decode(String.self, forKey: .modality)
        series = try c.decode([SeriesSummary].self, forKey: .series)
        instances = try c.decode(Int.self, forKey: .instances)
        files = try c.decode([String].self, forKey: .files)
        problems = try c.decode([String].self, forKey: .problems)
        orders = try c.decode([OrderSummary].self, forKey: .orders)
        findings = try c.decode([Finding].self, forKey: .findings)
        modelName = try c.decodeIfPresent(String.self, forKey: .modelName)
        modelVersion = try c.decodeIfPresent(String.self, forKey: .modelVersion)
        reportFiles = try c.decode([String].self, forKey: .reportFiles)
        source = try c.decodeIfPresent(SourceStudy.self, forKey: .source)
        patientName = try c.decodeIfPresent(String.self, forKey: .patientName)
        keyImage = try c.decodeIfPresent(KeyImage.self, forKey: .keyImage)
        if let analysis = try c.decodeIfPresent(Analysis.self, forKey: .analysis) {
            self.analysis = analysis
        } else if modelName == nil {
            analysis = .noModel()
        } else {
            let skipped = problems.filter { $0.contains(": not analysed: ") }
            let frames = series.map(\.frames).reduce(0, +)
            analysis = Analysis(analysedImages: max(frames - skipped.count, 0),
                                unread: skipped.map { Analysis.Unread(file: String($0.prefix { $0 != ":" }), reason: $0) })
        }
    }
}


public struct QuarantineEntry: Sendable, Codable, Equatable {
    public var file: String
    public var stage: String
    public var reason: String

    public init(file: String, stage: String, reason: String) {
        self.file = file; self.stage = stage; self.reason = reason
    }
}

/// The whole batch, as rendered into findings.json, findings.csv and the summaries.
public struct BatchReport: Sendable, Codable, Equatable {
    public var pipeline: String
    public var batchID: String
    public var run: Int
    public var supersedes: String?
    public var sourceName: String
    public var generatedAt: String
    public var toolVersion: String
    public var modelName: String?
    public var modelVersion: String?
    public var studies: [StudyReport]
    public var quarantine: [QuarantineEntry]
    public var unmatchedOrders: [OrderSummary]
    public var fileCount: Int

    public init(pipeline: String, batchID: String, run: Int, supersedes: String?, sourceName: String, generatedAt: String,
                toolVersion: String, modelName: String?, modelVersion: String?, studies: [StudyReport],
                quarantine: [QuarantineEntry], unmatchedOrders: [OrderSummary], fileCount: Int) {
        self.pipeline = pipeline; self.batchID = batchID; self.run = run; self.supersedes = supersedes
        self.sourceName = sourceName; self.generatedAt = generatedAt; self.toolVersion = toolVersion
        self.modelName = modelName; self.modelVersion = modelVersion; self.studies = studies
        self.quarantine = quarantine; self.unmatchedOrders = unmatchedOrders; self.fileCount = fileCount
    }

    public var countsByUrgency: [Urgency: Int] {
        Dictionary(grouping: studies, by: \.urgency).mapValues(\.count)
    }
}

/// One source instance a DICOM output references (SR evidence, image regions, SC source).
public struct ReferencedInstance: Sendable, Codable, Equatable {
    public var sopClassUID: String
    public var sopInstanceUID: String
    public var seriesInstanceUID: String
    /// Absolute path of the validated file, for outputs that read its pixels.
    public var file: String
    public var numberOfFrames: Int

    public init(sopClassUID: String, sopInstanceUID: String, seriesInstanceUID: String, file: String, numberOfFrames: Int = 1) {
        self.sopClassUID = sopClassUID; self.sopInstanceUID = sopInstanceUID
        self.seriesInstanceUID = seriesInstanceUID; self.file = file; self.numberOfFrames = numberOfFrames
    }
}

/// The Patient and General Study module values of a study, as read from its instances, which
/// every DICOM output copies so PACS files them with the images.
public struct SourceStudy: Sendable, Codable, Equatable {
    public var patientName: String
    public var patientID: String
    public var issuerOfPatientID: String?
    public var patientBirthDate: String
    public var patientSex: String
    public var studyInstanceUID: String
    public var studyDate: String
    public var studyTime: String
    public var accessionNumber: String
    public var referringPhysicianName: String
    public var studyID: String
    public var studyDescription: String?
    public var instances: [ReferencedInstance]

    public init(patientName: String, patientID: String, issuerOfPatientID: String?, patientBirthDate: String,
                patientSex: String, studyInstanceUID: String, studyDate: String, studyTime: String,
                accessionNumber: String, referringPhysicianName: String, studyID: String, studyDescription: String?,
                instances: [ReferencedInstance]) {
        self.patientName = patientName; self.patientID = patientID; self.issuerOfPatientID = issuerOfPatientID
        self.patientBirthDate = patientBirthDate; self.patientSex = patientSex; self.studyInstanceUID = studyInstanceUID
        self.studyDate = studyDate; self.studyTime = studyTime; self.accessionNumber = accessionNumber
        self.referringPhysicianName = referringPhysicianName; self.studyID = studyID
        self.studyDescription = studyDescription; self.instances = instances
    }
}
