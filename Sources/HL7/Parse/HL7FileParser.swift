/// Splits a file into segments and messages and validates each message on its own.
///
/// Segment terminators: CR, CRLF, or LF. A bare LF inside a CR-terminated message is data
/// (senders put line breaks in report text) unless the next line starts a segment
/// (`ABC` + the field separator), so LF-only files and mixed concatenations both work.
/// MLLP start (0x0B) and end (0x1C) bytes end the current message.
struct HL7FileParser {
    let bytes: [UInt8]
    let name: String
    var limits = HL7Limits()

    private static let cr: UInt8 = 0x0D, lf: UInt8 = 0x0A, vt: UInt8 = 0x0B, fs: UInt8 = 0x1C

    func run() -> HL7File {
        let (buffer, frameStarts) = segment()
        return group(buffer, frameStarts)
    }

    /// Finds the segments; frame starts are segment indices that follow an MLLP frame byte.
    func segment() -> (HL7Buffer, Set<Int>) {
        var segments: [SegmentEntry] = []
        var frameStarts = Set<Int>()
        bytes.withUnsafeBufferPointer { p in scan(p, &segments, &frameStarts) }
        return (HL7Buffer(bytes: bytes, segments: segments), frameStarts)
    }

    // MARK: - Segments

    private func scan(_ p: UnsafeBufferPointer<UInt8>, _ segments: inout [SegmentEntry], _ frameStarts: inout Set<Int>) {
        let n = p.count
        var i = 0
        if n >= 3, p[0] == 0xEF, p[1] == 0xBB, p[2] == 0xBF { i = 3 }
        var lineStart = i
        var fieldSep: UInt8? = nil
        segments.reserveCapacity(n / 40)

        func endLine(_ end: Int) {
            var e = end
            while e > lineStart, p[e - 1] == Self.lf { e -= 1 }
            var blank = true
            for k in lineStart..<e where !isBlankByte(p[k]) { blank = false; break }
            guard !blank else { return }
            let id: UInt32 = e - lineStart >= 3 ? SegmentEntry.pack(p[lineStart], p[lineStart + 1], p[lineStart + 2]) : 0
            let entry = SegmentEntry(start: lineStart, end: e, id: id)
            segments.append(entry)
        }

        // The field separator in force: the latest header's, or the current line's when it is one.
        func noteHeader(_ j: Int) {
            guard j + 3 < n else { return }
            let id = SegmentEntry.pack(p[j], p[j + 1], p[j + 2])
            // Trailers too: a stream reader starts a unit there, and both must decide alike.
            if id == SegmentEntry.msh || id == SegmentEntry.fhs || id == SegmentEntry.bhs
                || id == SegmentEntry.bts || id == SegmentEntry.fts { fieldSep = p[j + 3] }
        }
        noteHeader(i)

        func startsSegment(_ j: Int) -> Bool {
            guard j + 3 < n else { return false }
            guard isUpper(p[j]), isUpperOrDigit(p[j + 1]), isUpperOrDigit(p[j + 2]) else { return false }
            let sep = p[j + 3]
            let id = SegmentEntry.pack(p[j], p[j + 1], p[j + 2])
            if id == SegmentEntry.msh || id == SegmentEntry.fhs || id == SegmentEntry.bhs
                || id == SegmentEntry.bts || id == SegmentEntry.fts {
                return HL7Delimiters.isLegalDelimiter(sep)
            }
            return fieldSep.map { $0 == sep } ?? HL7Delimiters.isLegalDelimiter(sep)
        }

        while i < n {
            let b = p[i]
            if b > Self.cr && b != Self.fs { i += 1; continue }
            switch b {
            case Self.cr:
                endLine(i)
                i += 1
                if i < n, p[i] == Self.lf { i += 1 }
                lineStart = i
                noteHeader(i)
            case Self.lf:
                let j = i + 1
                if j >= n || p[j] == Self.cr || p[j] == Self.lf || p[j] == Self.vt || p[j] == Self.fs || startsSegment(j) {
                    endLine(i)
                    lineStart = j
                    noteHeader(j)
                }
                i = j
            case Self.vt, Self.fs:
                endLine(i)
                frameStarts.insert(segments.count)
                i += 1
                lineStart = i
                fieldSep = nil   // a new frame knows nothing of the previous message
                noteHeader(i)
            default:
                i += 1
            }
        }
        if lineStart < n { endLine(n) }
    }

