import Checksum
import Foundation
import Testing
import TestSupport

/// Short messages are hashed in Swift (no OpenSSL start-up for a scan's study keys), longer ones
/// by OpenSSL: both must give the one SHA-256, at every padding edge and across the switch.
@Suite struct SHA256Tests {
    @Test func knownVectors() {
        // FIPS 180-4 examples (one block, and 56 bytes, whose padding needs a second block).
        #expect(SHA256.hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    @Test func swiftAndOpenSSLAgreeOnEveryLength() {
        var rng = SeededRandom(seed: 256)
        var differ: [Int] = []
        for length in Array(0...300) + [1000, 4095, 4096, 4097, 10_000] {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
            var openssl = SHA256()
            bytes.withUnsafeBytes { openssl.update($0) }
            if SHA256.hex(bytes) != openssl.finalize().hexString { differ.append(length) }
            let text = String(decoding: bytes.map { $0 & 0x7F }, as: UTF8.self)
            var viaString = SHA256()
            viaString.update(text)
            if SHA256.hex(text) != viaString.finalize().hexString { differ.append(-length) }
        }
        #expect(differ.isEmpty, "lengths that differ (negative: as a string): \(differ)")
    }

    /// Files are read 1 MiB at a time: sizes at and around the read boundary agree with
    /// Python's hashlib, and a missing file is an error that names it.
    @Test func filesAgreeWithHashlibAcrossReadBoundaries() throws {
        let dir = try TemporaryDirectory("sha-files")
        defer { dir.remove() }
        var rng = SeededRandom(seed: 1 << 20)
        let sizes = [0, 1, (1 << 20) - 1, 1 << 20, (1 << 20) + 1, 3 * (1 << 20) + 12_345]
        var paths: [String] = []
        for size in sizes {
            let path = dir.file("f\(size).bin")
            try Data((0..<size).map { _ in UInt8.random(in: 0...255, using: &rng) }).write(to: URL(fileURLWithPath: path))
            paths.append(path)
        }
        let oracle = try runPython("import hashlib, sys\nfor p in sys.argv[1:]: print(hashlib.sha256(open(p, 'rb').read()).hexdigest())", paths)
        #expect(oracle.status == 0, "\(oracle.stderr)")
        #expect(try paths.map { try SHA256.hex(fileAt: $0) } == oracle.stdout.split(separator: "\n").map(String.init))
        let missing = dir.file("missing.bin")
        #expect { try SHA256.hex(fileAt: missing) } throws: { "\($0)".contains("missing.bin") }
    }
}
