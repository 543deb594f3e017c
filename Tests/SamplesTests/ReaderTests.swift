import DICOM
import Foundation
import Samples
import TestSupport
import Testing

/// Sluice's own reader, as the pipeline will use it, on the folder batches (explicit, implicit
/// and RLE files): every good file parses with the stated attributes, every bad one fails or
/// lacks what ground truth says.
@Suite struct ReaderTests {
    @Test func ourReaderSeesWhatGroundTruthSays() throws {
        let drop = try SampleFixture.drop()
        var checked = 0
        for study in drop.truth.studies where !study.batch.hasSuffix(".zip") {
            for file in study.files {
                let dicom = try DICOMFile.open(path: "\(drop.inbox)/\(study.batch)/\(file)", stopBeforePixels: false)
                let ds = dicom.dataSet
                #expect(ds.string(.studyInstanceUID) == study.studyInstanceUID)
                #expect(ds.string(.seriesInstanceUID) == study.seriesInstanceUID)
                #expect(ds.string(.accessionNumber) == study.accessionNumber)
                #expect(ds.string(.patientID) == study.patientID)
                #expect(ds.string(.modality) == study.modality)
                #expect(ds.int(.rows) == study.rows)
                #expect(ds.string(.photometricInterpretation) == study.photometricInterpretation)
                #expect(dicom.transferSyntax.uid == study.transferSyntax)
                switch dicom.pixelData {
                case .native(let range)?: #expect(range.count == study.rows * study.columns * 2)
                case .encapsulated(_, let fragments)?:
                    #expect(fragments.count == 1 && dicom.transferSyntax.isEncapsulated)
                    // Compressed the lossless way: the frame decodes to what the phantom drew (same modality LUT input range).
                    #expect(try dicom.decodeFrame(0).samples.count == study.rows * study.columns)
                case nil: Issue.record("\(file): no Pixel Data")
                }
                checked += 1
            }
        }
        #expect(checked > 30)
    }

    @Test func badFilesAreBadForOurReaderToo() throws {
        let drop = try SampleFixture.drop()
        for bad in drop.truth.badFiles {
            let path = "\(drop.inbox)/\(bad.batch)/\(bad.path)"
            switch bad.reason {
            case "truncated", "not-dicom":
                // Even a header-only read (what validation does first) must refuse them.
                #expect(throws: DICOMParseError.self, "\(bad.path)") {
                    _ = try DICOMFile.open(path: path, stopBeforePixels: true)
                }
            case "missing-attribute":
                let ds = try DICOMFile.open(path: path).dataSet
                let tag = try #require(DataDictionary.entry(forKeyword: bad.missingAttribute ?? "")?.tag)
                #expect(!ds.contains(tag))
                #expect(ds.contains(.sopInstanceUID) && ds.contains(.pixelData))
            default:
                Issue.record("unknown reason \(bad.reason)")
            }
        }
    }
}
