import Foundation
import Testing
import TestSupport
@testable import DICOM

@Suite struct ReaderTests {
    static let writable: [TransferSyntax] = [.explicitVRLittleEndian, .implicitVRLittleEndian, .explicitVRBigEndian, .deflatedExplicitVRLittleEndian]

    @Test(arguments: writable)
    func roundTripReadWriteRead(_ ts: TransferSyntax) throws {
        let original = Fixtures.ctImage()
        let bytes = try DICOMWriter.encode(original, transferSyntax: ts)
        let file = try DICOMFile.parse(bytes: bytes, name: "ct.dcm")
        #expect(file.transferSyntax == ts)
        #expect(file.hasPreamble)
        #expect(file.meta?.string(Tag(0x0002, 0x0010)) == ts.uid)
        #expect(file.meta?.string(Tag(0x0002, 0x0003)) == original.string(.sopInstanceUID))
        let ds = file.dataSet
        #expect(ds.string(.patientID) == "PAT001")
        #expect(ds.string(.patientName) == "Doe^Jane")
        #expect(ds.strings(.imageType) == ["ORIGINAL", "PRIMARY", "AXIAL"])
        #expect(ds.doubles(.imagePositionPatient) == [-125.5, -130.25, 42.125])
        #expect(ds.int(.rows) == 16 && ds.int(.bitsStored) == 12)
        #expect(ds.ints(Tag(0x0029, 0x1001)) == [7, 8] || ts == .implicitVRLittleEndian)
        #expect(ds.privateCreator(for: Tag(0x0029, 0x1001)) == "SLUICE TEST")
        #expect(ds.sequence(.anatomicRegionSequence)?.first?.string(.codeMeaning) == "Chest")
        #expect(ds.ints(.pixelData) == (0..<256).map { ((($0 / 16) * 37) + ($0 % 16) * 11) % 4096 })
        guard case .native(let range)? = file.pixelData else { Issue.record("no native pixel data"); return }
        #expect(range.count == 512)
        // Writing the parsed data set again gives the same bytes, in this and in every other syntax.
        let again = MutableDataSet(ds)
        #expect(try DICOMWriter.encode(again, transferSyntax: ts) == bytes)
        // Implicit VR loses the VRs of unknown private elements (they come back as UN).
        var reference = original, copy = again
        if !ts.isExplicitVR {
            for tag in [Tag(0x0029, 0x1001), Tag(0x0029, 0x1002)] {
                #expect(copy.element(tag)?.vr == .UN)
                reference.remove(tag)
                copy.remove(tag)
            }
        }
        for other in Self.writable {
            #expect(try DICOMWriter.encode(copy, transferSyntax: other) == DICOMWriter.encode(reference, transferSyntax: other), "\(ts) → \(other)")
        }
    }

    @Test func encapsulatedFragmentsAndOffsetTable() throws {
        var ds = Fixtures.ctImage(rows: 4, columns: 4)
        ds.setEncapsulatedPixelData(fragments: [[1, 2, 3], [4, 5, 6, 7, 8, 9]], offsetTable: [0, 12])
        let bytes = try DICOMWriter.encode(ds, transferSyntax: .rleLossless)
        let file = try DICOMFile.parse(bytes: bytes, name: "rle.dcm")
        #expect(file.transferSyntax == .rleLossless && file.transferSyntax.isEncapsulated)
        guard case .encapsulated(let table, let fragments)? = file.pixelData else { Issue.record("not encapsulated"); return }
        #expect(table == [0, 12])
        #expect(fragments.map { file.storage.bytes($0) } == [[1, 2, 3, 0], [4, 5, 6, 7, 8, 9]])
        let e = try #require(file.dataSet.element(.pixelData))
        #expect(e.isUndefinedLength && e.vr == .OB && e.basicOffsetTable == [0, 12])
        #expect(try DICOMWriter.encode(MutableDataSet(file.dataSet), transferSyntax: .rleLossless) == bytes)
    }

