import Archive
import DICOM
import Foundation

/// `sluice samples`: writes synthetic, PHI-free batches (one top-level entry per batch) and a
/// `ground-truth.json` beside them saying what a correct pipeline run must find.
public enum SampleGenerator {
    public static func generate(into directory: String, options: SampleOptions) throws -> SampleSummary {
        try check(options)
        let fm = FileManager.default
        try fm.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let sites = SamplePlanner.plan(options)
        for site in sites where fm.fileExists(atPath: directory + "/" + site.batchName) {
            throw SampleError(.exists, path: directory + "/" + site.batchName)
        }
        var truth = GroundTruth(
            generator: .init(tool: "sluice samples", version: SampleUID.version, seed: options.seed,
                             profile: options.profile.name),
            batches: [], studies: [], badFiles: [], ignoredFiles: [], orders: [])
        var dicomFiles = 0
        for site in sites {
            var writer = BatchWriter(site: site, seed: options.seed, directory: directory)
            try writer.writeStudies()
            try writer.writeExtras()
            try writer.finish()
            truth.batches.append(
                .init(name: site.batchName, site: site.letter, kind: site.flavor == .zip ? "zip" : "folder",
                      institution: SampleDICOM.institution(site.letter), studies: site.studies.count,
                      dicomFiles: writer.goodFiles))
            truth.studies += writer.studies
            truth.badFiles += writer.badFiles
            truth.ignoredFiles += writer.ignoredFiles
            truth.orders += writer.orders
            dicomFiles += writer.goodFiles
        }
        let truthPath = options.groundTruthPath
            ?? URL(fileURLWithPath: directory).standardizedFileURL.deletingLastPathComponent().appendingPathComponent("ground-truth.json").path
        try fm.createDirectory(
            atPath: (truthPath as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try write(try truth.encoded(), to: truthPath)
        return SampleSummary(
            batches: sites.map(\.batchName).sorted(), studies: truth.studies.count, dicomFiles: dicomFiles,
            badFiles: truth.badFiles.count, hl7Orders: truth.orders.count, groundTruthPath: truthPath)
    }

    static func check(_ options: SampleOptions) throws {
        guard (1...26).contains(options.sites) else { throw SampleError(.badOption("sites must be 1...26")) }
        guard (1...999).contains(options.studiesPerSite) else {
            throw SampleError(.badOption("studies per site must be 1...999"))
        }
        if let modalities = options.modalities, modalities.isEmpty {
            throw SampleError(.badOption("modalities must not be empty"))
        }
        let p = options.profile
        guard p.radiographSize >= 32, p.ctSize >= 32, p.mrSize >= 32, p.radiographSize <= 4096,
              p.ctSize <= 1024, p.mrSize <= 1024, p.ctSlices >= 2, p.mrSlices >= 2, p.ctSlices <= 500,
              p.mrSlices <= 500
        else { throw SampleError(.badOption("profile sizes out of range")) }
    }

    static func write(_ bytes: some DataProtocol, to path: String) throws {
        do {
            try Data(bytes).write(to: URL(fileURLWithPath: path))
        } catch {
            throw SampleError(.writeFailed("\(type(of: error))"), path: path)
        }
    }
}
