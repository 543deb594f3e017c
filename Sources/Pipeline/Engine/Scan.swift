import Archive
public import Foundation
public import Reports

/// `sluice scan`: what is in a drop — patients, studies, series, instances, HL7 messages and
/// problems — using the same unpack/validate/group stages as a run, without a ledger or outputs.
public struct ScanReport: Codable, Sendable {
    public struct Series: Codable, Sendable {
        public var seriesInstanceUID: String
        public var seriesNumber: Int?
        public var modality: String
        public var instances: Int
        public var problems: [String]
    }

    public struct Study: Codable, Sendable {
        public var studyKey: String
        public var studyInstanceUID: String
        public var accessionNumber: String
        public var studyDate: String
        public var modality: String
        public var series: [Series]
        public var orders: Int
        public var problems: [String]
    }

    public var path: String
    public var files: Int
    public var bytes: Int
    public var patients: Int
    public var studies: [Study]
    public var instances: Int
    public var hl7Messages: Int
    public var unmatchedOrders: Int
    public var quarantine: [QuarantineEntry]
    public var ignored: Int
    /// Wall time of each stage, in order, when asked for (`sluice scan --timing`): where a slow
    /// scan spends its time, measured inside the process (start-up not included).
    public var timings: [Timing]?

    public struct Timing: Codable, Sendable {
        public var stage: String
        public var milliseconds: Double
    }

    /// `pipeline` lends its completion marker, validation rules and zip limits, so the scan
    /// shows what a run of that pipeline would make of the drop.
    public static func make(path: String, pipeline: PipelineConfig? = nil,
                            workers: Int = ProcessInfo.processInfo.activeProcessorCount,
                            timed: Bool = false) async throws -> ScanReport {
        let clock = ContinuousClock(), started = clock.now
        var timings: [Timing] = []
        var mark = started
        func lap(_ stage: String) {
            let now = clock.now
            timings.append(Timing(stage: stage, milliseconds: Self.milliseconds(now - mark)))
            mark = now
        }
        let absolute = PipelineConfig.absolutePath(path, relativeTo: FileManager.default.currentDirectoryPath)
        guard FileManager.default.fileExists(atPath: absolute) else {
            throw BatchFailure(stage: "scan", reason: "\(path): no such file or folder")
        }
        let work = FileManager.default.temporaryDirectory.path + "/sluice-scan-\(getpid())-\(UUID().uuidString.prefix(6))"
        defer { try? FileManager.default.removeItem(atPath: work) }
        let context = BatchContext(
            batchID: "scan", run: 1, sourceName: (absolute as NSString).lastPathComponent,
            inputPath: absolute, workDirectory: work, log: Log(minimum: .error), clock: Clock(), allowDuplicate: true,
            workers: workers)
        // The pipeline's own stages, with nothing recorded: a drop already there is not
        // still arriving (settle 0) and needs no content hashes (there is no ledger to compare).
        var (unpack, validate, _) = BatchStages.reading(pipeline)
        unpack = UnpackStage(marker: unpack.marker, zipLimits: unpack.zipLimits, permissions: unpack.permissions, hashContents: false)
        // The work folder is made only by a zip's extraction (a folder is read where it is).
        lap("setup")
        let unpacked = try await unpack.run((), context: context)
        lap("unpack")
        let validated = try await validate.run(unpacked, context: context)
        lap("validate")
        let grouped = try await GroupStage(settle: 0).run(validated, context: context)
        lap("group")
        return ScanReport(
            path: path, files: unpacked.files.count, bytes: validated.unpacked.files.compactMap(\.size).reduce(0, +),
            patients: grouped.patients.count,
            studies: grouped.studies.map { s in
                let first = s.firstInstance
                return Study(
                    studyKey: s.key, studyInstanceUID: s.studyInstanceUID, accessionNumber: first.accessionNumber,
                    studyDate: first.studyDate, modality: s.modalities,
                    series: s.series.map { se in
                        Series(seriesInstanceUID: se.seriesInstanceUID, seriesNumber: se.instances.first?.seriesNumber,
                               modality: se.instances.first?.modality ?? "", instances: se.instances.count, problems: se.problems)
                    },
                    orders: s.orders.count, problems: s.problems)
            },
            instances: validated.instances.count, hl7Messages: validated.orders.count,
            unmatchedOrders: grouped.unmatchedOrders.count, quarantine: validated.quarantine,
            // The listing's ignored entries (hidden files, markers) are in fileStatus too.
            ignored: validated.fileStatus.values.filter { $0.status == "ignored" }.count,
            timings: timed ? timings + [Timing(stage: "total", milliseconds: milliseconds(clock.now - started))] : nil)
    }

    static func milliseconds(_ d: Duration) -> Double {
        Double(d.components.seconds) * 1e3 + Double(d.components.attoseconds) * 1e-15
    }

    /// One line for standard error: `timing: setup 0.4 ms, unpack 3.1 ms, …, total 17.2 ms (1000 files)`.
    public var timingLine: String? {
        timings.map { t in
            "timing: " + t.map { "\($0.stage) \(String(format: "%.1f", $0.milliseconds)) ms" }.joined(separator: ", ")
                + " (\(files) files)"
        }
    }

    public var hasProblems: Bool { !quarantine.isEmpty || studies.contains { !$0.problems.isEmpty } }

    public var text: String {
        var out = "\(path): \(files) files, \(bytes) bytes\n"
        out += "\(patients) patient\(patients == 1 ? "" : "s"), \(studies.count) stud\(studies.count == 1 ? "y" : "ies"), "
        out += "\(studies.map(\.series.count).reduce(0, +)) series, \(instances) instances, \(hl7Messages) HL7 messages"
        out += unmatchedOrders > 0 ? " (\(unmatchedOrders) without images)\n" : "\n"
        for s in studies {
            out += "\n\(s.studyKey)  \(s.modality.escapingControlCharacters)  date \(s.studyDate.escapingControlCharacters)  accession \(s.accessionNumber.escapingControlCharacters)  orders \(s.orders)\n"
            out += "  study \(s.studyInstanceUID)\n"
            for se in s.series {
                out += "  series \(se.seriesNumber.map(String.init) ?? "?") \(se.modality): \(se.instances) instance\(se.instances == 1 ? "" : "s")\n"
            }
            for p in s.problems { out += "  problem: \(p)\n" }
        }
        if !quarantine.isEmpty {
            out += "\nquarantine (\(quarantine.count)):\n"
            for q in quarantine { out += "  \(q.file.escapingControlCharacters): \(q.reason.escapingControlCharacters)\n" }
        }
        if ignored > 0 { out += "\n\(ignored) ignored (hidden files, markers, links, DICOMDIR, not regular files)\n" }
        return out
    }
}
