import Checksum
import Foundation
import Testing
import TestSupport
@testable import Archive

/// Hostile archives are built with Python's zipfile (an independent writer), then refused.
@Suite struct ZipGuardTests {
    func makeZip(_ dir: TemporaryDirectory, _ script: String) throws -> String {
        let path = dir.file("t.zip")
        let r = try runPython("import zipfile, sys\nz = zipfile.ZipFile(sys.argv[1], 'w', zipfile.ZIP_DEFLATED)\n" + script + "\nz.close()", [path])
        #expect(r.status == 0, "\(r.stderr)")
        return path
    }

    /// Rewrites the uncompressed size of the named entries to 1000 bytes, in both the local
    /// header (offset 22) and the central directory entry (offset 24): a header that lies.
    func understateSizes(_ zip: String, of names: [String]) throws {
        let r = try runPython("""
            import struct, sys, zipfile
            names = set(n.encode() for n in sys.argv[2:])
            b = bytearray(open(sys.argv[1], 'rb').read())
            for info in zipfile.ZipFile(sys.argv[1]).infolist():
                if info.filename.encode() in names:
                    struct.pack_into('<I', b, info.header_offset + 22, 1000)
            cd = b.find(b'PK\\x01\\x02')
            while cd >= 0:
                n = struct.unpack_from('<H', b, cd + 28)[0]
                if bytes(b[cd + 46:cd + 46 + n]) in names:
                    struct.pack_into('<I', b, cd + 24, 1000)
                cd = b.find(b'PK\\x01\\x02', cd + 4)
            open(sys.argv[1], 'wb').write(b)
            """, [zip] + names)
        #expect(r.status == 0, "\(r.stderr)")
    }

    func refusal(_ path: String, limits: ZipLimits = .init(), into dir: TemporaryDirectory) -> ZipError? {
        do { try ZipArchive.extract(path, into: dir.file("out"), limits: limits); return nil } catch let e as ZipError { return e } catch { return nil }
    }

    @Test func dotDotPathsAreRefusedAndNothingEscapes() throws {
        let dir = try TemporaryDirectory("zip")
        defer { dir.remove() }
        let zip = try makeZip(dir, "z.writestr('ok.txt', 'fine')\nz.writestr('../../evil.txt', 'bad')")
        let e = refusal(zip, into: dir)
        #expect(e?.code == .unsafePath)
        #expect(e?.entry == "../../evil.txt")
        #expect(e?.description.contains("'..'") == true)
        #expect(!FileManager.default.fileExists(atPath: dir.path + "/../evil.txt"))
        #expect(!FileManager.default.fileExists(atPath: dir.file("out/ok.txt")), "nothing is written before every entry passed")
    }

    @Test func absolutePathsAreRefused() throws {
        let dir = try TemporaryDirectory("zip")
        defer { dir.remove() }
        let zip = try makeZip(dir, "z.writestr(zipfile.ZipInfo('/etc/evil'), 'bad')")
        #expect(refusal(zip, into: dir)?.code == .unsafePath)
    }

    @Test func symlinksAreRefused() throws {
        let dir = try TemporaryDirectory("zip")
        defer { dir.remove() }
        let zip = try makeZip(dir, """
            info = zipfile.ZipInfo('link')
            info.create_system = 3
            info.external_attr = (0o120777 << 16)
            z.writestr(info, '/etc/passwd')
            """)
        #expect(refusal(zip, into: dir)?.code == .symlink)
    }

    @Test func zipBombByRatioIsRefused() throws {
        let dir = try TemporaryDirectory("zip")
        defer { dir.remove() }
        let zip = try makeZip(dir, "z.writestr('zeros.bin', b'\\0' * (64 * 1024 * 1024))")
        let e = refusal(zip, into: dir)
        guard case .ratioTooHigh(let ratio, _)? = e?.code else { Issue.record("expected ratio refusal, got \(String(describing: e))"); return }
        #expect(ratio > 200)
        #expect(e?.description.contains("zip bomb") == true)
    }

    @Test func totalSizeLimitIsEnforced() throws {
        let dir = try TemporaryDirectory("zip")
        defer { dir.remove() }
        let zip = try makeZip(dir, "import os\nfor i in range(3): z.writestr(f'f{i}.bin', os.urandom(400_000))")
        var limits = ZipLimits()
        limits.maxTotalSize = 1_000_000
        guard case .totalTooLarge? = refusal(zip, limits: limits, into: dir)?.code else { Issue.record("expected total size refusal"); return }
    }

    /// A header that understates the size: the streamed byte count catches it.
    @Test func lyingHeaderIsCaughtWhileStreaming() throws {
        let dir = try TemporaryDirectory("zip")
        defer { dir.remove() }
        let zip = try makeZip(dir, "import os\nz.writestr('data.bin', os.urandom(300_000))")
        try understateSizes(zip, of: ["data.bin"])
        let e = refusal(zip, into: dir)
        #expect(e != nil, "a size lie must not pass")
    }

