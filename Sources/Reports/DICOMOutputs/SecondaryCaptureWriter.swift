public import DICOM
import Foundation

/// 8-bit RGB pixels, row by row, each pixel R,G,B (what the key-image renderer produces).
public struct RGBImage: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public let pixels: [UInt8]

    public init(width: Int, height: Int, pixels: [UInt8]) {
        self.width = width
        self.height = height
        self.pixels = pixels
    }
}

/// Secondary Capture (PS3.3 A.8.1) of the key image with its heatmap, for PACS viewers that
/// show neither SR regions nor PDFs. One per source image; UIDs derive from it.
public struct SecondaryCaptureWriter: Sendable {
    public static let sopClassUID = "1.2.840.10008.5.1.4.1.1.7"
    public static let fileName = "heatmap-sc.dcm"

    public struct Options: Sendable {
        public var seriesNumber = 9903
        public var seriesDescription = "AI heatmap (secondary capture)"
        /// The overlay carries a legend, not patient identity; say YES if the image shows names.
        public var burnedInAnnotation = false
        public var uidRoot = UIDs.defaultRoot
        public init() {}
    }

    public let options: Options

    public init(options: Options = Options()) { self.options = options }

    public func dataSet(image: RGBImage, keyImage: ReferencedInstance, study: StudyReport, batch: BatchReport) throws -> MutableDataSet {
        let output = "Secondary Capture"
        guard let source = study.source else { throw DICOMOutputError(.missingSource, studyKey: study.studyKey, output: output) }
        guard let created = DICOMDateTime(iso8601: batch.generatedAt) else {
            throw DICOMOutputError(.invalidTimestamp, studyKey: study.studyKey, output: output)
        }
        // Rows and Columns are US; a zero-sized image has no pixels to show.
        guard (1...65535).contains(image.width), (1...65535).contains(image.height) else {
            throw DICOMOutputError(.badImageSize, studyKey: study.studyKey, output: output)
        }
        let expected = image.width * image.height * 3
        guard image.pixels.count == expected else {
            throw DICOMOutputError(.pixelCountMismatch(expected: expected, actual: image.pixels.count),
                                   studyKey: study.studyKey, output: output)
        }
        guard UIDs.isValid(keyImage.sopClassUID), UIDs.isValid(keyImage.sopInstanceUID) else {
            throw DICOMOutputError(.unknownInstance, studyKey: study.studyKey, output: output)
        }
        let uids = DICOMOutputUIDs(studyInstanceUID: study.studyInstanceUID, modelName: study.modelName,
                                   modelVersion: study.modelVersion, root: options.uidRoot)
        var ds = MutableDataSet()
        DICOMOutputModules.sopCommon(sopClass: Self.sopClassUID,
                                     sopInstance: uids.secondaryCaptureInstance(source: keyImage.sopInstanceUID),
                                     created: created, into: &ds)
        DICOMOutputModules.patientAndStudy(source, into: &ds)
        DICOMOutputModules.series(modality: "OT", uid: uids.secondaryCaptureSeries, number: options.seriesNumber,
                                  description: options.seriesDescription, into: &ds)
        // General Series Type 2C: present and empty (unpaired or unknown), as dciodvfy expects.
        ds.set(.laterality, .CS, "")
        DICOMOutputModules.equipment(softwareVersions: [batch.toolVersion, study.modelVersion ?? ""],
                                     modelName: study.modelName, into: &ds)
        ds.set(.conversionType, .CS, "WSD")
        // General Image
        ds.set(.instanceNumber, .IS, ints: [1])
        ds.set(.patientOrientation, .CS, "")
        ds.set(.contentDate, .DA, created.date)
        ds.set(.contentTime, .TM, created.time)
        ds.set(.imageType, .CS, strings: ["DERIVED", "SECONDARY"])
        ds.set(.derivationDescription, .ST, "AI heatmap blended over the windowed source image")
        ds.set(.burnedInAnnotation, .CS, options.burnedInAnnotation ? "YES" : "NO")
        var sourceItem = MutableDataSet()
        sourceItem.set(.referencedSOPClassUID, .UI, keyImage.sopClassUID)
        sourceItem.set(.referencedSOPInstanceUID, .UI, keyImage.sopInstanceUID)
        ds.set(.sourceImageSequence, items: [sourceItem])
        // Image Pixel: RGB 8/8/7, colour-by-pixel.
        ds.set(.samplesPerPixel, .US, ints: [3])
        ds.set(.photometricInterpretation, .CS, "RGB")
        ds.set(.planarConfiguration, .US, ints: [0])
        ds.set(.rows, .US, ints: [image.height])
        ds.set(.columns, .US, ints: [image.width])
        ds.set(.bitsAllocated, .US, ints: [8])
        ds.set(.bitsStored, .US, ints: [8])
        ds.set(.highBit, .US, ints: [7])
        ds.set(.pixelRepresentation, .US, ints: [0])
        ds.set(.pixelData, .OB, bytes: image.pixels)
        DICOMOutputModules.declareCharacterSet(&ds)
        return ds
    }

    /// `studies/<key>/heatmap-sc.dcm` in Part 10 form.
    public func render(image: RGBImage, keyImage: ReferencedInstance, study: StudyReport, batch: BatchReport) throws -> RenderedFile {
        let bytes = try DICOMWriter.encode(try dataSet(image: image, keyImage: keyImage, study: study, batch: batch))
        return RenderedFile(name: ReportPaths.studyFolder(study.studyKey) + "/" + Self.fileName, data: Data(bytes))
    }
}

/// Renderer adapter: `keyImage` (the PNG/key-image code) gives the blended pixels and the
/// source instance they show, or nil when the study has no key image.
public struct SecondaryCaptureRenderer: Renderer {
    public typealias KeyImageSource = @Sendable (StudyReport, BatchReport) throws -> (RGBImage, ReferencedInstance)?
    public let format = RenderFormat.secondaryCapture
    public let keyImage: KeyImageSource
    public let writer: SecondaryCaptureWriter

    public init(options: SecondaryCaptureWriter.Options = .init(), keyImage: @escaping KeyImageSource) {
        self.keyImage = keyImage
        writer = SecondaryCaptureWriter(options: options)
    }

    public func render(study: StudyReport, batch: BatchReport) throws -> [RenderedFile] {
        guard let (image, instance) = try keyImage(study, batch) else { return [] }
        return [try writer.render(image: image, keyImage: instance, study: study, batch: batch)]
    }
}
