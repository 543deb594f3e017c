import Foundation
import Testing
import TestSupport
@testable import DICOM

/// Header-only reads (`stopBeforePixels`, `open(head:)`): parsed from one pread of the file's
/// start, a larger read when private groups push the pixel data further, the whole file mapped
/// as the last resort — always the same elements as a full parse, and the pixel data element's
/// header reported without reading its value.
@Suite struct HeaderOnlyReadTests {
    /// A CT image whose pixel data starts after `padding` bytes of a private OB element.
    static func image(padding: Int, rows: Int = 64, columns: Int = 64) -> MutableDataSet {
        var ds = Fixtures.ctImage(rows: rows, columns: columns)
        ds.set(Tag(0x0029, 0x0010), .LO, "SLUICE TEST")
        ds.set(Tag(0x0029, 0x1010), .OB, bytes: (0..<padding).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        return ds
    }

    // Headers ending within the first read, within the larger second read, and beyond both.
    @Test(arguments: [0, 20_000, 300_000], [TransferSyntax.explicitVRLittleEndian, .implicitVRLittleEndian])
    func headerParseAgreesWithFullParse(padding: Int, syntax: TransferSyntax) throws {
        let dir = try TemporaryDirectory("dicom-head")
        defer { dir.remove() }
        let path = dir.file("ct.dcm")
        try DICOMWriter.write(Self.image(padding: padding), to: path, transferSyntax: syntax)
        let full = try DICOMFile.open(path: path)
        let head = try DICOMFile.open(path: path, stopBeforePixels: true)
        #expect(head.pixelData == nil && full.skippedPixelData == nil)
        #expect(head.dataSet.tags == full.dataSet.tags.filter { $0 != .pixelData })
        #expect(head.dataSet.bytes(Tag(0x0029, 0x1010))?.count == padding)
        #expect(head.dataSet.doubles(.imagePositionPatient) == [-125.5, -130.25, 42.125])
        let element = try #require(full.dataSet.element(.pixelData))
        let skipped = try #require(head.skippedPixelData)
        #expect(skipped.tag == .pixelData && skipped.vr == .OW && !skipped.isEncapsulated)
        #expect(skipped.offset == element.offset && skipped.valueStart == element.valueRange.lowerBound)
        #expect(Int(skipped.length) == 64 * 64 * 2 && skipped.available == Int(skipped.length))
        #expect(skipped.truncation(file: path) == nil)
    }

    @Test(arguments: [0, 20_000])
    func truncatedPixelDataIsReportedAsAFullParseWouldReportIt(padding: Int) throws {
        let dir = try TemporaryDirectory("dicom-head")
        defer { dir.remove() }
        let path = dir.file("cut.dcm")
        let bytes = try DICOMWriter.encode(Self.image(padding: padding, rows: 128, columns: 128))
        try Data(bytes.dropLast(1000)).write(to: URL(fileURLWithPath: path))

        let head = try DICOMFile.open(path: path, stopBeforePixels: true)
        let skipped = try #require(head.skippedPixelData)
        let problem = try #require(skipped.truncation(file: path))
        let pixelBytes = 128 * 128 * 2
        let expected = DICOMParseError.Code.lengthExceedsRemaining(length: UInt32(pixelBytes), remaining: pixelBytes - 1000)
        #expect(problem.code == expected)
        #expect(problem.tag == .pixelData && problem.offset == skipped.offset && problem.file == path)
        do {
            _ = try DICOMFile.open(path: path)
            Issue.record("a full parse of a truncated file must fail")
        } catch let error as DICOMParseError {
            #expect(error.code == problem.code && error.offset == problem.offset && error.tag == problem.tag)
        }
    }

    @Test func encapsulatedPixelDataIsMarkedNotWalked() throws {
        let dir = try TemporaryDirectory("dicom-head")
        defer { dir.remove() }
        let path = dir.file("rle.dcm")
        var ds = Self.image(padding: 20_000)
        ds.setEncapsulatedPixelData(fragments: [[1, 2, 3, 4], [5, 6]], offsetTable: nil)
        try DICOMWriter.write(ds, to: path, transferSyntax: .rleLossless)
        let head = try DICOMFile.open(path: path, stopBeforePixels: true)
        let skipped = try #require(head.skippedPixelData)
        #expect(skipped.isEncapsulated && skipped.vr == .OB && skipped.truncation(file: path) == nil)
        guard case .encapsulated(_, let fragments)? = try DICOMFile.open(path: path).pixelData else {
            Issue.record("full parse lost the fragments"); return
        }
        #expect(fragments.count == 2)
    }

    @Test func headOfAShortFileIsTheWholeFile() throws {
        let dir = try TemporaryDirectory("dicom-head")
        defer { dir.remove() }
        let path = dir.file("small.dcm")
        try DICOMWriter.write(Fixtures.ctImage(rows: 4, columns: 4), to: path)
        let head = try FileHead.read(path: path)
        let size = try #require(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
        #expect(head.isWholeFile && head.size == size)
        #expect(head.prefix(132)[128..<132].elementsEqual("DICM".utf8))
        #expect(try DICOMFile.open(head: head).dataSet.string(.patientID) == "PAT001")

        // The size and time are the open file's: what a scan reports without a stat of its own.
        var st = stat()
        #expect(lstat(path, &st) == 0 && head.modified.tv_sec == st.st_mtim.tv_sec && head.modified.tv_nsec == st.st_mtim.tv_nsec)
        let big = dir.file("big.dcm")
        try DICOMWriter.write(HeaderOnlyReadTests.image(padding: 20_000), to: big)
        let bigSize = try #require(try FileManager.default.attributesOfItem(atPath: big)[.size] as? Int)
        let bigHead = try FileHead.read(path: big)
        #expect(!bigHead.isWholeFile && bigHead.size == bigSize && bigHead.prefix(1 << 20).count == FileHead.defaultLength)

        let empty = dir.file("empty.dcm")
        _ = FileManager.default.createFile(atPath: empty, contents: nil)
        #expect(throws: DICOMParseError.self) { try DICOMFile.open(head: FileHead.read(path: empty)) }
        #expect(throws: DICOMParseError.self) { try FileHead.read(path: dir.file("missing.dcm")) }
    }

    /// Decimal and integer strings are parsed on bytes where that is exact; every value must
    /// come out as Swift's own (correctly rounded) parser gives it.
    @Test func numericStringsMatchSwiftsParser() throws {
        var rng = SeededRandom(seed: 7)
        var samples = ["0", "-0", "+1", "1.", ".5", "-.5", "1e5", "1E-5", "2.5e+3", "12345678901234567", "9007199254740993",
                       "0.1", "0.30000000000000004", "1e22", "1e23", "1e-22", "1e-23", "123456789012345678901234", "00001.2500",
                       "1.7976931348623157e308", "4.9e-324", "nan", "inf", "-infinity", "0x1p3", "1e", "e5", "1.2.3", "--1", "+",
                       "", " ", "1 2", "3.14159265358979323846"]
        for _ in 0..<3000 {
            let intDigits = Int(rng.next() % 12), fracDigits = Int(rng.next() % 12)
            var s = rng.next() % 3 == 0 ? "-" : ""
            s += String((0..<intDigits).map { _ in Character(String(rng.next() % 10)) })
            if fracDigits > 0 || rng.next() % 2 == 0 { s += "." + String((0..<fracDigits).map { _ in Character(String(rng.next() % 10)) }) }
            if rng.next() % 3 == 0 { s += "e" + (rng.next() % 2 == 0 ? "-" : "") + String(rng.next() % 40) }
            samples.append(s)
        }
        for chunk in stride(from: 0, to: samples.count, by: 5).map({ Array(samples[$0..<min($0 + 5, samples.count)]) }) {
            // Padded as writers pad DS and IS: leading and trailing spaces around each value.
            let text = chunk.map { " " + $0 + "  " }.joined(separator: "\\")
            var ds = MutableDataSet()
            ds.set(.sliceThickness, .DS, text)
            ds.set(.acquisitionNumber, .IS, text)
            let file = try DICOMFile.parse(bytes: DICOMWriter.encode(ds, includeMeta: false), name: "numbers.dcm")
            let values = text.split(separator: "\\", omittingEmptySubsequences: false)
                .map { $0.trimmingCharacters(in: .init(charactersIn: " \0")) }
            let expectedDoubles = values.compactMap { Double($0) }
            let gotDoubles = file.dataSet.doubles(.sliceThickness)
            #expect(gotDoubles.count == expectedDoubles.count)
            for (g, e) in zip(gotDoubles, expectedDoubles) where g.bitPattern != e.bitPattern && !(g.isNaN && e.isNaN) {
                Issue.record("DS \(text): \(g) where Swift reads \(e)")
            }
            let expectedInts = values.compactMap { v -> Int? in
                if let i = Int(v) { return i }
                guard let d = Double(v), d.isFinite, d == d.rounded(.towardZero), abs(d) < 9.2e18 else { return nil }
                return Int(d)
            }
            #expect(file.dataSet.ints(.acquisitionNumber) == expectedInts, "IS \(text)")
            #expect(file.dataSet.strings(.sliceThickness) == values)
            #expect(file.dataSet.string(.sliceThickness) == values.first)
        }
    }

    /// A large file read header-only takes the prefix path; it must give exactly the full parse's elements.
    @Test func prefixReadMatchesFullParse() throws {
        let dir = try TemporaryDirectory("dicom-prefix")
        defer { dir.remove() }
        var ds = Fixtures.ctImage(rows: 256, columns: 256)
        // A header past the first head read takes the second, larger one.
        var big = ds
        big.set(.imageComments, .LT, String(repeating: "x", count: 40_000))
        for (name, d) in [("small-header.dcm", ds), ("big-header.dcm", big)] {
            let path = dir.file(name)
            try DICOMWriter.write(d, to: path)
            let head = try DICOMFile.open(path: path, stopBeforePixels: true)
            let full = try DICOMFile.open(path: path)
            #expect(head.dataSet.tags == full.dataSet.tags.filter { $0 != .pixelData }, "\(name)")
            #expect(try DICOMJSON.encode(head.dataSet) + "" != "")
            #expect(head.dataSet.string(.imageComments) == full.dataSet.string(.imageComments))
            #expect(head.pixelData == nil && full.pixelData != nil)
        }
        ds.remove(.pixelData)
        // Without pixel data the prefix never reaches (7FE0,0010); the fallback must still read it all.
        ds.set(.textValue, .UT, String(repeating: "y", count: 70_000))
        let path = dir.file("no-pixels.dcm")
        try DICOMWriter.write(ds, to: path)
        let head = try DICOMFile.open(path: path, stopBeforePixels: true)
        #expect(head.dataSet.string(.textValue)?.count == 70_000)
    }
}
