public import DICOM
public import Foundation

/// Encapsulated PDF (PS3.3 A.45.1) of a study's PDF report, so PACS users see the report
/// beside the images. The PDF bytes come from the PDF renderer; this type only wraps them.
public struct EncapsulatedPDFWriter: Sendable {
    public static let sopClassUID = "1.2.840.10008.5.1.4.1.1.104.1"
    public static let fileName = "report-pdf.dcm"

    public struct Options: Sendable {
        public var seriesNumber = 9902
        public var seriesDescription = "AI findings (PDF)"
        public var documentTitle = "AI findings report"
        /// The PDF shows the patient ID, so it identifies the patient (Burned In Annotation).
        public var burnedInAnnotation = true
        /// List the SR in Source Instance Sequence (turn off when no SR is written).
        public var referencesSR = true
        public var uidRoot = UIDs.defaultRoot
        public init() {}
    }

    public let options: Options

    public init(options: Options = Options()) { self.options = options }

    public func dataSet(pdf: Data, study: StudyReport, batch: BatchReport) throws -> MutableDataSet {
        let output = "Encapsulated PDF"
        guard let source = study.source else { throw DICOMOutputError(.missingSource, studyKey: study.studyKey, output: output) }
        guard let created = DICOMDateTime(iso8601: batch.generatedAt) else {
            throw DICOMOutputError(.invalidTimestamp, studyKey: study.studyKey, output: output)
        }
        guard !pdf.isEmpty else { throw DICOMOutputError(.emptyDocument, studyKey: study.studyKey, output: output) }
        let uids = DICOMOutputUIDs(studyInstanceUID: study.studyInstanceUID, modelName: study.modelName,
                                   modelVersion: study.modelVersion, root: options.uidRoot)
        var ds = MutableDataSet()
        DICOMOutputModules.sopCommon(sopClass: Self.sopClassUID, sopInstance: uids.pdfInstance, created: created, into: &ds)
        DICOMOutputModules.patientAndStudy(source, into: &ds)
        DICOMOutputModules.series(modality: "DOC", uid: uids.pdfSeries, number: options.seriesNumber,
                                  description: options.seriesDescription, into: &ds)
        DICOMOutputModules.equipment(softwareVersions: [batch.toolVersion, study.modelVersion ?? ""],
                                     modelName: study.modelName, into: &ds)
        // SC Equipment: a workstation made it.
        ds.set(.conversionType, .CS, "WSD")
        // Encapsulated Document module
        ds.set(.instanceNumber, .IS, ints: [1])
        ds.set(.contentDate, .DA, created.date)
        ds.set(.contentTime, .TM, created.time)
        ds.set(.acquisitionDateTime, .DT, created.dateTime)
        ds.set(.burnedInAnnotation, .CS, options.burnedInAnnotation ? "YES" : "NO")
        ds.set(.documentTitle, .ST, options.documentTitle)
        ds.set(.conceptNameCodeSequence, items: [CodedConcept.diagnosticImagingReport.item])
        ds.set(.mimeTypeOfEncapsulatedDocument, .LO, "application/pdf")
        ds.set(.encapsulatedDocument, .OB, bytes: [UInt8](pdf))
        // The true length, since the OB value is padded to even length.
        ds.set(.encapsulatedDocumentLength, .UL, ints: [pdf.count])
        if options.referencesSR {
            var sr = MutableDataSet()
            sr.set(.referencedSOPClassUID, .UI, SRRenderer.sopClassUID)
            sr.set(.referencedSOPInstanceUID, .UI, uids.srInstance)
            ds.set(.sourceInstanceSequence, items: [sr])
        }
        DICOMOutputModules.declareCharacterSet(&ds)
        return ds
    }

    /// `studies/<key>/report-pdf.dcm` in Part 10 form.
    public func render(pdf: Data, study: StudyReport, batch: BatchReport) throws -> RenderedFile {
        let bytes = try DICOMWriter.encode(try dataSet(pdf: pdf, study: study, batch: batch))
        return RenderedFile(name: ReportPaths.studyFolder(study.studyKey) + "/" + Self.fileName, data: Data(bytes))
    }
}

/// Wraps a PDF renderer: whatever `.pdf` it writes for a study is encapsulated as DICOM. Pure
/// when the PDF renderer is. Studies the PDF renderer writes no PDF for get none.
public struct EncapsulatedPDFRenderer: Renderer {
    public let format = RenderFormat.encapsulatedPDF
    public let pdfRenderer: any Renderer
    public let writer: EncapsulatedPDFWriter

    public init(pdfRenderer: any Renderer, options: EncapsulatedPDFWriter.Options = .init()) {
        self.pdfRenderer = pdfRenderer
        writer = EncapsulatedPDFWriter(options: options)
    }

    public func render(study: StudyReport, batch: BatchReport) throws -> [RenderedFile] {
        guard let pdf = try pdfRenderer.render(study: study, batch: batch).first(where: { $0.name.hasSuffix(".pdf") }) else {
            return []
        }
        return [try writer.render(pdf: pdf.data, study: study, batch: batch)]
    }
}
