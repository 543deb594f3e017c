import Checksum
import Foundation
import Reports

/// Groups instances into patients → studies → series, links HL7 orders to studies, and checks
/// completeness (instance-number and slice gaps, frame counts, mixed matrix sizes).
public struct GroupStage: Stage {
    public let name = "group"
    /// `settle:` in seconds: a study with files younger than this (and not marked complete) is held.
    public let settle: Double

    public init(settle: Double) { self.settle = settle }

    public func run(_ batch: ValidatedBatch, context: BatchContext) async throws -> GroupedBatch {
        let now = Clock.wall()  // compared with real file mtimes
        var byStudy: [String: [InstanceInfo]] = [:]
        for instance in batch.instances { byStudy[instance.studyInstanceUID, default: []].append(instance) }

        var studies: [StudyGroup] = []
        var held: [String] = []
        for (uid, instances) in byStudy {
            let key = Self.studyKey(uid)
            var bySeries: [String: [InstanceInfo]] = [:]
            for i in instances { bySeries[i.seriesInstanceUID, default: []].append(i) }
            var series: [SeriesGroup] = []
            for (seriesUID, members) in bySeries {
                // Sorting indices moves integers, not instances (each holds a dozen strings).
                let sorted = members.indices.sorted { Self.instanceOrder(members[$0], members[$1]) }.map { members[$0] }
                series.append(SeriesGroup(seriesInstanceUID: seriesUID, instances: sorted, problems: Completeness.problems(in: sorted)))
            }
            series.sort(by: Self.seriesOrder)
            var problems: [String] = []
            for s in series {
                let number = s.instances.first?.seriesNumber.map { "series \($0)" } ?? "series \(s.seriesInstanceUID)"
                problems += s.problems.map { "\(number): \($0)" }
            }
            let patientIDs = Set(instances.map(\.patientID))
            if patientIDs.count > 1 { problems.append("instances disagree on Patient ID (\(patientIDs.count) different values)") }
            if !batch.unpacked.fromArchive, instances.contains(where: { Self.stillReceiving($0.modified, now: now, settle: settle, context: context) }) {
                held.append(key)
            }
            studies.append(StudyGroup(key: key, studyInstanceUID: uid, series: series, orders: [], problems: problems))
        }
        studies.sort { $0.key < $1.key }

        // Orders link by Study Instance UID (IPC-3), then accession (OBR-3/ORC-3/IPC-1), then placer number.
        var unmatched: [OrderInfo] = []
        let byAccession = Self.accessionIndex(studies)
        for order in batch.orders {
            let links = Self.link(order, to: studies, byAccession: byAccession)
            if links.isEmpty { unmatched.append(order) }
            for link in links { studies[link.study].orders.append((order, link.by)) }
        }
        // Images without orders, reported only when the drop carried orders at all.
        if batch.orders.contains(where: { !$0.isPatientLevel }) {
            for i in studies.indices where !studies[i].orders.contains(where: { !$0.0.isPatientLevel }) {
                studies[i].problems.append("no HL7 order in the batch matches this study (Study Instance UID, accession or placer number)")
            }
        }

        var patients: [String: PatientGroup] = [:]
        for study in studies {
            let first = study.firstInstance
            let key = first.patientID + "\u{1}" + (first.issuerOfPatientID ?? "")
            patients[key, default: PatientGroup(patientID: first.patientID, issuer: first.issuerOfPatientID, studies: [])]
                .studies.append(study)
        }
        let sortedPatients = patients.keys.sorted().map { patients[$0]! }
        return GroupedBatch(validated: batch, patients: sortedPatients, unmatchedOrders: unmatched, held: held.sorted())
    }

    /// A file is still arriving when it is newer than `settle` and either the batch carried no
    /// marker or the file changed after the claim (an uploader still writing into an open file).
    static func stillReceiving(_ modified: Date, now: Date, settle: Double, context: BatchContext) -> Bool {
        guard now.timeIntervalSince(modified) < settle else { return false }
        return !context.marked || modified > context.claimedAt
    }

    static func instanceOrder(_ a: InstanceInfo, _ b: InstanceInfo) -> Bool {
        let x = a.instanceNumber ?? .max, y = b.instanceNumber ?? .max
        return x != y ? x < y : a.file < b.file
    }

    static func seriesOrder(_ a: SeriesGroup, _ b: SeriesGroup) -> Bool {
        let x = a.instances.first?.seriesNumber ?? .max, y = b.instances.first?.seriesNumber ?? .max
        return x != y ? x < y : a.seriesInstanceUID < b.seriesInstanceUID
    }

    /// Path-safe, PHI-free key for a study's output folder.
    public static func studyKey(_ studyUID: String) -> String {
        "study-" + SHA256.hex(studyUID).prefix(12)
    }

