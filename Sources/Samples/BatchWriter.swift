import Archive
import DICOM
import Foundation

/// Writes one site's batch: its studies, the flavour's extras (noise, bad files, orders),
/// then for the zip flavour packs the staging folder into `<batch>.zip`.
struct BatchWriter {
    let site: PlannedSite
    let seed: UInt64
    let directory: String
    /// Where files go now: the batch folder, or a dot-named staging folder for the zip.
    let root: String
    private(set) var studies: [GroundTruth.Study] = []
    private(set) var badFiles: [GroundTruth.BadFile] = []
    private(set) var ignoredFiles: [GroundTruth.IgnoredFile] = []
    private(set) var orders: [GroundTruth.Order] = []
    private(set) var goodFiles = 0

    init(site: PlannedSite, seed: UInt64, directory: String) {
        self.site = site
        self.seed = seed
        self.directory = directory
        root = site.flavor == .zip ? "\(directory)/.staging-\(site.batchName)" : "\(directory)/\(site.batchName)"
    }

    var institution: String { SampleDICOM.institution(site.letter) }

    mutating func writeStudies() throws {
        let fm = FileManager.default
        if fm.fileExists(atPath: root) { try fm.removeItem(atPath: root) }  // a stale staging folder
        try fm.createDirectory(atPath: root, withIntermediateDirectories: true)
        for study in site.studies { try write(study) }
    }

    private mutating func write(_ study: PlannedStudy) throws {
        try FileManager.default.createDirectory(atPath: root + "/" + study.folder, withIntermediateDirectories: true)
        var files: [String] = []
        for index in study.instanceIndices {
            let path = study.fileName(index, flavor: site.flavor)
            let bytes = try encode(study, index: index)
            try SampleGenerator.write(bytes, to: root + "/" + path)
            files.append(path)
        }
        goodFiles += files.count
        let placer = NodulePlacer(size: study.size, spacing: study.spacing)
        let nodules = study.nodules.map { n -> GroundTruth.Nodule in
            let slice = study.slices > 1 ? Int((n.z / study.sliceThickness + Double(study.slices - 1) / 2).rounded()) : nil
            return GroundTruth.Nodule(
                x: placer.pixel(n.x), y: placer.pixel(n.y), sliceIndex: slice, instanceNumber: slice.map { $0 + 1 },
                sopInstanceUID: study.sopInstanceUID(slice ?? 0, seed: seed),
                radiusPx: rounded(n.radius / study.spacing), radiusMM: rounded(n.radius),
                diameterMM: rounded(2 * n.radius),
                centerMM: study.slices > 1 ? [rounded(n.x), rounded(n.y), rounded(n.z)] : nil)
        }
        var problems: [GroundTruth.CompletenessProblem] = []
        if let missing = study.missingSlice {
            problems.append(
                .init(kind: "missing-slice", missingInstanceNumber: missing + 1,
                      missingSlicePositionMM: rounded(study.sliceZ(missing)),
                      detail: "instance \(missing + 1) of \(study.slices) left out: a gap in Instance Number and in slice position"))
        }
        studies.append(
            GroundTruth.Study(
                batch: site.batchName, site: site.letter, path: study.folder, studyInstanceUID: study.studyUID,
                seriesInstanceUID: study.seriesUID, accessionNumber: study.accession, patientID: study.patientID,
                modality: study.modality.rawValue, transferSyntax: SampleDICOM.transferSyntax(study.encoding).uid,
                photometricInterpretation: SampleDICOM.photometric(study), rows: study.size, columns: study.size,
                pixelSpacingMM: study.spacing, instances: files.count, files: files, hasFinding: !nodules.isEmpty,
                nodules: nodules, completeness: problems))
    }

    func rounded(_ v: Double) -> Double { (v * 1000).rounded() / 1000 }

    /// Renders and encodes one instance of a planned study.
    func encode(_ study: PlannedStudy, index: Int, encoding: SampleEncoding? = nil, dropping: [Tag] = []) throws -> [UInt8] {
        let noiseSeed = SplitMix64.key(study.key, 0x0015_E000, UInt64(index))
        let pixels: [UInt16]
        if study.modality.isRadiograph {
            pixels = PhantomRenderer.radiograph(
                study.anatomy, nodules: study.nodules, size: study.size, spacing: study.spacing,
                bitsStored: SampleDICOM.bitsStored(study.modality), monochrome1: study.monochrome1, noiseSeed: noiseSeed)
        } else {
            pixels = PhantomRenderer.axial(
                study.anatomy, nodules: study.nodules, size: study.size, spacing: study.spacing,
                z: study.sliceZ(index), scale: study.modality == .ct ? .ct : .mr, noiseSeed: noiseSeed)
        }
        var planned = study
        if let encoding { planned.encoding = encoding }
        var ds = try SampleDICOM.dataSet(
            study: planned, institution: institution, index: index, sopInstanceUID: study.sopInstanceUID(index, seed: seed),
            pixels: pixels)
        for tag in dropping { ds.remove(tag) }
        return try DICOMWriter.encode(ds, transferSyntax: SampleDICOM.transferSyntax(planned.encoding))
    }

    mutating func writeExtras() throws {
        switch site.flavor {
        case .folder: try writeNoise()
        case .zip: break
        case .orders:
            try writeOrders()
            try writeBadFiles()
        }
    }