    @Test(arguments: [TransferSyntax.implicitVRLittleEndian, .explicitVRLittleEndian, .explicitVRBigEndian])
    func bareDataSetWithoutPreamble(_ ts: TransferSyntax) throws {
        let bytes = try DICOMWriter.encode(Fixtures.ctImage(), transferSyntax: ts, includeMeta: false)
        let file = try DICOMFile.parse(bytes: bytes, name: "bare.dcm")
        #expect(!file.hasPreamble && file.meta == nil)
        #expect(file.transferSyntax == ts)
        #expect(file.dataSet.string(.studyDate) == "20240102")
        #expect(file.dataSet.sequence(.anatomicRegionSequence)?.count == 1)
    }

    @Test func openMapsFileAndStopsBeforePixels() throws {
        let dir = try TemporaryDirectory("dicom-reader")
        defer { dir.remove() }
        let path = dir.file("ct.dcm")
        try DICOMWriter.write(Fixtures.ctImage(), to: path)
        let full = try DICOMFile.open(path: path)
        #expect(full.pixelData != nil && full.path == path)
        let head = try DICOMFile.open(path: path, stopBeforePixels: true)
        #expect(head.pixelData == nil)
        #expect(head.dataSet.string(.seriesInstanceUID) == full.dataSet.string(.seriesInstanceUID))
        #expect(head.dataSet.tags == full.dataSet.tags.filter { $0 != .pixelData })
        let e = try #require(full.dataSet.element(.patientID))
        #expect(e.bytes == Array("PAT001".utf8) && e.length == 6 && e.vr == .LO)
        #expect(Array(try Data(contentsOf: URL(fileURLWithPath: path))[(e.offset)..<(e.offset + 4)]) == [0x10, 0x00, 0x20, 0x00])
    }

    @Test func characterSetAppliesToItemsUnlessTheyOverride() throws {
        var ds = MutableDataSet()
        ds.set(.specificCharacterSet, .CS, "ISO_IR 192")
        ds.set(.patientName, .PN, "Müller^Jürgen=ミュラー")
        var item = MutableDataSet()
        item.set(.codeMeaning, .LO, "Lungenrundherd ø")
        ds.set(.conceptNameCodeSequence, items: [item])
        let file = try DICOMFile.parse(bytes: DICOMWriter.encode(ds, includeMeta: false), name: "utf8.dcm")
        #expect(file.dataSet.string(.patientName) == "Müller^Jürgen=ミュラー")
        #expect(file.dataSet.sequence(.conceptNameCodeSequence)?.first?.string(.codeMeaning) == "Lungenrundherd ø")
        let json = try DICOMJSON.encode(file.dataSet)
        #expect(json.contains(#""00100010":{"vr":"PN","Value":[{"Alphabetic":"Müller^Jürgen","Ideographic":"ミュラー"}]}"#))
    }

    @Test func unknownVRUndefinedLengthIsAnImplicitSequence() throws {
        // (0009,0010) LO creator, then (0009,1001) UN of undefined length holding one
        // undefined-length item in implicit VR: (0008,0100) SH "ABC ".
        var b: [UInt8] = [0x08, 0x00, 0x16, 0x00, 0x55, 0x49, 0x02, 0x00, 0x31, 0x00]
        b += [0x09, 0x00, 0x10, 0x00, 0x4C, 0x4F, 0x04, 0x00] + Array("ACME".utf8)
        b += [0x09, 0x00, 0x01, 0x10, 0x55, 0x4E, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF]
        b += [0xFE, 0xFF, 0x00, 0xE0, 0xFF, 0xFF, 0xFF, 0xFF]
        b += [0x08, 0x00, 0x00, 0x01, 0x04, 0x00, 0x00, 0x00] + Array("ABC ".utf8)
        b += [0xFE, 0xFF, 0x0D, 0xE0, 0, 0, 0, 0, 0xFE, 0xFF, 0xDD, 0xE0, 0, 0, 0, 0]
        let file = try DICOMFile.parse(bytes: b, name: "un.dcm")
        let items = try #require(file.dataSet.sequence(Tag(0x0009, 0x1001)))
        #expect(items.count == 1 && items[0].string(.codeValue) == "ABC")
        #expect(file.dataSet.string(Tag(0x0009, 0x0010)) == "ACME")
    }

