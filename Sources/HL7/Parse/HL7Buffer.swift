/// The bytes of one file and the segment boundaries found in them, shared by every message and
/// segment view of that file. Immutable after parsing, so sharing it across tasks is safe.
final class HL7Buffer: Sendable {
    let bytes: [UInt8]
    let segments: [SegmentEntry]

    init(bytes: [UInt8], segments: [SegmentEntry]) {
        self.bytes = bytes
        self.segments = segments
    }
}

/// One segment: where it lies and its three-letter ID packed into an integer for fast lookups.
struct SegmentEntry: Sendable {
    let start: Int
    let end: Int
    let id: UInt32

    static func pack(_ a: UInt8, _ b: UInt8, _ c: UInt8) -> UInt32 {
        UInt32(a) << 16 | UInt32(b) << 8 | UInt32(c)
    }

    static func pack(_ id: String) -> UInt32? {
        var code: UInt32 = 0, count = 0
        for b in id.utf8 {
            count += 1
            guard count <= 3 else { return nil }
            code = code << 8 | UInt32(b)
        }
        return count == 3 ? code : nil
    }

    static let msh = pack(77, 83, 72)   // MSH
    static let fhs = pack(70, 72, 83)   // FHS
    static let bhs = pack(66, 72, 83)   // BHS
    static let bts = pack(66, 84, 83)   // BTS
    static let fts = pack(70, 84, 83)   // FTS

    var idString: String {
        String(decoding: [UInt8(id >> 16 & 0xFF), UInt8(id >> 8 & 0xFF), UInt8(id & 0xFF)], as: UTF8.self)
    }

    /// MSH, FHS and BHS number their fields from the separator itself (MSH-1 is `|`).
    var isHeader: Bool { id == Self.msh || id == Self.fhs || id == Self.bhs }
}
