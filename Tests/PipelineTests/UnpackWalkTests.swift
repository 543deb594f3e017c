import Foundation
import Testing
@testable import Pipeline
import TestSupport

/// The walk lists a large folder from readdir alone: every file once, in byte order, with the
/// same ignored entries as a small folder gets; each file's size comes from validation's open.
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
        #expect(files.allSatisfy { $0.size == nil && $0.modified == nil })
        let seen = files.map { ValidateStage.parse($0, rules: .init()).seen }
        #expect(seen.map { $0?.size } == expected.map(\.1))
        #expect(seen.allSatisfy { abs($0!.modified.timeIntervalSinceNow) < 600 })
        #expect(files.allSatisfy { $0.absolutePath == dir.file($0.relativePath) })
        #expect(Dictionary(uniqueKeysWithValues: ignored.map { ($0.path, $0.reason) })
                == [".hidden": "hidden file", "READY": "completion marker", "link.dcm": "symbolic link, not followed"])
    }

    /// Where readdir leaves the type unknown (some network and FUSE file systems), lstat decides.
    @Test func entriesOfUnknownTypeAreTypedByLstat() throws {
        let dir = try TemporaryDirectory("walk-types")
        defer { dir.remove() }
        try Data("x".utf8).write(to: URL(fileURLWithPath: dir.file("a.dcm")))
        try FileManager.default.createDirectory(atPath: dir.file("sub"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: dir.file("link"), withDestinationPath: dir.file("a.dcm"))
        #expect(mkfifo(dir.file("pipe"), 0o600) == 0)
        let fd = open(dir.path, O_RDONLY | O_DIRECTORY)
        defer { close(fd) }
        let types = UnpackStage.types(of: ["a.dcm", "sub", "link", "pipe", "gone"], in: fd)
        #expect(types == [DT_REG, DT_DIR, DT_LNK, DT_FIFO, DT_UNKNOWN].map { UInt8($0) })
    }
}
