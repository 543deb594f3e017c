import Foundation

/// What `SampleGenerator` makes. The defaults give the spec's three-site drop; the training
/// script for the demo model raises `studiesPerSite` instead of inventing its own phantoms.
public struct SampleOptions: Sendable, Equatable {
    /// Same seed, same options → byte-identical files.
    public var seed: UInt64
    public var profile: SampleProfile
    /// One batch per site (1...26). Sites cycle through three flavours: a plain folder, a zip,
    /// and a folder with HL7 orders, RLE / implicit-VR files, bad files and an incomplete CT.
    public var sites: Int
    /// Studies per site; the first four are DX, CT, CR, MR, later ones are drawn at random.
    public var studiesPerSite: Int
    /// Where `ground-truth.json` goes; nil → `<directory>/../ground-truth.json`, outside the
    /// inbox so the watcher never mistakes it for a batch.
    public var groundTruthPath: String?
    /// nil: the spec's mix. Otherwise every study is one of these (in turn for the first ones,
    /// then at random) — e.g. `[.dx, .cr]` for a radiograph training set.
    public var modalities: [SampleModality]?
    /// Every study compressed, cycling through the encapsulated syntaxes (lossy ones included);
    /// otherwise only the zip site's first studies are (one of each lossless JPEG family syntax).
    public var compressed: Bool

    public init(
        seed: UInt64 = 20250110, profile: SampleProfile = .full, sites: Int = 3, studiesPerSite: Int = 4,
        groundTruthPath: String? = nil, modalities: [SampleModality]? = nil, compressed: Bool = false
    ) {
        self.compressed = compressed
        self.seed = seed
        self.profile = profile
        self.sites = sites
        self.studiesPerSite = studiesPerSite
        self.groundTruthPath = groundTruthPath
        self.modalities = modalities
    }
}

/// Matrix sizes per modality. Physical fields of view stay fixed, so the pixel spacing (and a
/// nodule's size in pixels) follows the matrix while its size in millimetres does not.
public struct SampleProfile: Sendable, Equatable {
    public var name: String
    public var radiographSize: Int
    public var ctSize: Int
    public var ctSlices: Int
    public var mrSize: Int
    public var mrSlices: Int

    public init(name: String, radiographSize: Int, ctSize: Int, ctSlices: Int, mrSize: Int, mrSlices: Int) {
        self.name = name
        self.radiographSize = radiographSize
        self.ctSize = ctSize
        self.ctSlices = ctSlices
        self.mrSize = mrSize
        self.mrSlices = mrSlices
    }

    /// The spec's sizes: DX/CR 2048², CT 512² × 50, MR 256² × 20.
    public static let full = SampleProfile(
        name: "full", radiographSize: 2048, ctSize: 512, ctSlices: 50, mrSize: 256, mrSlices: 20)
    /// Same structure at sizes that let tests run in seconds.
    public static let small = SampleProfile(
        name: "small", radiographSize: 256, ctSize: 64, ctSlices: 12, mrSize: 64, mrSlices: 8)
}

/// What was written, for the CLI to print and tests to follow.
public struct SampleSummary: Sendable, Equatable, CustomStringConvertible {
    /// Top-level entries of the output folder, one per batch, sorted.
    public var batches: [String]
    public var studies: Int
    public var dicomFiles: Int
    public var badFiles: Int
    public var hl7Orders: Int
    public var groundTruthPath: String

    /// A few lines for `sluice samples` to print (names and counts only).
    public var description: String {
        var lines = batches.map { "  \($0)" }
        lines.insert("\(batches.count) batches, \(studies) studies, \(dicomFiles) DICOM files, \(badFiles) bad files, \(hl7Orders) HL7 orders:", at: 0)
        lines.append("ground truth: \(groundTruthPath)")
        return lines.joined(separator: "\n")
    }
}
