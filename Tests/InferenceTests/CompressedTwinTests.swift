import DICOM
import Foundation
import Inference
import Samples
import Testing
import TestSupport

/// The demo model reads a drop exported compressed as it reads the same drop uncompressed:
/// `sluice samples --compressed` and the plain drop from the same seed are twins, file for file.
/// Lossless syntaxes give the same probabilities bit for bit; JPEG-LS near-lossless and lossy
/// JPEG 2000 the same findings and tiers, with probabilities within 0.05.
@Suite struct CompressedTwinTests {
    @Test func compressedSamplesGiveTheFindingsOfTheirUncompressedTwins() throws {
        let dir = try TemporaryDirectory("twins")
        defer { dir.remove() }
        let model = try ImageModel(path: repoRoot + "/models/demo.onnx")
        var truths: [GroundTruth] = []
        for compressed in [false, true] {
            let root = dir.file(compressed ? "compressed" : "plain")
            let summary = try SampleGenerator.generate(
                into: root + "/inbox",
                options: SampleOptions(seed: 77, profile: .small, sites: 3, studiesPerSite: 7,
                                       groundTruthPath: root + "/truth.json", compressed: compressed))
            truths.append(try GroundTruth.load(path: summary.groundTruthPath))
        }
        var bySyntax: [String: Int] = [:]
        for (plain, packed) in zip(truths[0].studies, truths[1].studies) where !plain.batch.hasSuffix(".zip") {
            #expect(plain.studyInstanceUID == packed.studyInstanceUID)
            let lossy = ["1.2.840.10008.1.2.4.81", "1.2.840.10008.1.2.4.91"].contains(packed.transferSyntax)
            for (a, b) in zip(plain.files, packed.files) {
                let pa = dir.file("plain/inbox/\(plain.batch)/\(a)"), pb = dir.file("compressed/inbox/\(packed.batch)/\(b)")
                let fa = try DICOMFile.open(path: pa), fb = try DICOMFile.open(path: pb)
                #expect(fb.transferSyntax.uid == packed.transferSyntax && fb.transferSyntax.isEncapsulated)
                let ia = try Preprocessor.prepare(fa, for: model.descriptor), ib = try Preprocessor.prepare(fb, for: model.descriptor)
                let ya = try model.predict([ia], threads: 1)[0], yb = try model.predict([ib], threads: 1)[0]
                let findingsA = model.findings([(ImageReference(sopInstanceUID: "", file: pa, frame: 0), ia, ya)])
                let findingsB = model.findings([(ImageReference(sopInstanceUID: "", file: pb, frame: 0), ib, yb)])
                #expect(findingsA.map(\.label.name) == findingsB.map(\.label.name), "\(b) (\(packed.transferSyntax))")
                #expect(findingsA.map(\.tier) == findingsB.map(\.tier), "\(b) (\(packed.transferSyntax))")
                if lossy {
                    let worst = zip(ya.probabilities, yb.probabilities).map { abs($0 - $1) }.max() ?? 0
                    #expect(worst <= 0.05, "\(b) (\(packed.transferSyntax)): probabilities differ by \(worst)")
                } else {
                    #expect(ia.values == ib.values, "\(b) (\(packed.transferSyntax)): model input differs")
                    #expect(ya.probabilities == yb.probabilities, "\(b) (\(packed.transferSyntax))")
                }
                bySyntax[packed.transferSyntax, default: 0] += 1
            }
        }
        print("compressed twins per syntax:", bySyntax.sorted { $0.key < $1.key })
        #expect(bySyntax.count >= 7, "every compressed syntax the samples write: \(bySyntax.keys.sorted())")
    }
}