    // MARK: - Messages and batches

    /// Batch bookkeeping carried from one piece of a file to the next (see `HL7File.scan`).
    struct GroupState {
        var unitCount = 0
        var messagesInBatch = 0
        var batchesInFile = 0
        var envelopeDelimiters = HL7Delimiters.standard
        var openBatch = false, openFile = false
        /// Segments in earlier pieces, so positions count from the start of the file.
        var segmentBase = 0
        var sawEnvelope = false
        var sawSegments = false
    }

    struct Piece {
        var messages: [HL7Message] = []
        var errors: [HL7Error] = []
        var batchSegments: [HL7Segment] = []
        var rejected: [HL7Message] = []
    }

    private func group(_ buffer: HL7Buffer, _ frameStarts: Set<Int>) -> HL7File {
        var state = GroupState()
        var piece = group(buffer, frameStarts, &state)
        piece.errors += finish(state)
        return HL7File(name: name, messages: piece.messages, errors: piece.errors, messageUnitCount: state.unitCount,
                       batchSegments: piece.batchSegments, rejectedMessages: piece.rejected)
    }

    func finish(_ state: GroupState) -> [HL7Error] {
        guard state.unitCount == 0 && !state.sawEnvelope else { return [] }
        return [HL7Error(.notHL7, file: name, detail: state.sawSegments ? "no MSH segment" : "no segments")]
    }

    func group(_ buffer: HL7Buffer, _ frameStarts: Set<Int>, _ state: inout GroupState) -> Piece {
        let segs = buffer.segments
        var piece = Piece()
        var current: Int? = nil
        let base = state.segmentBase
        if !segs.isEmpty { state.sawSegments = true }

        func close(_ k: Int, _ state: inout GroupState) {
            guard let s = current else { return }
            current = nil
            state.unitCount += 1
            state.messagesInBatch += 1
            switch validate(buffer, s..<k, index: state.unitCount) {
            case .success(let m): piece.messages.append(m)
            case .failure(let e):
                piece.errors.append(e.error)
                if let m = e.readable { piece.rejected.append(m) }
            }
        }

        func envelope(_ k: Int, _ state: GroupState) -> HL7Segment {
            HL7Segment(buffer: buffer, entry: segs[k], delimiters: state.envelopeDelimiters, characterSet: .ascii)
        }

        func checkCount(_ k: Int, expected: Int, what: String, _ state: GroupState) {
            let seg = envelope(k, state)
            guard case .value(let text) = seg.value(field: 1) else { return }
            let declared = Int(text.trimmingCharactersSpace)
            if declared != expected {
                piece.errors.append(HL7Error(.batchCountMismatch, file: name, messageIndex: nil, segment: seg.id,
                                             segmentPosition: base + k + 1, field: 1,
                                             detail: declared.map { "declares \($0) \(what), found \(expected)" }
                                                 ?? "count is not a number, found \(expected) \(what)"))
            }
        }

        for k in segs.indices {
            if !frameStarts.isEmpty, frameStarts.contains(k) { close(k, &state) }
            let id = segs[k].id
            switch id {
            case SegmentEntry.msh:
                close(k, &state)
                current = k
            case SegmentEntry.fhs, SegmentEntry.bhs:
                close(k, &state)
                state.sawEnvelope = true
                let e = segs[k]
                state.envelopeDelimiters = buffer.bytes.withUnsafeBufferPointer {
                    HL7Delimiters.parse(header: $0, start: e.start, end: e.end)
                } ?? .standard
                if id == SegmentEntry.bhs {
                    state.batchesInFile += 1; state.openBatch = true
                } else {
                    state.batchesInFile = 0; state.openFile = true
                }
                state.messagesInBatch = 0
                piece.batchSegments.append(envelope(k, state))
            case SegmentEntry.bts:
                close(k, &state)
                state.sawEnvelope = true
                piece.batchSegments.append(envelope(k, state))
                if state.openBatch {
                    checkCount(k, expected: state.messagesInBatch, what: "messages", state)
                } else {
                    piece.errors.append(HL7Error(.unexpectedSegment, file: name, segment: "BTS", segmentPosition: base + k + 1,
                                                 detail: "no BHS before it"))
                }
                state.openBatch = false
                state.messagesInBatch = 0
            case SegmentEntry.fts:
                close(k, &state)
                state.sawEnvelope = true
                piece.batchSegments.append(envelope(k, state))
                if !state.openFile {
                    piece.errors.append(HL7Error(.unexpectedSegment, file: name, segment: "FTS", segmentPosition: base + k + 1,
                                                 detail: "no FHS before it"))
                } else if state.batchesInFile > 0 {
                    checkCount(k, expected: state.batchesInFile, what: "batches", state)
                }
                state.openFile = false
            default:
                if current == nil { current = k }
            }
        }
        close(segs.count, &state)
        state.segmentBase += segs.count
        return piece
    }

