import DICOM
import Foundation
import TestSupport

/// Small, controlled drops for engine tests: tiny images, known UIDs, chosen defects.
enum Fixtures {
    struct Study {
        var patientID = "PAT-1"
        var accession = "ACC-1"
        var studyUID = "1.2.826.0.1.3680043.10.1.1"
        var modality = "CT"
        var slices = 5
        var skipSlice: Int? = nil
        var bodyPart: String? = nil
        var seriesUID: String { studyUID + ".1" }
    }

    /// Writes one series of `slices` 8×8 CT images (1 mm apart) into `folder`.
    static func write(_ s: Study, into folder: String) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for i in 1...s.slices where i != s.skipSlice {
            try DICOMWriter.write(image(s, slice: i), to: folder + String(format: "/IM%04d.dcm", i))
        }
    }

    /// Slice `i` of the study's series: an 8×8 16-bit CT image.
    static func image(_ s: Study, slice i: Int) -> MutableDataSet {
        var ds = MutableDataSet()
        ds.set(.sopClassUID, .UI, "1.2.840.10008.5.1.4.1.1.2")
        ds.set(.sopInstanceUID, .UI, s.seriesUID + ".\(i)")
        ds.set(.studyInstanceUID, .UI, s.studyUID)
        ds.set(.seriesInstanceUID, .UI, s.seriesUID)
        ds.set(.patientID, .LO, s.patientID)
        ds.set(.patientName, .PN, "TEST^FIXTURE")
        ds.set(.accessionNumber, .SH, s.accession)
        ds.set(.studyDate, .DA, "20250110")
        ds.set(.modality, .CS, s.modality)
        if let part = s.bodyPart { ds.set(.bodyPartExamined, .CS, part) }
        ds.set(.institutionName, .LO, "Test Site")
        ds.set(.seriesNumber, .IS, "1")
        ds.set(.instanceNumber, .IS, String(i))
        ds.set(.imagePositionPatient, .DS, strings: ["0", "0", String(i)])
        ds.set(.imageOrientationPatient, .DS, strings: ["1", "0", "0", "0", "1", "0"])
        ds.set(.rows, .US, ints: [8])
        ds.set(.columns, .US, ints: [8])
        ds.set(.samplesPerPixel, .US, ints: [1])
        ds.set(.photometricInterpretation, .CS, "MONOCHROME2")
        ds.set(.bitsAllocated, .US, ints: [16])
        ds.set(.bitsStored, .US, ints: [12])
        ds.set(.highBit, .US, ints: [11])
        ds.set(.pixelRepresentation, .US, ints: [0])
        ds.set(.pixelData, .OW, bytes: (0..<128).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ i) })
        return ds
    }

    static func orders(_ studies: [Study], extraAccession: String? = nil) -> String {
        var messages: [String] = []
        for (n, s) in studies.enumerated() {
            messages.append([
                "MSH|^~\\&|RIS|SITE|SLUICE|LAB|20250110120000||ORM^O01|MSG\(n)|P|2.5.1",
                "PID|1||\(s.patientID)^^^SITE^MR||TEST^FIXTURE",
                "ORC|NW|PLC\(n)|\(s.accession)",
                "OBR|1|PLC\(n)|\(s.accession)|71250^CT CHEST^C4",
            ].joined(separator: "\r"))
        }
        if let extraAccession {
            messages.append([
                "MSH|^~\\&|RIS|SITE|SLUICE|LAB|20250110120000||ORM^O01|MSGX|P|2.5.1",
                "PID|1||OTHER^^^SITE^MR", "ORC|NW|PLCX|\(extraAccession)", "OBR|1|PLCX|\(extraAccession)",
            ].joined(separator: "\r"))
        }
        return messages.joined(separator: "\r") + "\r"
    }

    /// A pipeline rooted in `dir`: inbox/, outbox/, spool in dir, ledger dir/sluice.db.
    static func pipeline(in dir: TemporaryDirectory, settle: String = "0s", marker: String? = "READY",
                         render: String = "[json, csv]", extra: String = "") throws -> String {
        let yaml = """
            name: test
            inbox: { local: inbox }
            spool: .
            poll: 100ms
            settle: \(settle)
            \(marker.map { "marker: \($0)" } ?? "")
            workers: 2
            validate: { modalities: [CT, CR, DX, MR], require: [PatientID] }
            render: \(render)
            outbox: { local: outbox }
            \(extra)
            """
        let path = dir.file("pipeline.yaml")
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: dir.file("inbox"), withIntermediateDirectories: true)
        return path
    }

    @discardableResult
    static func sluice(_ args: [String], cwd: String? = nil, env: [String: String] = [:]) throws -> ProcessResult {
        try runProcess(sluiceBinary, args, environment: env, currentDirectory: cwd)
    }

    static func files(under path: String) -> [String] {
        (FileManager.default.enumerator(atPath: path)?.allObjects as? [String] ?? []).filter { p in
            var d: ObjCBool = false
            return FileManager.default.fileExists(atPath: path + "/" + p, isDirectory: &d) && !d.boolValue
        }.sorted()
    }

    static func json(_ path: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any] ?? [:]
    }
}
