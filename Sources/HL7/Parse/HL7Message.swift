/// One message: a run of segments starting with MSH, over the file's shared bytes.
///
/// Nothing is copied at parse time; a segment's fields are sliced when read.
public struct HL7Message: Sendable {
    let buffer: HL7Buffer
    /// Indices into `buffer.segments`.
    let segmentIndices: Range<Int>
    public let delimiters: HL7Delimiters
    public let characterSet: HL7CharacterSet
    /// 1-based position of this message in its file (counting messages that failed validation).
    public let index: Int

    public var segmentCount: Int { segmentIndices.count }

    /// Segment at 0-based position `i` in the message.
    public func segment(at i: Int) -> HL7Segment {
        HL7Segment(buffer: buffer, entry: buffer.segments[segmentIndices.lowerBound + i],
                   delimiters: delimiters, characterSet: characterSet)
    }

    public var segments: [HL7Segment] { (0..<segmentCount).map(segment(at:)) }

    /// The `occurrence`-th (1-based) segment with this ID.
    public func segment(_ id: String, occurrence: Int = 1) -> HL7Segment? {
        guard let code = SegmentEntry.pack(id), occurrence >= 1 else { return nil }
        var seen = 0
        for i in segmentIndices where buffer.segments[i].id == code {
            seen += 1
            if seen == occurrence {
                return HL7Segment(buffer: buffer, entry: buffer.segments[i], delimiters: delimiters, characterSet: characterSet)
            }
        }
        return nil
    }

    /// Every segment with this ID, in order.
    public func segments(_ id: String) -> [HL7Segment] {
        guard let code = SegmentEntry.pack(id) else { return [] }
        return segmentIndices.compactMap { i in
            buffer.segments[i].id == code
                ? HL7Segment(buffer: buffer, entry: buffer.segments[i], delimiters: delimiters, characterSet: characterSet)
                : nil
        }
    }

    /// The value at a path, keeping null apart from not present.
    public func value(at path: HL7Path) -> HL7Value {
        guard let seg = segment(path.segment, occurrence: path.occurrence) else { return .notPresent }
        return seg.value(field: path.field, repetition: path.repetition,
                         component: path.component ?? 1, subcomponent: path.subcomponent ?? 1)
    }

    /// The unescaped value at a path such as `PID-3[2].4` (nil when not present, `""` for
    /// null, nil for a path that does not parse).
    public subscript(path: String) -> String? {
        guard let p = HL7Path(path) else { return nil }
        return value(at: p).wireText
    }

    /// The message bytes as written, segments separated by their original terminators.
    public var rawBytes: ArraySlice<UInt8> {
        guard let first = segmentIndices.first, let last = segmentIndices.last else { return [] }
        return buffer.bytes[buffer.segments[first].start..<buffer.segments[last].end]
    }

    /// The message re-serialised with CR terminators (the wire form), bytes unchanged otherwise.
    public var wireBytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(rawBytes.count + 1)
        for i in segmentIndices {
            let e = buffer.segments[i]
            out.append(contentsOf: buffer.bytes[e.start..<e.end])
            out.append(0x0D)
        }
        return out
    }

    public var wireText: String { characterSet.decode(wireBytes) }
}
