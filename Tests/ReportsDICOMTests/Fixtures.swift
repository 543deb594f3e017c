import DICOM
import Foundation
import Reports
import TestSupport

/// Small source studies written by the test itself (two CR images in two series), and the
/// report the renderers get for them.
enum Fixtures {
    static let studyUID = "1.2.826.0.1.3680043.10.1011.1"
    static let generatedAt = "2025-01-10T06:30:00Z"

    struct Source {
        let dir: TemporaryDirectory
        let study: SourceStudy
    }

    static func sourceImage(sopInstanceUID: String, seriesUID: String, patientName: String, rows: Int = 8, columns: Int = 8) -> MutableDataSet {
        var ds = MutableDataSet()
        if patientName.utf8.contains(where: { $0 >= 0x80 }) { ds.set(.specificCharacterSet, .CS, "ISO_IR 192") }
        ds.set(.sopClassUID, .UI, "1.2.840.10008.5.1.4.1.1.1")
        ds.set(.sopInstanceUID, .UI, sopInstanceUID)
        ds.set(.studyDate, .DA, "20250109")
        ds.set(.studyTime, .TM, "101500")
        ds.set(.accessionNumber, .SH, "ACC456")
        ds.set(.modality, .CS, "CR")
        ds.set(.referringPhysicianName, .PN, "WHO^REFERS")
        ds.set(.studyDescription, .LO, "CHEST")
        ds.set(.patientName, .PN, patientName)
        ds.set(.patientID, .LO, "MRN12345")
        ds.set(.issuerOfPatientID, .LO, "HOSP")
        ds.set(.patientBirthDate, .DA, "19700101")
        ds.set(.patientSex, .CS, "F")
        ds.set(.studyInstanceUID, .UI, studyUID)
        ds.set(.seriesInstanceUID, .UI, seriesUID)
        ds.set(.studyID, .SH, "S1")
        ds.set(.seriesNumber, .IS, ints: [1])
        ds.set(.instanceNumber, .IS, ints: [1])
        ds.set(.samplesPerPixel, .US, ints: [1])
        ds.set(.photometricInterpretation, .CS, "MONOCHROME2")
        ds.set(.rows, .US, ints: [rows])
        ds.set(.columns, .US, ints: [columns])
        ds.set(.bitsAllocated, .US, ints: [16])
        ds.set(.bitsStored, .US, ints: [12])
        ds.set(.highBit, .US, ints: [11])
        ds.set(.pixelRepresentation, .US, ints: [0])
        ds.set(.pixelData, .OW, ints: (0..<(rows * columns)).map { $0 * 16 })
        return ds
    }

    /// Three instances in two series, written to files and read back with `SourceStudy.read`.
    static func source(patientName: String = "DOE^JANE") throws -> Source {
        let dir = try TemporaryDirectory("reports-dicom")
        let layout = [("1.2.826.0.1.3680043.10.1011.1.1.1", "1.2.826.0.1.3680043.10.1011.1.1"),
                      ("1.2.826.0.1.3680043.10.1011.1.1.2", "1.2.826.0.1.3680043.10.1011.1.1"),
                      ("1.2.826.0.1.3680043.10.1011.1.2.1", "1.2.826.0.1.3680043.10.1011.1.2")]
        var paths: [String] = []
        for (i, (sop, series)) in layout.enumerated() {
            let path = dir.file("img\(i).dcm")
            try DICOMWriter.write(sourceImage(sopInstanceUID: sop, seriesUID: series, patientName: patientName), to: path)
            paths.append(path)
        }
        return Source(dir: dir, study: try SourceStudy.read(paths: paths))
    }

    static let findings = [
        Finding(label: "Nodule", code: "27925004", codingScheme: "SCT", probability: 0.87, urgency: .critical,
                sopInstanceUID: "1.2.826.0.1.3680043.10.1011.1.1.2", peakPixel: [3.5, 5.5]),
        Finding(label: "Pleural effusion", code: "60046008", codingScheme: "SCT", probability: 0.42, urgency: .urgent,
                sopInstanceUID: "1.2.826.0.1.3680043.10.1011.1.2.1", peakPixel: [1.5, 2.5]),
        // No code from the model and no heatmap: private scheme, TID 1501 group.
        Finding(label: "opacity", probability: 0.125, urgency: .routine),
    ]

    static func study(source: SourceStudy?, findings: [Finding] = Fixtures.findings, modelVersion: String = "1.2.0",
                      analysis: Analysis = Analysis(analysedImages: 3)) -> StudyReport {
        var s = StudyReport(
            studyKey: "k1", site: "Site", patientID: "MRN12345", issuerOfPatientID: "HOSP", accessionNumber: "ACC456",
            studyInstanceUID: studyUID, studyDate: "20250109", modality: "CR", series: [], instances: 3, files: [],
            problems: [], orders: [], findings: findings, modelName: "chest-triage", modelVersion: modelVersion,
            reportFiles: [], analysis: analysis)
        s.source = source
        return s
    }

    static func batch(_ studies: [StudyReport], generatedAt: String = Fixtures.generatedAt) -> BatchReport {
        BatchReport(pipeline: "p", batchID: "b1", run: 1, supersedes: nil, sourceName: "drop", generatedAt: generatedAt,
                    toolVersion: "0.1.0", modelName: "chest-triage", modelVersion: studies.first?.modelVersion,
                    studies: studies, quarantine: [], unmatchedOrders: [], fileCount: 3)
    }

    /// Problems `dciodvfy -new` reports, split into errors and warnings.
    static func dciodvfy(_ path: String) throws -> (errors: [String], warnings: [String], output: String) {
        let r = try runProcess("dciodvfy", ["-new", path])
        let lines = (r.stderr + r.stdout).split(separator: "\n").map(String.init)
        return (lines.filter { $0.hasPrefix("Error") }, lines.filter { $0.hasPrefix("Warning") }, r.stderr + r.stdout)
    }

    static func write(_ file: RenderedFile, in dir: TemporaryDirectory) throws -> String {
        let path = dir.file((file.name as NSString).lastPathComponent)
        try file.data.write(to: URL(fileURLWithPath: path))
        // Set SLUICE_KEEP_OUTPUTS=<dir> to look at the files with other tools afterwards.
        if let keep = ProcessInfo.processInfo.environment["SLUICE_KEEP_OUTPUTS"], !keep.isEmpty {
            try? FileManager.default.createDirectory(atPath: keep, withIntermediateDirectories: true)
            try? file.data.write(to: URL(fileURLWithPath: keep + "/" + (path as NSString).lastPathComponent))
        }
        return path
    }
}
