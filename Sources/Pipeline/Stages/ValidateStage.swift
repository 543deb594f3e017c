public import DICOM
import Foundation
import HL7
import Kernels
import Reports

/// Parses every file (on every core), keeps what is usable, and quarantines the rest with
/// a reason a person can act on. One bad file never fails the batch.
public struct ValidateStage: Stage {
    public let name = "validate"
    /// `validate:`: accepted modalities, required attributes, HL7 caps.
    public let rules: PipelineConfig.Validate
    /// `limits:`: what an image header may declare.
    public let limits: PixelLimits

    public init(rules: PipelineConfig.Validate = .init(), limits: PixelLimits = .default) {
        self.rules = rules
        self.limits = limits
    }

    enum Parsed: Sendable {
        case instance(InstanceInfo)
        case orders([OrderInfo], problems: [String])
        case quarantined(String)
        case ignored(String)
    }

    public func run(_ batch: UnpackedBatch, context: BatchContext) async throws -> ValidatedBatch {
        let total = batch.files.count
        let progress = ProgressCounter(label: "\(context.batchID) validate", total: total)
        let parsed = Self.parseAll(batch.files, workers: context.workers, rules: rules, limits: limits,
                                   progress: progress)
        progress.finish()

        // The files as they were read: size and time from the open (the walk stats nothing).
        var files = batch.files
        for i in files.indices {
            if let seen = parsed[i].seen { (files[i].size, files[i].modified) = (seen.size, seen.modified) }
        }
        let unpacked = UnpackedBatch(root: batch.root, files: files, ignored: batch.ignored, refused: batch.refused,
                                     fingerprint: batch.fingerprint, fromArchive: batch.fromArchive)
        var result = ValidatedBatch(unpacked: unpacked, instances: [], orders: [], quarantine: [], fileStatus: [:])
        var firstFileForSOP: [String: String] = [:]
        firstFileForSOP.reserveCapacity(total)
        result.fileStatus.reserveCapacity(total + batch.ignored.count)
        result.instances.reserveCapacity(total)
        for (file, (outcome, _)) in zip(batch.files, parsed) {
            switch outcome {
            case .instance(let info):
                // One hash of the UID for a new instance; a duplicate puts the first file back.
                if let first = firstFileForSOP.updateValue(file.relativePath, forKey: info.sopInstanceUID) {
                    firstFileForSOP[info.sopInstanceUID] = first
                    let reason = "duplicate SOP Instance UID: same instance as \(first); kept the first"
                    result.quarantine.append(QuarantineEntry(file: file.relativePath, stage: name, reason: reason))
                    result.fileStatus[file.relativePath] = ("dicom", "quarantined", reason)
                    continue
                }
                result.instances.append(info)
                result.fileStatus[file.relativePath] = ("dicom", "ok", nil)
            case .orders(let orders, let problems):
                result.orders += orders
                for problem in problems {
                    result.quarantine.append(QuarantineEntry(file: file.relativePath, stage: name, reason: problem))
                }
                let status = orders.isEmpty && !problems.isEmpty ? "quarantined" : "ok"
                result.fileStatus[file.relativePath] = ("hl7", status, problems.isEmpty ? nil : problems.joined(separator: "; "))
            case .quarantined(let reason):
                result.quarantine.append(QuarantineEntry(file: file.relativePath, stage: name, reason: reason))
                result.fileStatus[file.relativePath] = ("unknown", "quarantined", reason)
            case .ignored(let reason):
                result.fileStatus[file.relativePath] = ("other", "ignored", reason)
            }
        }
        for (path, reason) in batch.ignored { result.fileStatus[path] = ("other", "ignored", reason) }
        for (path, reason) in batch.refused {
            result.quarantine.append(QuarantineEntry(file: path, stage: "unpack", reason: reason))
            result.fileStatus[path] = ("unknown", "quarantined", reason)
        }
        return result
    }

    /// Parses every file on the kernels' worker threads (the caller one of them), each thread
    /// claiming the next 8 files. A header parse takes microseconds: as concurrency tasks of 16
    /// files, task hand-offs cost a tenth of a 1000-file scan's validation (7.4 → 6.7 ms, best of
    /// 80 alternating runs). A head is 8 KiB, so this uses every core whatever `workers` says,
    /// except that `workers: 1` keeps it on the calling thread.
    static func parseAll(_ files: [BatchFile], workers: Int, rules: PipelineConfig.Validate, limits: PixelLimits,
                         progress: ProgressCounter) -> [(Parsed, seen: Seen?)] {
        let n = files.count
        let chunk = max(8, n / 60_000 + 1)  // a region holds at most 65,535 iterations
        let parts = (n + chunk - 1) / chunk
        return [(Parsed, seen: Seen?)](unsafeUninitializedCapacity: n) { out, count in
            // Each part initializes only its own slots.
            let run = { (part: Int) in
                let range = part * chunk..<min(n, (part + 1) * chunk)
                for i in range { (out.baseAddress! + i).initialize(to: parse(files[i], rules: rules, limits: limits)) }
                progress.tick(range.count)
            }
            if workers <= 1 { (0..<parts).forEach(run) } else { Parallel.forEach(parts, run) }
            count = n
        }
    }