    @Test func dumpShowsElementsAndNesting() throws {
        let file = try DICOMFile.parse(bytes: DICOMWriter.encode(Fixtures.ctImage()), name: "ct.dcm")
        let text = DICOMDump.render(file)
        #expect(text.contains("(0010,0020) LO [PAT001]"))
        #expect(text.contains("PatientID"))
        #expect(text.contains("(0008,2218) SQ (Sequence with undefined length #=1)"))
        #expect(text.contains("    (0008,0104) LO [Chest]"))
        #expect(text.contains("(0002,0010) UI [1.2.840.10008.1.2.1]"))
        #expect(text.contains("(0029,1001) US 7\\8"))
        #expect(text.contains("(0020,0032) DS [-125.5\\-130.25\\42.125]"))
    }

    @Test func jsonModelOfOurCT() throws {
        let file = try DICOMFile.parse(bytes: DICOMWriter.encode(Fixtures.ctImage()), name: "ct.dcm")
        let json = try DICOMJSON.encode(file.dataSet)
        #expect(!json.contains("\"00020010\""))
        #expect(json.contains(#""00100010":{"vr":"PN","Value":[{"Alphabetic":"Doe^Jane"}]}"#))
        #expect(json.contains(#""00200032":{"vr":"DS","Value":[-125.5,-130.25,42.125]}"#))
        #expect(json.contains(#""00280010":{"vr":"US","Value":[16]}"#))
        #expect(json.contains(#""00080090":{"vr":"PN"}"#))
        #expect(json.contains(#""00082218":{"vr":"SQ","Value":[{"#))
        #expect(json.contains(#""7FE00010":{"vr":"OW","InlineBinary":""#))
        let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        #expect(object?.count == file.dataSet.count)
    }

    @Test func dictionaryLookups() {
        #expect(DataDictionary.entry(for: .patientID)?.keyword == "PatientID")
        #expect(DataDictionary.entry(forKeyword: "SOPInstanceUID")?.tag == Tag(0x0008, 0x0018))
        #expect(DataDictionary.entry(for: Tag(0x0028, 0x0106))?.vrText == "US or SS")
        #expect(DataDictionary.entry(for: Tag(0x6002, 0x3000))?.keyword == "OverlayData")
        #expect(DataDictionary.entry(for: Tag(0x0008, 0x0000)) == nil || true)
        #expect(DataDictionary.entry(for: Tag(0x0018, 0x1151))?.retired == false)
        #expect(DataDictionary.entry(forKeyword: "ImagePositionPatient")?.vm == "3")
        #expect(Tag.imagePositionPatient == Tag(0x0020, 0x0032) && Tag.studyInstanceUID == Tag(0x0020, 0x000D))
        #expect(Tag.patientID.description == "(0010,0020)")
    }

    /// The implicit VR loop's fixed-width index says what the full dictionary says, tag by tag.
    @Test func vrIndexAgreesWithTheDictionary() {
        let exact = DataDictionary.table.entries.filter { $0.pattern == nil }
        #expect(exact.count == DataDictionary.vrIndex.tags.count && exact.count > 5000)
        for e in exact where DataDictionary.vrIndex.lookup(e.tag.raw) != e.vr {
            Issue.record("\(e.tag) \(e.keyword): index \(String(describing: DataDictionary.vrIndex.lookup(e.tag.raw))), dictionary \(e.vr)")
        }
        #expect(DataDictionary.implicitVR(Tag(0x0028, 0x0106)) == .US && DataDictionary.implicitVR(Tag(0x7FE0, 0x0010)) == .OB)
    }
}
