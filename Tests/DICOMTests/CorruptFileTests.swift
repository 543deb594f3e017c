import Foundation
import Testing
import TestSupport
@testable import DICOM

/// Broken input must end in a DICOMParseError naming file, tag and offset — never a crash,
/// a hang or a huge allocation.
@Suite struct CorruptFileTests {
    func parseError(_ bytes: [UInt8], _ name: String) -> DICOMParseError? {
        do {
            _ = try DICOMFile.parse(bytes: bytes, name: name)
            return nil
        } catch let e as DICOMParseError {
            return e
        } catch {
            return nil
        }
    }

    func ct() throws -> [UInt8] { try DICOMWriter.encode(Fixtures.ctImage()) }

    /// Offset of an element's tag in explicit VR LE bytes (first match after the preamble).
    func offset(of tag: DICOM.Tag, in bytes: [UInt8]) -> Int {
        let pattern: [UInt8] = [UInt8(tag.group & 0xFF), UInt8(tag.group >> 8), UInt8(tag.element & 0xFF), UInt8(tag.element >> 8)]
        for i in 132..<(bytes.count - 4) where Array(bytes[i..<(i + 4)]) == pattern { return i }
        return -1
    }

    @Test func truncatedFile() throws {
        let bytes = try ct()
        let cut = Array(bytes.prefix(bytes.count - 100))
        let e = try #require(parseError(cut, "truncated.dcm"))
        let at = offset(of: .pixelData, in: bytes)
        #expect(e.tag == .pixelData && e.offset == at)
        #expect(e.code == .lengthExceedsRemaining(length: 512, remaining: 412))
        #expect(e.description == "truncated.dcm: value length 512 exceeds remaining 412 bytes at offset \(at) in (7FE0,0010)")
        // Cut inside an element header too.
        let at2 = offset(of: .patientName, in: bytes)
        let e2 = try #require(parseError(Array(bytes.prefix(at2 + 9)), "cut.dcm"))
        #expect(e2.tag == .patientName && e2.offset == at2)
    }

    @Test func lengthPastTheEnd() throws {
        var bytes = try ct()
        let at = offset(of: .studyDate, in: bytes)
        bytes[at + 6] = 0xF0; bytes[at + 7] = 0xFF   // DA length 65520
        let e = try #require(parseError(bytes, "long.dcm"))
        #expect(e.tag == .studyDate && e.offset == at)
        #expect(e.description.contains("long.dcm") && e.description.contains("(0008,0020)") && e.description.contains("offset \(at)"))
    }

    @Test func fourGigabyteLength() throws {
        var bytes = try ct()
        let at = offset(of: .pixelData, in: bytes)
        for k in 0..<4 { bytes[at + 8 + k] = k == 0 ? 0xFE : 0xFF }   // OW length 0xFFFFFFFE
        let e = try #require(parseError(bytes, "huge.dcm"))
        #expect(e.code == .lengthExceedsRemaining(length: 0xFFFF_FFFE, remaining: 512))
        #expect(e.description.hasPrefix("huge.dcm: value length 4294967294 exceeds remaining 512 bytes at offset \(at) in (7FE0,0010)"))
        // The same length on a sequence item.
        var seq = try ct()
        let sq = offset(of: .anatomicRegionSequence, in: seq)
        for k in 0..<4 { seq[sq + 16 + k] = k == 0 ? 0xFE : 0xFF }
        let e2 = try #require(parseError(seq, "item.dcm"))
        #expect(e2.tag == .anatomicRegionSequence && e2.offset == sq + 12)
    }

    @Test func twentyThousandNestedSequences() throws {
        var body: [UInt8] = []
        let sq: [UInt8] = [0x08, 0x00, 0x15, 0x11, 0x53, 0x51, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF]  // (0008,1115) SQ u/l
        let item: [UInt8] = [0xFE, 0xFF, 0x00, 0xE0, 0xFF, 0xFF, 0xFF, 0xFF]
        for _ in 0..<20_000 { body += sq + item }
        for _ in 0..<20_000 { body += [0xFE, 0xFF, 0x0D, 0xE0, 0, 0, 0, 0, 0xFE, 0xFF, 0xDD, 0xE0, 0, 0, 0, 0] }
        var meta = MutableDataSet()
        meta.set(.sopClassUID, .UI, "1.2.3")
        let header = try DICOMWriter.encode(meta)
        let bytes = header + body
        let e = try #require(parseError(bytes, "deep.dcm"))
        #expect(e.code == .nestingTooDeep(limit: DataSetParser.maxDepth))
        #expect(e.tag == Tag(0x0008, 0x1115) && e.offset > header.count)
        #expect(e.description.contains("deep.dcm") && e.description.contains("in (0008,1115)"))
    }

