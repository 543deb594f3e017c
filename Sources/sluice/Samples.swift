import ArgumentParser
import Foundation
import Pipeline
import Samples

extension Sluice {
    struct Samples: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "samples",
            abstract: "Write synthetic, PHI-free sample drops (with ground truth) for trying Sluice and for tests.")

        @Argument(help: "Folder to write the batches into (e.g. var/inbox).") var directory: String
        @Flag(help: "Tiny images (seconds to generate) with the same structure as the full set.") var small = false
        @Option(help: "Seed; the same seed gives byte-identical files.") var seed: UInt64?
        @Option(help: "Number of sites, one batch each (1-26).") var sites: Int = 3
        @Option(help: "Studies per site.") var studiesPerSite: Int = 4
        @Option(help: "Only these modalities, comma-separated (e.g. DX,CR for a radiograph training set).")
        var modalities: String?
        @Option(help: "Where ground-truth.json goes (default: beside DIRECTORY, outside the inbox).")
        var groundTruth: String?
        @Flag(help: "Write every study compressed, cycling through JPEG Lossless, JPEG-LS, JPEG 2000 (lossless and lossy) and RLE.")
        var compressed = false
        @Option(help: "Write this completion marker into each batch, as a careful uploader does (empty: none).")
        var marker: String = "READY"

        func validate() throws {
            guard (1...26).contains(sites) else { throw ValidationError("--sites must be 1...26") }
            guard studiesPerSite >= 1 else { throw ValidationError("--studies-per-site must be at least 1") }
            _ = try parsedModalities()
        }

        func run() async throws {
            var options = SampleOptions(
                profile: small ? .small : .full, sites: sites, studiesPerSite: studiesPerSite,
                groundTruthPath: groundTruth, modalities: try parsedModalities(), compressed: compressed)
            if let seed { options.seed = seed }
            let summary = try SampleGenerator.generate(into: directory, options: options)
            if !marker.isEmpty { try SampleMarkers.mark(directory, marker: marker) }
            print("wrote \(summary.batches.count) batches (\(summary.studies) studies, \(summary.dicomFiles) DICOM files, \(summary.hl7Orders) HL7 orders, \(summary.badFiles) deliberately bad files) to \(directory)")
            for batch in summary.batches { print("  \(batch)") }
            print("ground truth: \(summary.groundTruthPath)")
        }

        func parsedModalities() throws -> [SampleModality]? {
            guard let modalities else { return nil }
            return try modalities.split(separator: ",").map { code in
                guard let m = SampleModality(rawValue: code.trimmingCharacters(in: .whitespaces).uppercased()) else {
                    throw ValidationError("--modalities: '\(code)' is not one of DX, CR, CT, MR")
                }
                return m
            }
        }
    }
}
