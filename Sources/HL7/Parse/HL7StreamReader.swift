/// Splits a byte stream (a socket, a file read in chunks) into message units without holding
/// more than one message: a unit ends at an MLLP end byte (0x1C) or where a line starts with
/// MSH, FHS, BHS, BTS or FTS. Each unit parses with `HL7File.parse`; batch envelope lines come
/// out as units of their own.
///
/// Feeding the same bytes whole, in chunks or byte by byte yields the same units.
public struct HL7StreamReader: Sendable {
    private var pending: [UInt8] = []
    /// Bytes of `pending` already known not to contain a boundary.
    private var scanned = 0
    public init() {}

    /// Adds bytes; returns the units completed by them.
    public mutating func feed<C: Collection>(_ chunk: C) -> [[UInt8]] where C.Element == UInt8 {
        pending.append(contentsOf: chunk)
        return split(final: false)
    }

    /// Ends the stream; returns what remains as a last unit (if it is not blank).
    public mutating func finish() -> [[UInt8]] {
        let units = split(final: true)
        defer { pending = []; scanned = 0 }
        return units + emit(pending[...])
    }

    private mutating func split(final: Bool) -> [[UInt8]] {
        var units: [[UInt8]] = []
        var unitStart = 0
        var i = scanned
        let n = pending.count
        while i < n {
            let b = pending[i]
            if b == 0x1C || b == 0x0B {
                units += emit(pending[unitStart..<i])
                unitStart = i + 1
                i += 1
                continue
            }
            if b == 0x0D || b == 0x0A {
                // Need the next line's first four bytes to decide.
                var j = i + 1
                while j < n, pending[j] == 0x0D || pending[j] == 0x0A { j += 1 }
                if j + 4 > n && !final { break }
                if j + 4 <= n && startsEnvelopeOrMessage(j) {
                    units += emit(pending[unitStart..<j])
                    unitStart = j
                }
                i = j
                continue
            }
            i += 1
        }
        pending.removeFirst(unitStart)
        scanned = max(0, i - unitStart)
        return units
    }

    private func startsEnvelopeOrMessage(_ j: Int) -> Bool {
        let id = SegmentEntry.pack(pending[j], pending[j + 1], pending[j + 2])
        guard id == SegmentEntry.msh || id == SegmentEntry.fhs || id == SegmentEntry.bhs
            || id == SegmentEntry.bts || id == SegmentEntry.fts else { return false }
        return HL7Delimiters.isLegalDelimiter(pending[j + 3])
    }

    private func emit(_ bytes: ArraySlice<UInt8>) -> [[UInt8]] {
        bytes.contains(where: { !isBlankByte($0) }) ? [Array(bytes)] : []
    }
}