    /// A failed validation, with the message when its MSH is still readable (to NACK it).
    struct Rejection: Error {
        let error: HL7Error
        let readable: HL7Message?
    }

    private func validate(_ buffer: HL7Buffer, _ range: Range<Int>, index: Int) -> Result<HL7Message, Rejection> {
        let segs = buffer.segments
        let first = segs[range.lowerBound]
        var readable: HL7Message? = nil
        func fail(_ code: HL7Error.Code, _ seg: SegmentEntry?, _ pos: Int?, field: Int? = nil, detail: String? = nil) -> Result<HL7Message, Rejection> {
            .failure(Rejection(error: HL7Error(code, file: name, messageIndex: index, segment: seg.map { safeID($0, buffer) },
                                               segmentPosition: pos, field: field, detail: detail), readable: readable))
        }
        guard first.id == SegmentEntry.msh else { return fail(.missingMSH, first, 1) }
        guard first.end - first.start >= 8 else { return fail(.mshTooShort, first, 1) }
        guard let delimiters = buffer.bytes.withUnsafeBufferPointer({
            HL7Delimiters.parse(header: $0, start: first.start, end: first.end)
        }) else { return fail(.badDelimiters, first, 1, field: 2) }
        let msh = HL7Segment(buffer: buffer, entry: first, delimiters: delimiters, characterSet: .ascii)
        let charset = msh.value(field: 18).text.map { HL7CharacterSet(term: $0.trimmingCharactersSpace) } ?? .ascii
        let message = HL7Message(buffer: buffer, segmentIndices: range, delimiters: delimiters,
                                 characterSet: charset, index: index)
        readable = message
        let fields = msh.fieldCount
        guard fields >= 12 else {
            return fail(.mshTooShort, first, 1, field: fields + 1, detail: "\(fields) fields, at least 12 needed")
        }
        for (offset, k) in range.enumerated().dropFirst() where !wellFormed(segs[k], buffer, delimiters) {
            return fail(.badSegment, nil, offset + 1)
        }
        if let b = breach(buffer, range, delimiters) {
            return fail(b.code, b.segment, b.position, field: b.field, detail: b.detail)
        }
        guard case .value(let version) = msh.value(field: 12), HL7Version.isKnown(version) else {
            return fail(.unknownVersion, first, 1, field: 12)
        }
        return .success(message)
    }

    /// A cap of `limits` that a message breaks, and where.
    private struct Breach {
        let code: HL7Error.Code
        var segment: SegmentEntry? = nil, position: Int? = nil, field: Int? = nil
        let detail: String
    }

