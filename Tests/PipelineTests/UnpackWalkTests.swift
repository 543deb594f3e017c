import Foundation
import Testing
@testable import Pipeline
import TestSupport

/// The walk lists a large folder with its stat calls spread over the cores: every file once,
/// in byte order, each with its own size, and the same ignored entries as a small folder gets.
@Suite struct UnpackWalkTests {
    @Test func aLargeFolderIsListedInByteOrderWithEachFilesSize() throws {
        let dir = try TemporaryDirectory("walk")
        defer { dir.remove() }
        let fm = FileManager.default
        var expected: [(String, Int)] = []
        // Names whose byte order differs from a case-insensitive or numeric one; size = index.
        for i in 0..<600 {
            let name = (i % 3 == 0 ? "IM" : i % 3 == 1 ? "im" : "Z") + "\(i * 7919 % 1000)-\(i).dcm"
            try Data(repeating: 7, count: i).write(to: URL(fileURLWithPath: dir.file(name)))
            expected.append((name, i))
        }
        try fm.createDirectory(atPath: dir.file("series"), withIntermediateDirectories: true)
        try Data("x".utf8).write(to: URL(fileURLWithPath: dir.file("series/a.dcm")))
        try Data("x".utf8).write(to: URL(fileURLWithPath: dir.file(".hidden")))
        try Data().write(to: URL(fileURLWithPath: dir.file("READY")))
        try fm.createSymbolicLink(atPath: dir.file("link.dcm"), withDestinationPath: dir.file("IM0-0.dcm"))
        expected.append(("series/a.dcm", 1))
        expected.sort { $0.0.utf8.lexicographicallyPrecedes($1.0.utf8) }

        var files: [BatchFile] = []
        var ignored: [(path: String, reason: String)] = []
        UnpackStage.walk(dir.path, prefix: "", marker: "READY", into: &files, ignored: &ignored)
        #expect(files.map(\.relativePath) == expected.map(\.0))
        #expect(files.map(\.size) == expected.map(\.1))
        #expect(files.allSatisfy { $0.absolutePath == dir.file($0.relativePath) })
        #expect(Dictionary(uniqueKeysWithValues: ignored.map { ($0.path, $0.reason) })
                == [".hidden": "hidden file", "READY": "completion marker", "link.dcm": "symbolic link, not followed"])
    }
}