    /// Entries are inflated on several threads, each with its own handle on the archive: every
    /// file lands byte-identical (hashlib on the originals), whatever the thread count.
    @Test func parallelExtractionIsByteIdentical() throws {
        let dir = try TemporaryDirectory("zip")
        defer { dir.remove() }
        let zip = try makeZip(dir, """
            import random, hashlib
            rng = random.Random(7)
            for i in range(120):
                data = bytes(rng.getrandbits(8) for _ in range(rng.randrange(0, 40_000))) + b'x' * rng.randrange(0, 200_000)
                name = f'series{i % 5}/sub{i % 3}/IM{i:04d}'
                z.writestr(name, data)
                print(name, hashlib.sha256(data).hexdigest())
            z.writestr('empty-folder/', '')
            """)
        let listing = try runPython("""
            import zipfile, hashlib, sys
            z = zipfile.ZipFile(sys.argv[1])
            for n in z.namelist():
                if not n.endswith('/'): print(n, hashlib.sha256(z.read(n)).hexdigest())
            """, [zip])
        let expected = listing.stdout.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        #expect(expected.count == 120)
        for workers in [1, 2, 5] {
            let out = dir.file("out\(workers)")
            let entries = try ZipArchive.extract(zip, into: out, workers: workers, hash: workers != 1)
            #expect(entries.count == 120)
            let got = try expected.map { [$0[0], try SHA256.hex(fileAt: out + "/" + $0[0])] }
            #expect(got == expected, "\(workers) threads")
            // Hashed while written (asked for with more than one thread here), the same digests.
            let taken = Dictionary(uniqueKeysWithValues: entries.map { ($0.name, $0.sha256) })
            #expect(expected.allSatisfy { taken[$0[0]] == (workers == 1 ? nil : $0[1]) }, "\(workers) threads")
            var isDirectory: ObjCBool = false
            #expect(FileManager.default.fileExists(atPath: out + "/empty-folder", isDirectory: &isDirectory) && isDirectory.boolValue)
        }
    }

    /// With several threads the refusal reported is still the first bad entry's, as one thread
    /// reading in order would find it.
    @Test func parallelExtractionReportsTheEarliestBadEntry() throws {
        let dir = try TemporaryDirectory("zip")
        defer { dir.remove() }
        let zip = try makeZip(dir, "import os\nfor i in range(40): z.writestr(f'f{i:02d}.bin', os.urandom(50_000))")
        try understateSizes(zip, of: ["f10.bin", "f30.bin"])
        for workers in [1, 3] {
            do {
                try ZipArchive.extract(zip, into: dir.file("out\(workers)"), workers: workers)
                Issue.record("a size lie passed with \(workers) threads")
            } catch let e as ZipError {
                #expect(e.entry == "f10.bin", "\(workers) threads: \(e)")
            }
        }
    }

    @Test func cleanArchiveRoundTrips() throws {
        let dir = try TemporaryDirectory("zip")
        defer { dir.remove() }
        let src = dir.file("src")
        try FileManager.default.createDirectory(atPath: src + "/a/b", withIntermediateDirectories: true)
        try Data("one".utf8).write(to: URL(fileURLWithPath: src + "/a/1.txt"))
        try Data(repeating: 7, count: 3_000_000).write(to: URL(fileURLWithPath: src + "/a/b/2.bin"))
        try ZipArchive.create(at: dir.file("c.zip"), fromDirectory: src)
        let check = try runPython("import zipfile,sys; z=zipfile.ZipFile(sys.argv[1]); assert z.testzip() is None; print(sorted(z.namelist()))", [dir.file("c.zip")])
        #expect(check.stdout.contains("'a/1.txt', 'a/b/2.bin'"))
        var limits = ZipLimits()
        limits.maxRatio = 100_000
        let entries = try ZipArchive.extract(dir.file("c.zip"), into: dir.file("out"), limits: limits)
        #expect(entries.count == 2)
        #expect(try Data(contentsOf: URL(fileURLWithPath: dir.file("out/a/b/2.bin"))) == Data(repeating: 7, count: 3_000_000))
    }

    @Test func safePathRules() {
        #expect(ZipArchive.safeRelativePath("a/b/c.dcm") == "a/b/c.dcm")
        #expect(ZipArchive.safeRelativePath("./a//b") == "a/b")
        #expect(ZipArchive.safeRelativePath("a/../b") == nil)
        #expect(ZipArchive.safeRelativePath("C:/x") == nil)
        #expect(ZipArchive.safeRelativePath("a\\..\\b") == nil)
        #expect(ZipArchive.safeRelativePath("/abs") == nil)
    }
}
