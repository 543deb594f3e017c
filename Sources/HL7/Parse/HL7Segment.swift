/// A view of one segment; fields are found by scanning the bytes when asked for.
public struct HL7Segment: Sendable {
    let buffer: HL7Buffer
    let entry: SegmentEntry
    public let delimiters: HL7Delimiters
    public let characterSet: HL7CharacterSet

    /// The segment ID (`MSH`, `PID`, `ZPI`, …).
    public var id: String { entry.idString }

    /// The segment as written, without its terminator.
    public var rawBytes: ArraySlice<UInt8> { buffer.bytes[entry.start..<entry.end] }

    public var rawText: String { characterSet.decode(rawBytes) }

    /// The number of the last field present (MSH counts MSH-1, the field separator).
    public var fieldCount: Int {
        buffer.bytes.withUnsafeBufferPointer { p in
            var count = 0
            var i = entry.start + 3
            while i < entry.end { if p[i] == delimiters.field { count += 1 }; i += 1 }
            return entry.isHeader ? count + 1 : count
        }
    }

    /// The byte range of field `n` (1-based), nil when the segment stops earlier.
    func fieldRange(_ n: Int) -> Range<Int>? {
        guard n >= 1 else { return nil }
        let bytes = buffer.bytes
        let start = entry.start, end = entry.end
        if entry.isHeader {
            if n == 1 { return end - start > 3 ? (start + 3)..<(start + 4) : nil }
            return bytes.withUnsafeBufferPointer { p in Self.nth(p, from: start + 3, to: end, index: n - 1, sep: delimiters.field) }
        }
        return bytes.withUnsafeBufferPointer { p in Self.nth(p, from: start + 3, to: end, index: n, sep: delimiters.field) }
    }

    /// The `index`-th piece (1-based) after the separator at `from`.
    @inline(__always)
    static func nth(_ p: UnsafeBufferPointer<UInt8>, from: Int, to end: Int, index: Int, sep: UInt8) -> Range<Int>? {
        guard from < end, p[from] == sep else { return nil }
        var seen = 1
        var i = from + 1
        var pieceStart = i
        while i < end {
            if p[i] == sep {
                if seen == index { return pieceStart..<i }
                seen += 1
                pieceStart = i + 1
            }
            i += 1
        }
        return seen == index ? pieceStart..<end : nil
    }

    /// Field `n` as written (escaped, with its repetitions and components), nil when absent.
    public func rawField(_ n: Int) -> ArraySlice<UInt8>? {
        fieldRange(n).map { buffer.bytes[$0] }
    }

    /// Field `n` as a structured view.
    public func field(_ n: Int) -> HL7Field? {
        guard let r = fieldRange(n) else { return nil }
        return HL7Field(buffer: buffer, range: r, delimiters: delimiters, characterSet: characterSet,
                        isEncodingCharacters: entry.isHeader && (n == 1 || n == 2))
    }

    /// Every field present, found in one scan: element k is `field(k + 1)`. Code that visits
    /// every field walks this; `field(_:)` scans from the segment's start on each call.
    public var fields: [HL7Field] {
        let start = entry.start, end = entry.end, sep = delimiters.field
        var ranges: [Range<Int>] = []
        buffer.bytes.withUnsafeBufferPointer { p in
            guard start + 3 < end else { return }
            // In a header the byte after the ID is MSH-1 (the separator itself).
            if entry.isHeader { ranges.append((start + 3)..<(start + 4)) }
            guard p[start + 3] == sep else { return }
            var fieldStart = start + 4
            for i in fieldStart..<end where p[i] == sep {
                ranges.append(fieldStart..<i)
                fieldStart = i + 1
            }
            ranges.append(fieldStart..<end)
        }
        return ranges.enumerated().map { k, r in
            HL7Field(buffer: buffer, range: r, delimiters: delimiters, characterSet: characterSet,
                     isEncodingCharacters: entry.isHeader && k < 2)
        }
    }

    /// The leaf value at field/repetition/component/subcomponent (1-based), following the
    /// first child where the path stops early (python-hl7's "future-proof" rule).
    public func value(field n: Int, repetition: Int = 1, component: Int = 1, subcomponent: Int = 1) -> HL7Value {
        guard let f = field(n) else { return .notPresent }
        return f.value(repetition: repetition, component: component, subcomponent: subcomponent)
    }

    /// Convenience for typed views: the text, or nil when not present or null (`""`).
    public func string(_ n: Int, _ repetition: Int = 1, _ component: Int = 1, _ subcomponent: Int = 1) -> String? {
        value(field: n, repetition: repetition, component: component, subcomponent: subcomponent).text
    }
}

/// A value read from a message, keeping HL7's distinction between "not sent" and the explicit
/// null `""` (which asks the receiver to delete what it holds).
public enum HL7Value: Sendable, Hashable {
    case notPresent
    case null
    case value(String)

    /// The text, nil when not present or null.
    public var text: String? {
        if case .value(let s) = self { return s }
        return nil
    }

    /// As python-hl7 reports it: nil when not present, `""` (two quotes) for null.
    public var wireText: String? {
        switch self {
        case .notPresent: return nil
        case .null: return "\"\""
        case .value(let s): return s
        }
    }
}
