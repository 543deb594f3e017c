/// One field of a segment: repetitions, components and subcomponents are sliced on demand.
///
/// One lookup (`value(repetition:component:subcomponent:)`) scans from the start of the field,
/// so code that visits every repetition or component walks `repetitions` and `tree`, which
/// split the field in one pass: a field of n repetitions then costs O(n), not O(n²).
public struct HL7Field: Sendable {
    let buffer: HL7Buffer
    let range: Range<Int>
    public let delimiters: HL7Delimiters
    public let characterSet: HL7CharacterSet
    /// MSH-1/MSH-2 hold the delimiters themselves and are never split or unescaped.
    let isEncodingCharacters: Bool

    public var rawBytes: ArraySlice<UInt8> { buffer.bytes[range] }

    /// True when nothing was sent (the field is empty).
    public var isEmpty: Bool { range.isEmpty }

    /// True for the explicit null `""`.
    public var isNull: Bool {
        range.count == 2 && buffer.bytes[range.lowerBound] == 0x22 && buffer.bytes[range.lowerBound + 1] == 0x22
    }

    public var repetitionCount: Int {
        if range.isEmpty { return 0 }
        if isEncodingCharacters { return 1 }
        return count(of: delimiters.repetition, in: range) + 1
    }

    /// Number of components in repetition `rep` (1-based).
    public func componentCount(repetition rep: Int = 1) -> Int {
        guard let r = repetitionRange(rep) else { return 0 }
        if isEncodingCharacters { return 1 }
        return count(of: delimiters.component, in: r) + 1
    }

    public func subcomponentCount(repetition rep: Int = 1, component: Int = 1) -> Int {
        guard let r = componentRange(rep, component) else { return 0 }
        if isEncodingCharacters { return 1 }
        return count(of: delimiters.subcomponent, in: r) + 1
    }

    private func count(of sep: UInt8, in r: Range<Int>) -> Int {
        guard sep != HL7Delimiters.none else { return 0 }
        return buffer.bytes.withUnsafeBufferPointer { p in
            var c = 0
            for i in r where p[i] == sep { c += 1 }
            return c
        }
    }

    /// The `index`-th piece (1-based) of `r` split by `sep`.
    private func piece(_ r: Range<Int>, _ index: Int, _ sep: UInt8) -> Range<Int>? {
        guard index >= 1 else { return nil }
        if sep == HL7Delimiters.none || isEncodingCharacters { return index == 1 ? r : nil }
        return buffer.bytes.withUnsafeBufferPointer { p in
            var seen = 1
            var pieceStart = r.lowerBound
            var i = r.lowerBound
            while i < r.upperBound {
                if p[i] == sep {
                    if seen == index { return pieceStart..<i }
                    seen += 1
                    pieceStart = i + 1
                }
                i += 1
            }
            return seen == index ? pieceStart..<r.upperBound : nil
        }
    }

    /// Every piece of `r` split by `sep`, in one scan; an empty `r` is one empty piece.
    private func split(_ r: Range<Int>, _ sep: UInt8) -> [Range<Int>] {
        if sep == HL7Delimiters.none || isEncodingCharacters { return [r] }
        return buffer.bytes.withUnsafeBufferPointer { p in
            var pieces: [Range<Int>] = []
            var pieceStart = r.lowerBound
            for i in r where p[i] == sep {
                pieces.append(pieceStart..<i)
                pieceStart = i + 1
            }
            pieces.append(pieceStart..<r.upperBound)
            return pieces
        }
    }

    /// Every repetition, found in one scan, each a view of its own with the field's data type
    /// (read it with `value(component:subcomponent:)`); empty when nothing was sent.
    public var repetitions: [HL7Field] {
        if range.isEmpty { return [] }
        return split(range, delimiters.repetition).map {
            HL7Field(buffer: buffer, range: $0, delimiters: delimiters, characterSet: characterSet,
                     isEncodingCharacters: isEncodingCharacters)
        }
    }

    func repetitionRange(_ rep: Int) -> Range<Int>? { piece(range, rep, delimiters.repetition) }

    func componentRange(_ rep: Int, _ comp: Int) -> Range<Int>? {
        repetitionRange(rep).flatMap { piece($0, comp, delimiters.component) }
    }

    func subcomponentRange(_ rep: Int, _ comp: Int, _ sub: Int) -> Range<Int>? {
        componentRange(rep, comp).flatMap { piece($0, sub, delimiters.subcomponent) }
    }

    /// The unescaped leaf value; a shorter path follows the first child.
    public func value(repetition: Int = 1, component: Int = 1, subcomponent: Int = 1) -> HL7Value {
        if isEncodingCharacters {
            guard repetition == 1, component == 1, subcomponent == 1, !range.isEmpty else { return .notPresent }
            return .value(String(decoding: buffer.bytes[range], as: UTF8.self))
        }
        guard let r = subcomponentRange(repetition, component, subcomponent) else { return .notPresent }
        return leaf(r)
    }

    /// Text of a leaf range: empty → not present, `""` → null, otherwise unescaped and decoded.
    func leaf(_ r: Range<Int>) -> HL7Value {
        if r.isEmpty { return .notPresent }
        return buffer.bytes.withUnsafeBufferPointer { p in
            let slice = UnsafeBufferPointer(rebasing: p[r])
            if slice.count == 2, slice[0] == 0x22, slice[1] == 0x22 { return .null }
            var plain = true
            for b in slice where b == delimiters.escape || b >= 0x80 { plain = false; break }
            if plain { return .value(String(decoding: slice, as: UTF8.self)) }
            if !slice.contains(delimiters.escape) { return .value(characterSet.decode(slice)) }
            return .value(characterSet.decode(HL7Escape.unescape(slice, delimiters)))
        }
    }

    /// The unescaped text of every leaf, as nested arrays: repetitions → components → subcomponents.
    public var tree: [[[String]]] {
        if isEncodingCharacters { return [[[String(decoding: buffer.bytes[range], as: UTF8.self)]]] }
        if range.isEmpty { return [] }
        return split(range, delimiters.repetition).map { rep in
            split(rep, delimiters.component).map { comp in
                split(comp, delimiters.subcomponent).map { leaf($0).wireText ?? "" }
            }
        }
    }
}
