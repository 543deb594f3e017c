/// What `sluice inspect FILE.hl7` prints: a readable dump, one field per message, or JSON.
public enum HL7Inspect {
    /// Opens a file for inspection; throws when it cannot be read or holds no HL7 at all
    /// (the error names the file and what is wrong, exit 1 in the CLI).
    public static func load(path: String) throws -> HL7File {
        let file = try HL7File.open(path: path)
        guard file.messages.isEmpty && file.rejectedMessages.isEmpty else { return file }
        if file.errors.contains(where: { $0.code == .notHL7 }) || !HL7File.looksLikeHL7(file.prefix) {
            throw HL7Error(.notHL7, file: file.name, detail: "does not start with an MSH, FHS or BHS segment or an MLLP block")
        }
        throw file.errors.first ?? HL7Error(.notHL7, file: file.name, detail: "no messages")
    }

    /// One call for the CLI: the text to print for `sluice inspect FILE.hl7 [--field PATH]
    /// [--json]`, and whether the file had problems (exit 1 then, after printing). Throws (exit
    /// 1, print the error) when the file is unreadable or not HL7, or the path is bad.
    public static func render(path: String, field: String? = nil, json: Bool = false) throws -> (output: String, hasErrors: Bool) {
        let file = try load(path: path)
        let output: String
        if let field {
            output = try self.field(file, path: field).map { $0 + "\n" }.joined()
        } else if json {
            output = try self.json(file)
        } else {
            output = text(file)
        }
        return (output, !file.errors.isEmpty)
    }

    /// The valid and rejected-but-readable messages, in file order.
    static func readable(_ file: HL7File) -> [(HL7Message, valid: Bool)] {
        (file.messages.map { ($0, true) } + file.rejectedMessages.map { ($0, false) }).sorted { $0.0.index < $1.0.index }
    }

    /// Each message: a header line, then every non-empty field as written (escaped), long
    /// values (Base64 documents) shortened.
    public static func text(_ file: HL7File) -> String {
        var out = "\(file.name): \(file.messages.count) message\(file.messages.count == 1 ? "" : "s")"
        if file.isBatch { out += " in a batch" }
        if !file.errors.isEmpty { out += ", \(file.errors.count) error\(file.errors.count == 1 ? "" : "s")" }
        out += "\n"
        for e in file.errors { out += "  error: \(e)\n" }
        for (m, valid) in readable(file) {
            out += "\nmessage \(m.index): \(m.messageType?.description ?? "?")"
            out += "  control ID \(m.controlID ?? "-")  version \(m.version ?? "-")  \(m.segmentCount) segments"
            if !valid { out += "  (rejected)" }
            out += "\n"
            for seg in m.segments {
                let id = seg.id
                out += "  \(id)\n"
                for (k, f) in seg.fields.enumerated() where !f.isEmpty {
                    let raw = f.rawBytes
                    var value = seg.characterSet.decode(raw)
                    if value.count > 120 { value = String(value.prefix(100)) + "… (\(raw.count) bytes)" }
                    let label = "\(id)-\(k + 1)"
                    out += "    " + label.padding(7) + " " + value + "\n"
                }
            }
        }
        return out
    }

    /// The unescaped value at `path`, one entry per readable message (empty when not present,
    /// `""` for null). A value with `\.br\` holds a line feed; callers that promise one line
    /// per message should print entries as they are and count entries, not lines.
    /// Throws on a path that does not parse.
    public static func field(_ file: HL7File, path: String) throws -> [String] {
        guard let p = HL7Path(path) else { throw HL7Error(.badPath, file: file.name, detail: "expected SEG[n]-field[rep].component.subcomponent") }
        return readable(file).map { $0.0.value(at: p).wireText ?? "" }
    }

    /// A structured form: messages → segments → fields (by number) → repetitions →
    /// components → subcomponents, all unescaped; HL7 null `""` is JSON null; errors as objects.
    public static func json(_ file: HL7File) throws -> String {
        var messages: [JSONValue] = []
        for (m, valid) in readable(file) {
            var segments: [JSONValue] = []
            for seg in m.segments {
                var fields: [(String, JSONValue)] = []
                for (k, f) in seg.fields.enumerated() where !f.isEmpty {
                    fields.append((String(k + 1), f.isNull ? .null : fieldJSON(f)))
                }
                segments.append(.object([("id", .string(seg.id)), ("fields", .object(fields))]))
            }
            let type = m.messageType
            messages.append(.object([
                ("index", .number(m.index)),
                ("valid", .bool(valid)),
                ("type", type.map { .string($0.code) } ?? .null),
                ("trigger", type?.trigger.map { .string($0) } ?? .null),
                ("structure", type?.structure.map { .string($0) } ?? .null),
                ("controlID", m.controlID.map { .string($0) } ?? .null),
                ("version", m.version.map { .string($0) } ?? .null),
                ("characterSet", .string(m.characterSet.term ?? "ASCII")),
                ("segments", .array(segments)),
            ]))
        }
        let errors: [JSONValue] = file.errors.map { e in
            .object([
                ("code", .string(e.code.name)),
                ("messageIndex", e.messageIndex.map { .number($0) } ?? .null),
                ("segment", e.segment.map { .string($0) } ?? .null),
                ("segmentPosition", e.segmentPosition.map { .number($0) } ?? .null),
                ("field", e.field.map { .number($0) } ?? .null),
                ("description", .string(e.description)),
            ])
        }
        let root = JSONValue.object([
            ("file", .string(file.name)),
            ("batch", .bool(file.isBatch)),
            ("messageCount", .number(file.messageUnitCount)),
            ("messages", .array(messages)),
            ("errors", .array(errors)),
        ])
        var out = ""
        root.write(into: &out)
        return out + "\n"
    }

    /// A string when the field is a single value, else nested arrays (repetitions →
    /// components → subcomponents), each level collapsed to a string when it has one element.
    static func fieldJSON(_ f: HL7Field) -> JSONValue {
        let reps = f.tree.map { rep -> JSONValue in
            let comps = rep.map { subs -> JSONValue in subs.count == 1 ? .string(subs[0]) : .array(subs.map(JSONValue.string)) }
            return comps.count == 1 ? comps[0] : .array(comps)
        }
        return reps.count == 1 ? reps[0] : .array(reps)
    }
}

extension String {
    func padding(_ width: Int) -> String { count >= width ? self : self + String(repeating: " ", count: width - count) }
}
