/// Builds a message by path (`PID-3[2].4`), escaping every value, so no writer in the
/// project ever concatenates delimiters by hand.
///
/// Segments appear in the order they are first touched; `OBX[3]-5` creates OBX occurrences
/// up to the third. Trailing empty fields, repetitions and components are left out.
public struct HL7MessageBuilder: Sendable {
    public let delimiters: HL7Delimiters

    /// A segment: fields[n] is field n (index 0 unused); each field holds repetitions →
    /// components → subcomponents, already escaped.
    struct Segment: Sendable {
        var id: String
        var fields: [[[[String]]]] = [[]]
    }

    var segments: [Segment]

    public enum BuildError: Error, CustomStringConvertible, Sendable {
        case badPath(String)
        case readOnlyField(String)
        public var description: String {
            switch self {
            case .badPath(let p): return "not an HL7 path: \(p)"
            case .readOnlyField(let p): return "\(p) holds the delimiters and cannot be set"
            }
        }
    }

    /// Starts a message with an MSH carrying `delimiters` in MSH-1/MSH-2.
    public init(delimiters: HL7Delimiters = .standard) {
        self.delimiters = delimiters
        segments = [Segment(id: "MSH")]
    }

    /// Sets the leaf at `path` to `value` (escaped); component and subcomponent default to 1.
    public mutating func set(_ path: String, _ value: String?) throws {
        guard let p = HL7Path(path) else { throw BuildError.badPath(path) }
        try set(p, value)
    }

    public mutating func set(_ path: HL7Path, _ value: String?) throws {
        if path.segment == "MSH", path.field <= 2 { throw BuildError.readOnlyField(path.description) }
        setEscaped(path, value.map { HL7Escape.escape($0, delimiters) } ?? "")
    }

    /// Sets an explicit null (`""`): the receiver should delete what it holds.
    public mutating func setNull(_ path: String) throws {
        guard let p = HL7Path(path) else { throw BuildError.badPath(path) }
        setEscaped(p, "\"\"")
    }

    /// Appends a new, empty segment and returns its occurrence number (1-based) for paths.
    @discardableResult
    public mutating func appendSegment(_ id: String) -> Int {
        segments.append(Segment(id: id))
        return segments.filter { $0.id == id }.count
    }

    /// Number of segments with this ID so far.
    public func count(of id: String) -> Int { segments.filter { $0.id == id }.count }

    mutating func setEscaped(_ path: HL7Path, _ escaped: String) {
        var seen = 0
        var index: Int? = nil
        for (i, s) in segments.enumerated() where s.id == path.segment {
            seen += 1
            if seen == path.occurrence { index = i; break }
        }
        while index == nil {
            segments.append(Segment(id: path.segment))
            seen += 1
            if seen == path.occurrence { index = segments.count - 1 }
        }
        let i = index!
        let f = path.field, r = path.repetition - 1, c = (path.component ?? 1) - 1, s = (path.subcomponent ?? 1) - 1
        var fields = segments[i].fields
        while fields.count <= f { fields.append([]) }
        while fields[f].count <= r { fields[f].append([]) }
        while fields[f][r].count <= c { fields[f][r].append([]) }
        while fields[f][r][c].count <= s { fields[f][r][c].append("") }
        fields[f][r][c][s] = escaped
        segments[i].fields = fields
    }

    /// The message with CR segment terminators, as HL7 requires on the wire.
    public func build() -> String {
        var out = ""
        let fs = Character(Unicode.Scalar(delimiters.field))
        let rs = String(Unicode.Scalar(delimiters.repetition))
        let cs = String(Unicode.Scalar(delimiters.component))
        let ss = String(Unicode.Scalar(delimiters.subcomponent))
        func trimmed<T>(_ xs: [T], empty: (T) -> Bool) -> ArraySlice<T> {
            var end = xs.count
            while end > 0, empty(xs[end - 1]) { end -= 1 }
            return xs[..<end]
        }
        for seg in segments {
            out += seg.id
            if seg.id == "MSH" { out.append(fs); out += delimiters.encodingCharacters }
            let fields = trimmed(Array(seg.fields.dropFirst(seg.id == "MSH" ? 3 : 1))) { $0.allSatisfy { $0.allSatisfy { $0.allSatisfy(\.isEmpty) } } }
            for field in fields {
                out.append(fs)
                out += trimmed(field) { $0.allSatisfy { $0.allSatisfy(\.isEmpty) } }.map { rep in
                    trimmed(rep) { $0.allSatisfy(\.isEmpty) }.map { comp in
                        trimmed(comp) { $0.isEmpty }.joined(separator: ss)
                    }.joined(separator: cs)
                }.joined(separator: rs)
            }
            out += "\r"
        }
        return out
    }

    public var bytes: [UInt8] { Array(build().utf8) }
}