    /// Orders link by Study Instance UID (IPC-3), then accession (OBR-3/ORC-3/IPC-1), then
    /// placer number; an accession shared by several patients is narrowed by PID-3. Messages
    /// without order numbers (ADT, SIU) link to every study of their patient (PID-3, with the
    /// assigning authority compared to Issuer of Patient ID when both are present).
    static func link(_ order: OrderInfo, to studies: [StudyGroup], byAccession: [String: [Int]]) -> [(study: Int, by: String)] {
        if let uid = order.studyInstanceUID, let i = studies.firstIndex(where: { $0.studyInstanceUID == uid }) {
            return [(i, "study-instance-uid")]
        }
        for accession in order.accessionNumbers where !accession.isEmpty {
            let matches = byAccession[accession] ?? []
            if let i = matches.first(where: { samePatient(order, studies[$0]) }) ?? matches.first {
                return [(i, "accession-number")]
            }
        }
        if let placer = order.placerOrderNumber, !placer.isEmpty, let i = byAccession[placer]?.first {
            return [(i, "placer-order-number")]
        }
        guard order.isPatientLevel, !order.patientIDs.isEmpty else { return [] }
        return studies.indices.filter { samePatient(order, studies[$0]) }.map { ($0, "patient-id") }
    }

    /// Study indices by the accession numbers their instances carry; built once per batch so
    /// linking stays linear in orders + instances.
    static func accessionIndex(_ studies: [StudyGroup]) -> [String: [Int]] {
        var index: [String: [Int]] = [:]
        for (i, study) in studies.enumerated() {
            for accession in Set(study.series.flatMap { $0.instances.map(\.accessionNumber) }) where !accession.isEmpty {
                index[accession, default: []].append(i)
            }
        }
        return index
    }

    static func samePatient(_ order: OrderInfo, _ study: StudyGroup) -> Bool {
        guard !order.patientIDs.isEmpty else { return true }
        let first = study.series[0].instances[0]
        for (k, id) in order.patientIDs.enumerated() where id == first.patientID {
            let issuer = k < order.issuers.count ? order.issuers[k] : nil
            if let issuer, !issuer.isEmpty, let dicomIssuer = first.issuerOfPatientID, !dicomIssuer.isEmpty, issuer != dicomIssuer {
                continue
            }
            return true
        }
        return false
    }
}

/// Completeness checks a site can act on.
public enum Completeness {
    public static func problems(in series: [InstanceInfo]) -> [String] {
        var problems: [String] = []
        let numbers = series.compactMap(\.instanceNumber)
        if numbers.count == series.count, numbers.count >= 2 {
            let present = Set(numbers)
            if present.count < numbers.count { problems.append("repeated Instance Numbers") }
            // Instance Numbers come from the header: Int.min and Int.max in one series must not
            // trap the subtraction.
            if let lo = present.min(), let hi = present.max(), case let (span, overflow) = hi.subtractingReportingOverflow(lo),
               !overflow, span < 100_000, span + 1 > present.count {
                let missing = (lo...hi).filter { !present.contains($0) }
                problems.append("Instance Number gap: missing \(ranges(missing)) of \(lo)–\(hi)")
            }
        }
        if let gaps = sliceGaps(series) { problems.append(gaps) }
        struct Matrix: Hashable { let rows: Int, columns: Int }
        let matrices = Set(series.compactMap { i in i.rows.flatMap { r in i.columns.map { Matrix(rows: r, columns: $0) } } })
        if matrices.count > 1 {
            problems.append("mixed matrix sizes: \(matrices.map { "\($0.rows)×\($0.columns)" }.sorted().joined(separator: ", "))")
        }
        for i in series {
            if let actual = i.framesInPixelData, actual != i.frames {
                problems.append("\(i.file): Number of Frames is \(i.frames) but the pixel data holds \(actual)")
            }
        }
        return problems
    }

    /// Gaps along the slice normal: spacing above 1.5× the median step means missing slices.
    static func sliceGaps(_ series: [InstanceInfo]) -> String? {
        guard series.count >= 3,
              series.allSatisfy({ $0.imagePosition.count == 3 && $0.imageOrientation.count == 6 && $0.frames == 1 }) else { return nil }
        let o = series[0].imageOrientation
        let normal = (o[1] * o[5] - o[2] * o[4], o[2] * o[3] - o[0] * o[5], o[0] * o[4] - o[1] * o[3])
        let distances = series.map { i in
            let p = i.imagePosition
            return p[0] * normal.0 + p[1] * normal.1 + p[2] * normal.2
        }.sorted()
        // Positions are header values: NaN or ±inf (or steps that overflow to them) say nothing.
        guard distances.allSatisfy(\.isFinite) else { return nil }
        let steps = zip(distances.dropFirst(), distances).map { $0 - $1 }
        let median = steps.sorted()[steps.count / 2]
        guard median > 1e-6, steps.allSatisfy(\.isFinite) else { return nil }
        let gaps = steps.filter { $0 > 1.5 * median }
        guard !gaps.isEmpty else { return nil }
        // A step millions of times the median is one absurd position, not millions of slices.
        let missing = gaps.map { min($0 / median, 1e6).rounded() }.reduce(0) { $0 + Int($1) - 1 }
        return "slice position gap: about \(missing) slice\(missing == 1 ? "" : "s") missing (spacing \(String(format: "%.2f", median)) mm)"
    }

    static func ranges(_ values: [Int]) -> String {
        var parts: [String] = []
        var i = 0
        while i < values.count, parts.count < 10 {
            var j = i
            while j + 1 < values.count, values[j + 1] == values[j] + 1 { j += 1 }
            parts.append(i == j ? "\(values[i])" : "\(values[i])–\(values[j])")
            i = j + 1
        }
        return parts.joined(separator: ", ") + (i < values.count ? ", …" : "")
    }
}