    /// The first cap a well-formed message breaks: its size, its segment count, then field by
    /// field (bytes, repetitions) in one pass over each segment long enough to break a field cap.
    private func breach(_ buffer: HL7Buffer, _ range: Range<Int>, _ d: HL7Delimiters) -> Breach? {
        let segs = buffer.segments
        let size = segs[range.upperBound - 1].end - segs[range.lowerBound].start
        if size > limits.maxMessageBytes {
            return Breach(code: .messageTooLarge, detail: "\(size) bytes, limit \(limits.maxMessageBytes)")
        }
        if range.count > limits.maxSegments {
            return Breach(code: .tooManySegments, detail: "\(range.count) segments, limit \(limits.maxSegments)")
        }
        // A field is shorter than its segment and has at most one repetition per byte, so a
        // segment within both caps needs no scan: nearly all are.
        let shortEnough = min(limits.maxFieldBytes, limits.maxRepetitions)
        return buffer.bytes.withUnsafeBufferPointer { p -> Breach? in
            for (offset, k) in range.enumerated() where segs[k].end - segs[k].start > shortEnough {
                let e = segs[k]
                var n = 0, fieldStart = e.start + 3, repetitions = 1
                var i = e.start + 3
                if e.isHeader {
                    // MSH-2 holds the repetition character itself: start at the separator after it.
                    i += 1
                    while i < e.end, p[i] != d.field { i += 1 }
                    n = 2
                    fieldStart = i
                }
                func check(_ fieldEnd: Int) -> Breach? {
                    let bytes = fieldEnd - fieldStart
                    if bytes > limits.maxFieldBytes {
                        return Breach(code: .fieldTooLarge, segment: e, position: offset + 1, field: n,
                                      detail: "\(bytes) bytes, limit \(limits.maxFieldBytes)")
                    }
                    if repetitions > limits.maxRepetitions {
                        return Breach(code: .tooManyRepetitions, segment: e, position: offset + 1, field: n,
                                      detail: "\(repetitions) repetitions, limit \(limits.maxRepetitions)")
                    }
                    return nil
                }
                let countsRepetitions = d.repetition != HL7Delimiters.none
                while i < e.end {
                    let b = p[i]
                    if b == d.field {
                        if let breach = check(i) { return breach }
                        n += 1
                        fieldStart = i + 1
                        repetitions = 1
                    } else if b == d.repetition, countsRepetitions {
                        repetitions += 1
                    }
                    i += 1
                }
                if let breach = check(e.end) { return breach }
            }
            return nil
        }
    }

    private func wellFormed(_ e: SegmentEntry, _ buffer: HL7Buffer, _ d: HL7Delimiters) -> Bool {
        let len = e.end - e.start
        guard len >= 3 else { return false }
        let p = buffer.bytes
        guard isUpper(p[e.start]), isUpperOrDigit(p[e.start + 1]), isUpperOrDigit(p[e.start + 2]) else { return false }
        return len == 3 || p[e.start + 3] == d.field
    }

    /// The segment ID for an error message, only when it is a plausible ID (never data).
    private func safeID(_ e: SegmentEntry, _ buffer: HL7Buffer) -> String {
        let p = buffer.bytes
        guard e.end - e.start >= 3, isUpper(p[e.start]), isUpperOrDigit(p[e.start + 1]), isUpperOrDigit(p[e.start + 2])
        else { return "?" }
        return e.idString
    }
}

/// Bytes a line may consist of and still be skipped as blank (padding, Ctrl-Z, stray LFs).
@inline(__always) func isBlankByte(_ b: UInt8) -> Bool {
    b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D || b == 0x00 || b == 0x1A
}
@inline(__always) func isUpper(_ b: UInt8) -> Bool { b >= 0x41 && b <= 0x5A }
@inline(__always) func isUpperOrDigit(_ b: UInt8) -> Bool { (b >= 0x41 && b <= 0x5A) || (b >= 0x30 && b <= 0x39) }

/// HL7 v2 versions this reader accepts in MSH-12: 2.1 through 2.8.x.
public enum HL7Version {
    public static func isKnown(_ version: String) -> Bool {
        // Fast path for the common spellings.
        switch version {
        case "2.1", "2.2", "2.3", "2.3.1", "2.4", "2.5", "2.5.1", "2.6", "2.7", "2.7.1", "2.8", "2.8.1", "2.8.2": return true
        default: break
        }
        let parts = version.trimmingCharactersSpace.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2 || parts.count == 3, parts[0] == "2",
              let minor = Int(parts[1]), (1...8).contains(minor), parts[1].count == 1 else { return false }
        if parts.count == 3 { return !parts[2].isEmpty && parts[2].allSatisfy(\.isNumber) && parts[2].count <= 2 }
        return true
    }
}