    @Test func brokenDeflateStream() throws {
        var bytes = try DICOMWriter.encode(Fixtures.ctImage(), transferSyntax: .deflatedExplicitVRLittleEndian)
        let file = try DICOMFile.parse(bytes: bytes, name: "ok.dcm")
        let bodyStart = 132 + 12 + Int(try #require(file.meta?.int(Tag(0x0002, 0x0000))))
        for i in (bodyStart + 20)..<(bodyStart + 60) { bytes[i] ^= 0x5A }
        let e = try #require(parseError(bytes, "deflate.dcm"))
        guard case .inflateFailed = e.code else { Issue.record("\(e)"); return }
        #expect(e.offset >= bodyStart && e.offset <= bytes.count)
        // A stream cut short.
        let good = try DICOMWriter.encode(Fixtures.ctImage(), transferSyntax: .deflatedExplicitVRLittleEndian)
        let short = try #require(parseError(Array(good.prefix(bodyStart + 40)), "short.dcm"))
        guard case .inflateFailed = short.code else { Issue.record("\(short)"); return }
    }

    @Test func garbageAfterMagic() throws {
        var rng = SeededRandom(seed: 7)
        for round in 0..<50 {
            var bytes = [UInt8](repeating: 0, count: 128) + Array("DICM".utf8)
            bytes += (0..<(200 + round * 17)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let e = try #require(parseError(bytes, "garbage.dcm"), "round \(round)")
            #expect(e.offset >= 132 && e.file == "garbage.dcm")
            #expect(e.tag != nil)
        }
    }

    @Test func notDicomAndEmpty() throws {
        #expect(parseError(Array("hello, this is not a DICOM file at all\n".utf8), "x.txt")?.code == .notDICOM)
        #expect(parseError([], "empty.dcm")?.code == .emptyFile)
        #expect(throws: DICOMParseError.self) { try DICOMFile.open(path: "/nonexistent/file.dcm") }
    }
}

@Suite struct MutationTests {
    /// Every prefix of a valid file (in each syntax) parses or throws DICOMParseError, and any
    /// error points inside the input.
    @Test(arguments: ReaderTests.writable + [.rleLossless])
    func everyTruncationPointFailsCleanly(_ ts: TransferSyntax) throws {
        var ds = Fixtures.ctImage(rows: 2, columns: 2)
        if ts.isEncapsulated { ds.setEncapsulatedPixelData(fragments: [[1, 2, 3, 4, 5]], offsetTable: [0]) }
        let bytes = try DICOMWriter.encode(ds, transferSyntax: ts)
        var failures = 0
        for n in 1..<bytes.count {
            do {
                _ = try DICOMFile.parse(bytes: Array(bytes.prefix(n)), name: "cut.dcm")
            } catch let e as DICOMParseError {
                failures += 1
                #expect(e.offset >= 0 && e.offset <= max(n, 132 + 4096), "\(n): \(e)")
                #expect(e.description.hasPrefix("cut.dcm: "))
            }
        }
        // Only cuts at element boundaries of the top level may parse; most must fail.
        #expect(failures > bytes.count / 2)
    }

    /// Seeded random byte flips: never a crash, never anything but DICOMParseError.
    @Test func randomCorruptionThrowsOnlyParseErrors() throws {
        let sources = try [TransferSyntax.explicitVRLittleEndian, .implicitVRLittleEndian, .explicitVRBigEndian, .deflatedExplicitVRLittleEndian]
            .map { try DICOMWriter.encode(Fixtures.ctImage(rows: 2, columns: 2), transferSyntax: $0) }
        var rng = SeededRandom(seed: 42)
        for round in 0..<3000 {
            var bytes = sources[round % sources.count]
            for _ in 0..<Int.random(in: 1...8, using: &rng) {
                let i = Int.random(in: 128..<bytes.count, using: &rng)
                bytes[i] = UInt8.random(in: 0...255, using: &rng)
            }
            do {
                let file = try DICOMFile.parse(bytes: bytes, name: "flip.dcm")
                _ = try DICOMJSON.encode(file.dataSet)
                _ = DICOMDump.render(file)
            } catch is DICOMParseError {
            }
        }
    }
}
