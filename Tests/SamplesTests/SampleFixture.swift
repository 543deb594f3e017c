import Foundation
import Samples
import TestSupport

/// One small-profile drop generated once per test process and shared (generation is the slow
/// part; every test only reads it).
enum SampleFixture {
    struct Drop: Sendable {
        let root: TemporaryDirectory
        let inbox: String
        let summary: SampleSummary
        let truth: GroundTruth
    }

    static let seed: UInt64 = 4242

    static func generate(seed: UInt64 = seed, label: String = "samples") throws -> Drop {
        let root = try TemporaryDirectory(label)
        let inbox = root.file("inbox")
        let summary = try SampleGenerator.generate(into: inbox, options: SampleOptions(seed: seed, profile: .small))
        return Drop(root: root, inbox: inbox, summary: summary, truth: try GroundTruth.load(path: summary.groundTruthPath))
    }

    static let shared: Result<Drop, any Error> = Result {
        let drop = try generate()
        atexit { try? SampleFixture.shared.get().root.remove() }
        return drop
    }

    static func drop() throws -> Drop { try shared.get() }

    /// Every regular file under `path`, relative, sorted.
    static func files(under path: String) -> [String] {
        let all = FileManager.default.enumerator(atPath: path)?.allObjects as? [String] ?? []
        return all.filter { rel in
            var isDirectory: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: path + "/" + rel, isDirectory: &isDirectory)
            return exists && !isDirectory.boolValue
        }.sorted()
    }
}
