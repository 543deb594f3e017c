import Foundation
import Testing
@testable import Pipeline
import Delivery
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

        let walk = UnpackStage.Walk.of(dir.path, marker: "READY", aliasFolder: dir.file("names"))
        let (files, ignored) = (walk.files, walk.ignored)
        #expect(walk.refused.isEmpty)
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
        let types = ["a.dcm", "sub", "link", "pipe", "gone"].map { UnpackStage.type(of: Array($0.utf8), in: fd) }
        #expect(types == [DT_REG, DT_DIR, DT_LNK, DT_FIFO, DT_UNKNOWN].map { UInt8($0) })
    }

    /// Names are bytes: a Latin-1 name is listed by its escaped form and opened through a link
    /// under a plain name; a folder that cannot be opened and a path past PATH_MAX are refused
    /// with the reason, never skipped.
    @Test func namesThatAreNotUTF8OrTooLongAreProcessedOrRefusedWithAReason() throws {
        let dir = try TemporaryDirectory("walk-bytes")
        defer { dir.remove() }
        let root = dir.file("batch")
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let latin1 = Array((root + "/M").utf8) + [0xFC] + Array("ller.dcm".utf8)
        let fd = FileNames.withCString(latin1) { open($0, O_WRONLY | O_CREAT, 0o644) }
        #expect(fd >= 0)
        _ = write(fd, "dicom?", 6)
        close(fd)
        // A file 22 folders of 200 bytes down: its path passes PATH_MAX, made through relative opens.
        var dfd = open(root, O_RDONLY | O_DIRECTORY)
        for _ in 0..<22 {
            #expect(mkdirat(dfd, String(repeating: "d", count: 200), 0o755) == 0)
            let next = openat(dfd, String(repeating: "d", count: 200), O_RDONLY | O_DIRECTORY)
            close(dfd)
            dfd = next
        }
        let deep = openat(dfd, "deep.dcm", O_WRONLY | O_CREAT, 0o644)
        close(deep)
        close(dfd)
        let walk = UnpackStage.Walk.of(root, marker: nil, aliasFolder: dir.file("names"))
        #expect(walk.files.map(\.relativePath) == ["M\\xFCller.dcm"])
        #expect(walk.files.first?.absolutePath == dir.file("names/1"))
        #expect((try? String(contentsOfFile: dir.file("names/1"), encoding: .utf8)) == "dicom?", "the link opens the same file")
        #expect(walk.refused.count == 1 && walk.refused[0].reason.contains("longer than PATH_MAX"), "\(walk.refused)")
        #expect(walk.refused.first?.path.hasSuffix("/deep.dcm") == true)
        #expect(FileNames.escaped([0x61, 0xE9, 0x62, 0xC3, 0xA9]) == "a\\xE9bé")
    }
}