    /// Finder litter (ignored: dot-files) and a stray text file (quarantined: not DICOM).
    private mutating func writeNoise() throws {
        let dsStore: [UInt8] = [0, 0, 0, 1] + Array("Bud1".utf8) + [UInt8](repeating: 0, count: 24)
        var litter = [".DS_Store"]
        if let first = site.studies.first { litter.append(first.folder + "/.DS_Store") }
        for path in litter {
            try SampleGenerator.write(dsStore, to: root + "/" + path)
            ignoredFiles.append(.init(batch: site.batchName, path: path, reason: "dot-file"))
        }
        let readme = """
            Synthetic sample batch written by `sluice samples` for trying Sluice.
            No real patient data: every image is a phantom. This file is not DICOM and
            is expected in quarantine.csv.

            """
        try SampleGenerator.write(Array(readme.utf8), to: root + "/README.txt")
        badFiles.append(
            .init(batch: site.batchName, path: "README.txt", reason: "not-dicom", missingAttribute: nil,
                  detail: "a text file in the batch"))
    }

    private mutating func writeOrders() throws {
        let (text, entries) = SampleOrders.batchFile(site: site, seed: seed)
        try SampleGenerator.write(Array(text.utf8), to: root + "/orders.hl7")
        orders += entries.map {
            GroundTruth.Order(
                batch: site.batchName, file: "orders.hl7", messageType: $0.messageType, messageControlID: $0.controlID,
                accessionNumber: $0.accession, patientID: $0.patientID, studyInstanceUID: $0.studyUID,
                hasImages: $0.hasImages)
        }
    }

    /// A study no good file belongs to, for the bad files: own patient, UIDs and accession.
    private func strayStudy(_ number: Int) -> PlannedStudy {
        var stray = SamplePlanner.study(
            site: site.index, letter: site.letter, flavor: site.flavor, number: 1, date: site.date,
            options: SampleOptions(seed: seed, profile: .small))
        stray.number = number
        stray.key = SplitMix64.key(seed, UInt64(site.index), UInt64(number))
        stray.encoding = .explicitLittle
        stray.patientID = "SITE\(site.letter)-\(pad(number, 4))"
        stray.patientName = "SAMPLE^PATIENT^\(site.letter)\(number)"
        stray.accession = "SMP\(site.letter)\(pad(number, 5))"
        stray.studyUID = SampleUID.make(seed: seed, ["site", site.letter, "stray", String(number)], purpose: "study")
        stray.seriesUID = SampleUID.make(seed: seed, ["site", site.letter, "stray", String(number)], purpose: "series")
        stray.folder = "unsorted"
        return stray
    }

    /// Truncated, not DICOM, and two DICOM files lacking an attribute every pipeline requires.
    private mutating func writeBadFiles() throws {
        try FileManager.default.createDirectory(atPath: root + "/unsorted", withIntermediateDirectories: true)

        var truncated = try encode(strayStudy(901), index: 0)
        // Cut inside a text value before Pixel Data, so even a header-only reader meets the end.
        let marker = Array("CHEST (synthetic phantom)".utf8)
        if let at = firstIndex(of: marker, in: truncated) { truncated = Array(truncated[..<(at + 8)]) }
        try bad("unsorted/truncated.dcm", truncated, "truncated", nil, "the file ends inside the Study Description value")

        let text = "This file has a .dcm name but is not DICOM (synthetic sample noise).\n"
        try bad("unsorted/not-dicom.dcm", Array(text.utf8), "not-dicom", nil, "plain text named .dcm")

        try bad("unsorted/no-study-uid.dcm", try encode(strayStudy(902), index: 0, dropping: [.studyInstanceUID]),
                "missing-attribute", "StudyInstanceUID", "StudyInstanceUID (0020,000D) removed")
        try bad("unsorted/no-patient-id.dcm",
                try encode(strayStudy(903), index: 0, dropping: [.patientID, .issuerOfPatientID]),
                "missing-attribute", "PatientID", "PatientID (0010,0020) removed")
    }

    private mutating func bad(_ path: String, _ bytes: [UInt8], _ reason: String, _ attribute: String?, _ detail: String) throws {
        try SampleGenerator.write(bytes, to: root + "/" + path)
        badFiles.append(.init(batch: site.batchName, path: path, reason: reason, missingAttribute: attribute, detail: detail))
    }

    private func firstIndex(of needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard needle.count <= haystack.count else { return nil }
        outer: for i in 0...(haystack.count - needle.count) {
            for j in needle.indices where haystack[i + j] != needle[j] { continue outer }
            return i
        }
        return nil
    }

    /// Zip flavour: fixed mtimes (the zip headers store them), pack, rename into place.
    mutating func finish() throws {
        guard site.flavor == .zip else { return }
        let fm = FileManager.default
        // libzip stores DOS times converted with localtime(), so pin 08:00 local on the batch date:
        // the zip's bytes then do not depend on the machine's time zone.
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone.current
        let digits = site.date.compactMap(\.wholeNumberValue)
        let number = { (range: Range<Int>) in digits[range].reduce(0) { $0 * 10 + $1 } }
        let components = DateComponents(year: number(0..<4), month: number(4..<6), day: number(6..<8), hour: 8)
        guard let stamp = calendar.date(from: components) else { throw SampleError(.writeFailed("date"), path: root) }
        for relative in (fm.enumerator(atPath: root)?.allObjects as? [String] ?? []) {
            try fm.setAttributes([.modificationDate: stamp], ofItemAtPath: root + "/" + relative)
        }
        let temporary = "\(directory)/.\(site.batchName).tmp"
        if fm.fileExists(atPath: temporary) { try fm.removeItem(atPath: temporary) }
        try ZipArchive.create(at: temporary, fromDirectory: root)
        try fm.moveItem(atPath: temporary, toPath: "\(directory)/\(site.batchName)")
        try fm.removeItem(atPath: root)
    }
}
