import Foundation
import Samples
import TestSupport
import Testing

@Suite struct DeterminismTests {
    @Test func sameSeedGivesByteIdenticalFiles() throws {
        let first = try SampleFixture.drop()
        let second = try SampleFixture.generate(label: "samples-again")
        defer { second.root.remove() }
        let names = SampleFixture.files(under: first.inbox)
        #expect(names == SampleFixture.files(under: second.inbox))
        #expect(names.count > 40)
        for name in names {
            let a = try Data(contentsOf: URL(fileURLWithPath: first.inbox + "/" + name))
            let b = try Data(contentsOf: URL(fileURLWithPath: second.inbox + "/" + name))
            #expect(a == b, "\(name) differs between two runs with the same seed")
        }
        let truthA = try Data(contentsOf: URL(fileURLWithPath: first.summary.groundTruthPath))
        let truthB = try Data(contentsOf: URL(fileURLWithPath: second.summary.groundTruthPath))
        #expect(truthA == truthB)
    }

    @Test func differentSeedsDiffer() throws {
        let first = try SampleFixture.drop()
        let other = try SampleFixture.generate(seed: SampleFixture.seed + 1, label: "samples-other")
        defer { other.root.remove() }
        #expect(first.truth.studies.map(\.studyInstanceUID) != other.truth.studies.map(\.studyInstanceUID))
        #expect(Set(first.truth.studies.map(\.studyInstanceUID)).isDisjoint(with: other.truth.studies.map(\.studyInstanceUID)))
        let name = "site-a-2025-01-10/" + first.truth.studies[0].files[0]
        let a = try Data(contentsOf: URL(fileURLWithPath: first.inbox + "/" + name))
        let b = try Data(contentsOf: URL(fileURLWithPath: other.inbox + "/" + name))
        #expect(a != b)
    }

    @Test func groundTruthRoundTripsAndSitsOutsideTheInbox() throws {
        let drop = try SampleFixture.drop()
        #expect(drop.summary.groundTruthPath == drop.root.file("ground-truth.json"))
        let again = try GroundTruth.decode(try drop.truth.encoded())
        #expect(again == drop.truth)
        // Every top-level entry of the inbox is a batch named in the ground truth.
        let entries = try FileManager.default.contentsOfDirectory(atPath: drop.inbox).sorted()
        #expect(entries == drop.truth.batches.map(\.name).sorted())
        #expect(entries == ["site-a-2025-01-10", "site-b-2025-01-11.zip", "site-c-2025-01-12"])
    }

    @Test func refusesToOverwriteABatch() throws {
        let drop = try SampleFixture.drop()
        #expect(throws: SampleError.self) {
            _ = try SampleGenerator.generate(
                into: drop.inbox, options: SampleOptions(seed: 1, profile: .small, groundTruthPath: drop.root.file("x.json")))
        }
    }

    @Test func planShapeMatchesTheSpec() throws {
        let truth = try SampleFixture.drop().truth
        #expect(truth.studies.count == 12)
        #expect(Set(truth.studies.map(\.modality)) == ["DX", "CR", "CT", "MR"])
        #expect(truth.studies.contains { $0.hasFinding && ($0.modality == "DX" || $0.modality == "CR") })
        #expect(truth.studies.contains { $0.hasFinding && $0.modality == "CT" })
        #expect(truth.studies.contains { !$0.hasFinding })
        #expect(Set(truth.studies.map(\.photometricInterpretation)) == ["MONOCHROME1", "MONOCHROME2"])
        #expect(Set(truth.studies.map(\.transferSyntax)) == ["1.2.840.10008.1.2", "1.2.840.10008.1.2.1", "1.2.840.10008.1.2.5",
                                                             "1.2.840.10008.1.2.4.70", "1.2.840.10008.1.2.4.57",
                                                             "1.2.840.10008.1.2.4.80", "1.2.840.10008.1.2.4.90"])
        let gaps = truth.studies.filter { !$0.completeness.isEmpty }
        #expect(gaps.count == 1)
        #expect(gaps.first?.modality == "CT")
        #expect(gaps.first.map { $0.instances == 12 - 1 } == true)
        #expect(Set(truth.badFiles.map(\.reason)) == ["not-dicom", "truncated", "missing-attribute"])
        #expect(truth.ignoredFiles.allSatisfy { ($0.path as NSString).lastPathComponent.hasPrefix(".") })
        #expect(truth.orders.filter { !$0.hasImages }.count == 1)
    }
}

@Suite struct OptionTests {
    @Test func modalitiesRestrictTheMixForTrainingSets() throws {
        let root = try TemporaryDirectory("samples-dx")
        defer { root.remove() }
        let summary = try SampleGenerator.generate(
            into: root.file("inbox"),
            options: SampleOptions(seed: 7, profile: .small, sites: 1, studiesPerSite: 10, modalities: [.dx, .cr]))
        let truth = try GroundTruth.load(path: summary.groundTruthPath)
        #expect(truth.studies.count == 10)
        #expect(Set(truth.studies.map(\.modality)) == ["DX", "CR"])
        #expect(truth.studies.contains { $0.hasFinding } && truth.studies.contains { !$0.hasFinding })
        #expect(summary.description.contains("1 batches, 10 studies"))
    }

    @Test func badOptionsAreRefused() throws {
        let root = try TemporaryDirectory("samples-bad")
        defer { root.remove() }
        for options in [
            SampleOptions(profile: .small, sites: 0), SampleOptions(profile: .small, sites: 27),
            SampleOptions(profile: .small, studiesPerSite: 0), SampleOptions(profile: .small, modalities: []),
        ] {
            #expect(throws: SampleError.self) { _ = try SampleGenerator.generate(into: root.file("inbox"), options: options) }
        }
    }
}