    /// What the read saw of the file itself.
    struct Seen: Sendable {
        var size: Int
        var modified: Date
    }

    static func parse(_ file: BatchFile, rules: PipelineConfig.Validate, limits: PixelLimits = .default) -> (Parsed, seen: Seen?) {
        if isDICOMDIR(file.relativePath) { return (.ignored("DICOMDIR (media directory), not an image"), nil) }
        // One read of the file's head tells DICOM from HL7 and nearly always holds every
        // element before the pixel data; the rest of the file is not touched here.
        let head: FileHead
        do { head = try FileHead.read(path: file.absolutePath) } catch {
            return (.quarantined("unreadable: \((error as? DICOMParseError)?.problem ?? "\(error)")"), nil)
        }
        let seen = Seen(size: head.size, modified: Date(timeIntervalSince1970: head.modifiedSince1970))
        guard head.size > 0 else { return (.quarantined("empty file"), seen) }
        return (parse(file, head: head, modified: seen.modified, rules: rules, limits: limits), seen)
    }

    static func parse(_ file: BatchFile, head: FileHead, modified: Date, rules: PipelineConfig.Validate,
                      limits: PixelLimits = .default) -> Parsed {
        let prefix = head.prefix(132)
        let hasDICM = prefix.count >= 132 && prefix[128..<132].elementsEqual("DICM".utf8)
        if !hasDICM, HL7File.looksLikeHL7(prefix) { return parseHL7(file, limits: rules.hl7) }
        do {
            var dicom = try DICOMFile.open(head: head)
            // Encapsulated data is walked (fragments are counted against Number of Frames), and a
            // pixel value that seems to run past the end is confirmed on the file as it is now
            // (the size came from the walk): both by a full parse, which throws what it finds.
            if let skipped = dicom.skippedPixelData, skipped.isEncapsulated || skipped.truncation(file: file.absolutePath) != nil {
                dicom = try dicom.completingPixelData(maxBytes: limits.maxFileBytes)
            }
            return instance(dicom, file: file, modified: modified, rules: rules, limits: limits)
        } catch {
            if !hasDICM && !looksLikeRawDataSet(prefix) {
                return .quarantined("not a DICOM or HL7 file (no DICM prefix, no data set, no MSH segment)")
            }
            // The quarantine row names the file (relative to the batch); the reason says what is wrong.
            let problem = (error as? DICOMParseError)?.problem ?? "\(error)"
            return .quarantined("unreadable DICOM: \(problem)")
        }
    }

    static func instance(_ file: DICOMFile, file batchFile: BatchFile, modified: Date, rules: PipelineConfig.Validate,
                         limits: PixelLimits = .default) -> Parsed {
        let ds = file.dataSet
        let sopClass = ds.string(.sopClassUID) ?? file.meta?.string(.mediaStorageSOPClassUID) ?? ""
        if sopClass == "1.2.840.10008.1.3.10" { return .ignored("DICOMDIR (media directory), not an image") }
        // These identify the instance; without them it cannot be grouped at all.
        let study = ds.string(.studyInstanceUID) ?? "", series = ds.string(.seriesInstanceUID) ?? ""
        let sop = ds.string(.sopInstanceUID) ?? ""
        var missing: [String] = []
        if study.isEmpty { missing.append("StudyInstanceUID \(Tag.studyInstanceUID)") }
        if series.isEmpty { missing.append("SeriesInstanceUID \(Tag.seriesInstanceUID)") }
        if sop.isEmpty { missing.append("SOPInstanceUID \(Tag.sopInstanceUID)") }
        for (keyword, tag) in rules.require where (ds.string(tag) ?? "").isEmpty && !missing.contains(where: { $0.hasPrefix(keyword + " ") }) {
            missing.append("\(keyword) \(tag)")
        }
        if !missing.isEmpty { return .quarantined("missing required attribute\(missing.count > 1 ? "s" : "") \(missing.joined(separator: ", "))") }
        let modality = (ds.string(.modality) ?? "").uppercased()
        if !rules.modalities.isEmpty, !rules.modalities.contains(modality) {
            return .quarantined("modality \(modality.isEmpty ? "(none)" : modality) is not accepted (validate.modalities: \(rules.modalities.joined(separator: ", ")))")
        }
        if let problem = pixelProblem(ds, limits: limits) { return .quarantined(problem) }
        let rows = ds.int(.rows), columns = ds.int(.columns)
        let frames = max(ds.int(.numberOfFrames) ?? 1, 1)
        var framesInPixelData: Int?
        var nativeBytes: Int?
        switch file.pixelData {
        case .native(let range)?: nativeBytes = range.count
        case .encapsulated(_, let fragments)?:
            // One fragment per frame is the common case; more fragments than frames is legal.
            if fragments.count < frames { framesInPixelData = fragments.count }
        case nil:
            if let skipped = file.skippedPixelData, !skipped.isEncapsulated { nativeBytes = Int(skipped.length) }
        }
        if let nativeBytes, let rows, let columns, rows > 0, columns > 0,
           let frameBytes = PixelLimits.decodedBytes(rows: rows, columns: columns, samplesPerPixel: ds.int(.samplesPerPixel) ?? 1,
                                                     bitsAllocated: ds.int(.bitsAllocated) ?? 8, frames: 1), frameBytes > 0 {
            framesInPixelData = nativeBytes / frameBytes
        }
        return .instance(InstanceInfo(
            file: batchFile.relativePath, studyInstanceUID: study, seriesInstanceUID: series, sopInstanceUID: sop,
            sopClassUID: sopClass, patientID: ds.string(.patientID) ?? "", patientName: ds.string(.patientName),
            issuerOfPatientID: ds.string(.issuerOfPatientID), accessionNumber: ds.string(.accessionNumber) ?? "",
            studyDate: ds.string(.studyDate) ?? "", modality: modality,
            institution: ds.string(.institutionName) ?? "", seriesNumber: ds.int(.seriesNumber),
            instanceNumber: ds.int(.instanceNumber), rows: rows, columns: columns, frames: frames,
            framesInPixelData: framesInPixelData, imagePosition: ds.doubles(.imagePositionPatient),
            imageOrientation: ds.doubles(.imageOrientationPatient), modified: modified,
            bodyPart: ds.string(.bodyPartExamined), studyDescription: ds.string(.studyDescription), stationName: ds.string(.stationName)))
    }

