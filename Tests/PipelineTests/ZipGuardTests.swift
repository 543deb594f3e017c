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

    /// Bytes in regular files under `path` (what an extraction wrote).
    func bytesWritten(under path: String) -> Int {
        let files = FileManager.default.enumerator(atPath: path)?.allObjects as? [String] ?? []
        return files.reduce(0) { sum, name in
            var st = stat()
            return lstat(path + "/" + name, &st) == 0 && st.st_mode & S_IFMT == S_IFREG ? sum + Int(st.st_size) : sum
        }
    }

    /// 400 entries of 1 MiB of zeros: each is at the per-entry ratio's floor, so only the
    /// archive's ratio sees 400 MiB coming out of ~450 KB.
    func manyZeroEntries(_ dir: TemporaryDirectory) throws -> String {
        let zip = try makeZip(dir, "zeros = bytes(1 << 20)\nfor i in range(400): z.writestr(f'zeros/{i:03d}.bin', zeros)")
        let size = try #require(try FileManager.default.attributesOfItem(atPath: zip)[.size] as? Int)
        #expect(size < 1 << 20, "a small archive: \(size) bytes")
        return zip
    }

    @Test func manySmallZeroEntriesAreRefusedByTheArchiveRatioBeforeAnythingIsWritten() throws {
        let dir = try TemporaryDirectory("zip")
        defer { dir.remove() }
        let zip = try manyZeroEntries(dir)
        let e = refusal(zip, into: dir)
        guard case .archiveRatioTooHigh(let uncompressed, let archiveSize, let limit)? = e?.code else {
            Issue.record("expected the archive ratio refusal, got \(String(describing: e))"); return
        }
        #expect(uncompressed == 400 << 20)
        #expect(Double(uncompressed) / Double(archiveSize) > 200 && limit == 200)
        #expect(e?.entry == nil, "the archive as a whole is refused")
        let text = e?.description ?? ""
        #expect(text.contains("t.zip") && text.contains("zip.max_archive_ratio") && text.contains("200:1") && text.contains("zip bomb"), "\(text)")
        #expect(!FileManager.default.fileExists(atPath: dir.file("out")), "refused before the first folder was made")

        // The limit is configurable: a higher one lets the same archive's declared sizes pass
        // and stops it on the total instead (a smaller limit than 400 MiB, so that this test
        // does not write 400 MiB either).
        var limits = ZipLimits()
        limits.maxArchiveRatio = 100_000
        limits.maxTotalSize = 8 << 20
        guard case .totalTooLarge? = refusal(zip, limits: limits, into: dir)?.code else { Issue.record("expected the total refusal"); return }
    }

    /// The same archive with every size header understated to 1000 bytes: the declared total
    /// passes, and the bytes counted while inflating stop it after a chunk, not 400 MiB later.
    @Test func lyingHeadersOnManyZeroEntriesStopWhileInflating() throws {
        let dir = try TemporaryDirectory("zip")
        defer { dir.remove() }
        let zip = try manyZeroEntries(dir)
        try understateSizes(zip, of: (0..<400).map { String(format: "zeros/%03d.bin", $0) })
        for workers in [1, 4] {
            let out = dir.file("out\(workers)")
            do {
                try ZipArchive.extract(zip, into: out, workers: workers)
                Issue.record("lying sizes passed with \(workers) threads")
            } catch let e as ZipError {
                #expect(e.code == .sizeMismatch(declared: 1000), "\(workers) threads: \(e)")
            }
            #expect(bytesWritten(under: out) < 1 << 20, "\(workers) threads wrote \(bytesWritten(under: out)) bytes")
        }
    }

    /// CT-like slices written by pydicom (a noisy body on a constant background, as scanners
    /// write air): they compress several times over, and pass every default limit.
    @Test func ordinaryCompressibleDICOMArchivePasses() throws {
        let dir = try TemporaryDirectory("zip")
        defer { dir.remove() }
        let zip = dir.file("ct.zip")
        let r = try runPython("""
            import sys, os, zipfile, io, random
            import numpy as np
            from pydicom.dataset import Dataset, FileMetaDataset
            from pydicom.uid import ExplicitVRLittleEndian, generate_uid
            rng = np.random.default_rng(5)
            study, series = generate_uid(), generate_uid()
            yy, xx = np.mgrid[0:512, 0:512]
            body = ((yy - 256) / 200.0) ** 2 + ((xx - 256) / 160.0) ** 2 <= 1
            total = 0
            with zipfile.ZipFile(sys.argv[1], 'w', zipfile.ZIP_DEFLATED) as z:
                for i in range(40):
                    ds = Dataset(); ds.file_meta = FileMetaDataset()
                    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
                    ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.2"
                    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID = generate_uid()
                    ds.StudyInstanceUID, ds.SeriesInstanceUID = study, series
                    ds.PatientID = "ZIP-1"; ds.Modality = "CT"; ds.InstanceNumber = i + 1
                    ds.Rows = ds.Columns = 512; ds.BitsAllocated = ds.BitsStored = 16; ds.HighBit = 15
                    ds.SamplesPerPixel = 1; ds.PhotometricInterpretation = "MONOCHROME2"; ds.PixelRepresentation = 0
                    pixels = np.where(body, 1000 + rng.normal(0, 40, (512, 512)), 24).astype(np.uint16)
                    ds.PixelData = pixels.tobytes()
                    b = io.BytesIO(); ds.save_as(b, enforce_file_format=True)
                    z.writestr(f"CT/IM{i:03d}.dcm", b.getvalue()); total += len(b.getvalue())
            print(total / os.path.getsize(sys.argv[1]))
            """, [zip])
        #expect(r.status == 0, "\(r.stderr)")
        let ratio = try #require(Double(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(ratio > 2, "compressible: \(ratio):1")
        let entries = try ZipArchive.extract(zip, into: dir.file("out"), workers: 2)
        #expect(entries.count == 40)
        #expect(bytesWritten(under: dir.file("out")) == entries.reduce(0) { $0 + Int($1.size) })
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
        limits.maxArchiveRatio = 100_000
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
