/// Whether the model read a study's images. A study is *analysed* only when the model ran on at
/// least one of its images; an unread study, or the unread part of a partly read one, is never
/// reported as a negative in any output.
public struct Analysis: Sendable, Codable, Equatable {
    public enum Status: String, Sendable, Codable, CaseIterable {
        /// The model ran on every image of the study.
        case complete
        /// The model ran on some images; others could not be read (`unread`).
        case partial
        /// The model ran on none: no model, no image it can read, or every image unreadable.
        case notAnalysed = "not-analysed"
    }

    /// One image (a frame of a multi-frame image) the model did not run on, and why.
    public struct Unread: Sendable, Codable, Equatable {
        /// Path relative to the batch root, as the other outputs name files.
        public var file: String
        /// 0-based frame of a multi-frame image; nil for a single-frame image or the whole file.
        public var frame: Int?
        public var sopInstanceUID: String?
        public var reason: String

        public init(file: String, frame: Int? = nil, sopInstanceUID: String? = nil, reason: String) {
            self.file = file; self.frame = frame; self.sopInstanceUID = sopInstanceUID; self.reason = reason
        }
    }

    /// Images (frames) the model ran on.
    public var analysedImages: Int
    public var unread: [Unread]
    /// Why no image was even tried (no model configured, no image in the study); nil otherwise.
    public var note: String?

    public init(analysedImages: Int, unread: [Unread] = [], note: String? = nil) {
        self.analysedImages = analysedImages; self.unread = unread; self.note = note
    }

    /// No model ran for the study at all.
    public static func noModel(_ why: String = "no model is configured for this pipeline") -> Analysis {
        Analysis(analysedImages: 0, note: why)
    }

    public var status: Status {
        if analysedImages == 0 { return .notAnalysed }
        return unread.isEmpty ? .complete : .partial
    }

    /// One line for tables and notes: what was not read and why (reasons grouped, most common first).
    public var summary: String {
        switch status {
        case .complete: return "every image analysed"
        case .notAnalysed where unread.isEmpty: return note ?? "no image the model can read"
        case .notAnalysed, .partial:
            let total = analysedImages + unread.count
            return "\(unread.count) of \(total) image\(total == 1 ? "" : "s") not read: " + reasons.joined(separator: "; ")
        }
    }

    /// The distinct reasons images were not read, most common first.
    public var reasons: [String] {
        var counts: [String: Int] = [:]
        for u in unread { counts[u.reason, default: 0] += 1 }
        if unread.isEmpty, let note { return [note] }
        return counts.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.map { $0.value > 1 ? "\($0.key) (\($0.value) images)" : $0.key }
    }

    /// What the clinical outputs (SR comments, ORU notes, FHIR) say of a study not fully read:
    /// a headline, then one line per unread image by SOP Instance UID and frame, as a PACS or
    /// RIS knows them (the first `limit`).
    public func notes(limit: Int = 100) -> [String] {
        guard status != .complete else { return [] }
        var lines = [(status == .partial ? "Partly analysed, needs a human read: " : "Not analysed, needs a human read: ") + summary]
        for u in unread.prefix(limit) {
            let frame = u.frame.map { " frame \($0 + 1)" } ?? ""
            lines.append("Not read: \(u.sopInstanceUID ?? u.file)\(frame): \(u.reason)")
        }
        if unread.count > limit { lines.append("… and \(unread.count - limit) more images not read") }
        return lines
    }
}