    /// The sizes an image header declares, before anything trusts them: each in the range its
    /// VR allows, and within `limits` by checked arithmetic. A 9 KB file may declare 2³¹−1
    /// frames of 65535² pixels; it is quarantined here, naming the attribute, not decoded.
    static func pixelProblem(_ ds: DataSet, limits: PixelLimits) -> String? {
        let rows = ds.int(.rows), columns = ds.int(.columns)
        guard rows != nil || columns != nil || ds.element(.pixelData) != nil else { return nil }
        let samples = ds.int(.samplesPerPixel) ?? 1, bits = ds.int(.bitsAllocated) ?? 8
        let frames = ds.int(.numberOfFrames) ?? 1
        let ranges: [(String, Int, ClosedRange<Int>)] = [
            ("Rows (0028,0010)", rows ?? 0, 0...0xFFFF), ("Columns (0028,0011)", columns ?? 0, 0...0xFFFF),
            ("Samples per Pixel (0028,0002)", samples, 0...4), ("Bits Allocated (0028,0100)", bits, 0...64),
            ("Number of Frames (0028,0008)", frames, 0...Int(Int32.max)),
        ]
        for (name, value, range) in ranges where !range.contains(value) {
            return "\(name) is \(value), out of range \(range.lowerBound)–\(range.upperBound)"
        }
        do {
            try limits.check(rows: rows ?? 0, columns: columns ?? 0, samplesPerPixel: samples, bitsAllocated: bits, frames: frames)
        } catch {
            return "\(error)"
        }
        return nil
    }

    /// A message over one of `limits` is rejected by the parser: it becomes a quarantine reason
    /// like any malformed message, and the file is quarantined when no message is left.
    static func parseHL7(_ file: BatchFile, limits: HL7Limits) -> Parsed {
        do {
            let hl7 = try HL7File.open(path: file.absolutePath, limits: limits)
            return HL7Orders.extract(hl7, file: file.relativePath)
        } catch {
            return .quarantined("unreadable HL7: \((error as? HL7Error)?.problem ?? "\(error)")")
        }
    }

    /// Whether the last path component is DICOMDIR, in any case (on bytes: this runs per file).
    static func isDICOMDIR(_ path: String) -> Bool {
        let u = path.utf8
        guard u.count >= 8 else { return false }
        let tail = u.suffix(8)
        guard tail.elementsEqual("DICOMDIR".utf8, by: { $0 & 0xDF == $1 }) else { return false }
        return tail.startIndex == u.startIndex || u[u.index(before: tail.startIndex)] == UInt8(ascii: "/")
    }

    /// A bare data set (no preamble) starts with a group 0002 or 0008 tag, little endian.
    static func looksLikeRawDataSet(_ prefix: [UInt8]) -> Bool {
        prefix.count >= 8 && (prefix[0] == 0x02 || prefix[0] == 0x08) && prefix[1] == 0x00
    }
}
