import Archive
import Delivery
import DICOM
import Foundation
import Reports
import HL7
import Inference
import Yams

extension PipelineConfig {
    /// Reads and checks a pipeline file; every problem names the file, line and key.
    public static func load(_ path: String) throws(ConfigError) -> PipelineConfig {
        let absolute = absolutePath(path, relativeTo: FileManager.default.currentDirectoryPath)
        let display = path
        guard let data = FileManager.default.contents(atPath: absolute) else {
            throw ConfigError(file: display, line: nil, key: "", "cannot read the pipeline file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigError(file: display, line: nil, key: "", "the pipeline file is not UTF-8 text")
        }
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: text) else {
                throw ConfigError(file: display, line: nil, key: "", "the pipeline file is empty")
            }
            root = node
        } catch let error as ConfigError {
            throw error
        } catch let error as YamlError {
            let (line, problem) = yamlProblem(error)
            throw ConfigError(file: display, line: line, key: "", "not valid YAML: \(problem)")
        } catch {
            throw ConfigError(file: display, line: nil, key: "", "not valid YAML")
        }
        let base = (absolute as NSString).deletingLastPathComponent
        let reader = ConfigReader(file: display, base: base)
        return try reader.pipeline(root)
    }

    static func absolutePath(_ path: String, relativeTo base: String) -> String {
        let expanded = (path as NSString).expandingTildeInPath
        let joined = expanded.hasPrefix("/") ? expanded : base + "/" + expanded
        return (joined as NSString).standardizingPath
    }

    /// The line and libyaml's problem, never the text around it: Yams' own description quotes
    /// the offending line, and a syntax error on a `password:` line would echo the secret.
    /// The problem and context strings are libyaml's fixed messages ("mapping values are not
    /// allowed here"), so the column is enough to find the spot.
    private static func yamlProblem(_ error: YamlError) -> (line: Int?, problem: String) {
        func located(_ context: YamlError.Context?, _ problem: String, _ mark: Mark) -> (Int?, String) {
            let during = context.map { " (\($0.text) at line \($0.mark.line), column \($0.mark.column))" } ?? ""
            return (mark.line, "column \(mark.column): \(problem)\(during)")
        }
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            return located(context, problem, mark)
        case .reader(let problem, _, _, _):
            return (nil, problem)
        case .duplicatedKeysInMapping(_, let context):
            return (context.mark.line, "a key appears twice in one mapping")
        case .no, .memory, .writer, .emitter, .representer, .dataCouldNotBeDecoded:
            return (nil, "the YAML library failed (\(error))")
        }
    }
}

/// Walks the YAML tree keeping the key path, so errors can say exactly where.
struct ConfigReader {
    let file: String
    let base: String

    func fail(_ node: Node?, _ key: String, _ message: String) -> ConfigError {
        ConfigError(file: file, line: node?.mark?.line, key: key, message)
    }

    /// The mapping's pairs; unknown keys are errors (a typo must not silently disable a feature).
    func mapping(_ node: Node, _ key: String, allowed: Set<String>) throws(ConfigError) -> [String: Node] {
        guard case .mapping(let mapping) = node else { throw fail(node, key, "expected a mapping of keys") }
        var result: [String: Node] = [:]
        for (k, v) in mapping {
            guard let name = k.string else { throw fail(k, key, "keys must be strings") }
            let path = key.isEmpty ? name : key + "." + name
            guard allowed.contains(name) else {
                let known = allowed.sorted().joined(separator: ", ")
                throw fail(k, path, "unknown key (known keys: \(known))")
            }
            if result[name] != nil { throw fail(k, path, "appears twice") }
            result[name] = v
        }
        return result
    }

    func string(_ node: Node, _ key: String) throws(ConfigError) -> String {
        guard case .scalar(let scalar) = node, !scalar.string.isEmpty else {
            throw fail(node, key, "expected a non-empty text value")
        }
        return scalar.string
    }

    func strings(_ node: Node, _ key: String) throws(ConfigError) -> [String] {
        if case .scalar = node { return [try string(node, key)] }
        guard case .sequence(let seq) = node else { throw fail(node, key, "expected a list") }
        var out: [String] = []
        for (i, item) in seq.enumerated() { out.append(try string(item, "\(key)[\(i)]")) }
        return out
    }

    func duration(_ node: Node, _ key: String) throws(ConfigError) -> Duration {
        let text = try string(node, key)
        guard let d = Duration(parsing: text) else {
            throw fail(node, key, "'\(text)' is not a duration (use e.g. 500ms, 30s, 5m, 1h)")
        }
        return d
    }

    func number(_ node: Node, _ key: String, in range: ClosedRange<Double>) throws(ConfigError) -> Double {
        guard let value = node.float ?? node.int.map(Double.init), range.contains(value) else {
            throw fail(node, key, "expected a number in \(range.lowerBound)...\(range.upperBound)")
        }
        return value
    }

    func integer(_ node: Node, _ key: String, in range: ClosedRange<Int>) throws(ConfigError) -> Int {
        guard let value = node.int, range.contains(value) else {
            throw fail(node, key, "expected a whole number in \(range.lowerBound)...\(range.upperBound)")
        }
        return value
    }

    func path(_ node: Node, _ key: String) throws(ConfigError) -> String {
        PipelineConfig.absolutePath(try string(node, key), relativeTo: base)
    }

    func pipeline(_ root: Node) throws(ConfigError) -> PipelineConfig {
        let keys: Set = [
            "name", "ledger", "inbox", "poll", "settle", "marker", "validate", "group", "infer", "render",
            "outbox", "critical", "urgent", "alerts", "spool", "workers", "zip", "delivery_attempts", "hl7", "limits",
            "spool_group", "batch_attempts", "batch_timeout",
        ]
        let m = try mapping(root, "", allowed: keys)
        guard let nameNode = m["name"] else { throw fail(root, "name", "is required") }
        let name = try string(nameNode, "name")
        guard name.range(of: "^[A-Za-z0-9][A-Za-z0-9._-]*$", options: .regularExpression) != nil else {
            throw fail(nameNode, "name", "use letters, digits, '.', '_' and '-' only (it names output folders)")
        }
        guard let inboxNode = m["inbox"] else { throw fail(root, "inbox", "is required") }
        let inboxes = try self.inboxes(inboxNode)
        let firstLocal = inboxes.lazy.compactMap { inbox -> String? in
            if case .local(let p) = inbox { return p }
            return nil
        }.first
        guard let spool = try m["spool"].map({ n throws(ConfigError) in try path(n, "spool") })
            ?? firstLocal.map({ ($0 as NSString).deletingLastPathComponent }) else {
            throw fail(root, "spool", "is required when every inbox is on an SFTP server (batches are downloaded into spool/processing/)")
        }

        let ledger: PipelineConfig.LedgerLocation
        if let node = m["ledger"] {
            ledger = try self.ledger(node, spool: spool)
        } else {
            ledger = .sqlite(path: spool + "/sluice.db")
        }
        let poll = try m["poll"].map { n throws(ConfigError) in try duration(n, "poll") } ?? .seconds(10)
        if poll < .milliseconds(50) { throw fail(m["poll"], "poll", "must be at least 50ms") }
        let settle = try m["settle"].map { n throws(ConfigError) in try duration(n, "settle") } ?? .seconds(30)
        let marker = try m["marker"].map { n throws(ConfigError) in try string(n, "marker") }
        let group: PipelineConfig.Grouping
        if let node = m["group"] {
            let text = try string(node, "group")
            // Reports, SRs and orders are per study: the other units were never implemented
            // (a `group: series` that acted as `study` would mislead).
            guard let g = PipelineConfig.Grouping(rawValue: text), g == .study else {
                throw fail(node, "group", "'\(text)' is not supported: results are grouped per study (the only value is study)")
            }
            group = g
        } else {
            group = .study
        }
        let render = try m["render"].map { n throws(ConfigError) in try formats(n) } ?? [.json, .csv]
        guard let outboxNode = m["outbox"] else { throw fail(root, "outbox", "is required") }
        let workers = try m["workers"].map { n throws(ConfigError) in try integer(n, "workers", in: 1...256) }
            ?? ProcessInfo.processInfo.activeProcessorCount

        var config = PipelineConfig(
            file: PipelineConfig.absolutePath(file, relativeTo: FileManager.default.currentDirectoryPath),
            name: name, ledger: ledger, inboxes: inboxes, poll: poll, settle: settle, marker: marker,
            spool: spool,
            validate: try m["validate"].map { n throws(ConfigError) in try validate(n) } ?? .init(),
            group: group,
            infer: try m["infer"].map { n throws(ConfigError) in try inferRoutes(n) } ?? [],
            render: render,
            outboxes: try outboxes(outboxNode, render: render),
            workers: workers,
            zipLimits: try m["zip"].map { n throws(ConfigError) in try zip(n) } ?? ZipLimits())
        if let n = m["delivery_attempts"] { config.deliveryAttempts = try integer(n, "delivery_attempts", in: 1...1000) }
        if let n = m["batch_attempts"] { config.batchAttempts = try integer(n, "batch_attempts", in: 1...100) }
        if let n = m["batch_timeout"] {
            if n.string == "off" { config.batchTimeout = nil } else {
                let timeout = try duration(n, "batch_timeout")
                if timeout < .seconds(1) { throw fail(n, "batch_timeout", "must be at least 1s (or off)") }
                config.batchTimeout = timeout
            }
        }
        if let n = m["alerts"] { config.alerts = try alerts(n) }
        config.alertRoutes = try (m["critical"].map { n throws(ConfigError) in try alertRoutes(n, "critical", tier: .critical, render: render) } ?? [])
            + (m["urgent"].map { n throws(ConfigError) in try alertRoutes(n, "urgent", tier: .urgent, render: render) } ?? [])
        if let n = m["limits"] { config.pixelLimits = try limits(n) }
        if let n = m["spool_group"] { config.spoolPermissions = try spoolGroup(n) }
        if let n = m["hl7"] {
            guard render.contains(.hl7) else { throw fail(n, "hl7", "has no effect: 'render' does not list hl7") }
            config.hl7 = try hl7(n)
        }
        config.mailOutboxes = try mailOutboxes(outboxNode, render: render)
        if config.infer.isEmpty, let shown = render.first(where: \.showsFindings) {
            throw fail(m["render"]!, "render", "format '\(shown.rawValue)' shows a model's findings: add an 'infer' key with the model")
        }
        try refuseOverlaps(config, m, root: root)
        return config
    }

    func ledger(_ node: Node, spool: String) throws(ConfigError) -> PipelineConfig.LedgerLocation {
        let text = try string(node, "ledger")
        if text.hasPrefix("sqlite:") {
            let rest = String(text.dropFirst("sqlite:".count))
            guard !rest.isEmpty else { throw fail(node, "ledger", "sqlite: needs a file path") }
            return .sqlite(path: PipelineConfig.absolutePath(rest, relativeTo: base))
        }
        if text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") {
            if text.contains("@"), text.split(separator: "@")[0].contains(":"), !text.contains("${") {
                throw fail(node, "ledger", "put the database password in PGPASSWORD or ~/.pgpass, not in the pipeline file")
            }
            return .postgres(url: text)
        }
        throw fail(node, "ledger", "expected sqlite:PATH or postgres://…")
    }

    func inboxes(_ node: Node) throws(ConfigError) -> [PipelineConfig.InboxLocation] {
        let items: [Node]
        if case .sequence(let seq) = node { items = Array(seq) } else { items = [node] }
        guard !items.isEmpty else { throw fail(node, "inbox", "needs at least one inbox") }
        var out: [PipelineConfig.InboxLocation] = []
        for (i, item) in items.enumerated() {
            let key = items.count > 1 ? "inbox[\(i)]" : "inbox"
            if case .scalar = item { out.append(.local(path: try path(item, key))); continue }
            let m = try mapping(item, key, allowed: Self.sftpInboxKeys.union(["local"]))
            if let local = m["local"] {
                if let extra = m.keys.sorted().first(where: { $0 != "local" }) {
                    throw fail(m[extra], key + "." + extra, "only applies to an sftp inbox")
                }
                out.append(.local(path: try path(local, key + ".local")))
            } else if m["sftp"] != nil {
                out.append(.sftp(try sftpInbox(item, m, key)))
            } else {
                throw fail(item, key, "needs 'local: PATH' or 'sftp: sftp://user@host/path'")
            }
        }
        return out
    }

    func outboxes(_ node: Node, render: [RenderFormat]) throws(ConfigError) -> [PipelineConfig.FileOutbox] {
        let items: [Node]
        if case .sequence(let seq) = node { items = Array(seq) } else { items = [node] }
        guard !items.isEmpty else { throw fail(node, "outbox", "needs at least one outbox") }
        var out: [PipelineConfig.FileOutbox] = []
        for (i, item) in items.enumerated() where !isMailOutbox(item) {  // smtp entries: mailOutboxes(_:render:)
            out.append(try fileOutbox(item, items.count > 1 ? "outbox[\(i)]" : "outbox", render: render))
        }
        return out
    }

    /// One file outbox: a path, `{ local: PATH }` or an `sftp:` mapping, with `files:`,
    /// `marker:`, `conflict:`.
    func fileOutbox(_ item: Node, _ key: String, render: [RenderFormat]) throws(ConfigError) -> PipelineConfig.FileOutbox {
        if case .scalar = item { return .init(location: .local(path: try path(item, key), marker: nil)) }
        let m = try mapping(
            item, key,
            allowed: ["local", "sftp", "identity", "known_hosts", "password", "passphrase", "marker", "conflict", "files"])
        let marker = try m["marker"].map { n throws(ConfigError) in try string(n, key + ".marker") }
        let conflict = try m["conflict"].map { n throws(ConfigError) in try conflictPolicy(n, key + ".conflict") } ?? .replace
        let files = try m["files"].map { n throws(ConfigError) in try outputSelection(n, key + ".files", render: render) }
        if let local = m["local"] {
            return .init(location: .local(path: try path(local, key + ".local"), marker: marker), files: files)
        } else if m["sftp"] != nil {
            let (endpoint, credentials) = try sftpLogin(item, m, key)
            return .init(location: .sftp(endpoint: endpoint, credentials: credentials, conflict: conflict, marker: marker), files: files)
        }
        throw fail(item, key, "needs 'local: PATH', 'sftp: sftp://user@host/path' or 'smtp: smtp://host:587'")
    }

    /// An outbox's `files:`: `render:` formats, or `dicom` for every DICOM object rendered (SR,
    /// Encapsulated PDF, Secondary Capture). A format the pipeline does not render is an error,
    /// not an outbox that silently receives nothing.
    func outputSelection(_ node: Node, _ key: String, render: [RenderFormat]) throws(ConfigError) -> Set<RenderFormat> {
        var selection = Set<RenderFormat>()
        for name in try strings(node, key) {
            if name == "dicom" {
                let dicom = render.filter(\.writesDICOM)
                guard !dicom.isEmpty else {
                    throw fail(node, key, "'dicom' selects DICOM objects, but 'render' lists none (sr, encapsulated-pdf, secondary-capture)")
                }
                selection.formUnion(dicom)
                continue
            }
            guard let format = RenderFormat(rawValue: name) else {
                let known = (["dicom"] + PipelineConfig.availableFormats).joined(separator: ", ")
                throw fail(node, key, "unknown format '\(name)' (known: \(known))")
            }
            guard render.contains(format) else {
                throw fail(node, key, "'\(name)' is not rendered: add it to 'render' (which lists \(render.map(\.rawValue).joined(separator: ", ")))")
            }
            selection.insert(format)
        }
        guard !selection.isEmpty else { throw fail(node, key, "lists no format (leave 'files' out for every output)") }
        return selection
    }

    /// A secret's location, never its value: `file:PATH` or `env:NAME`.
    func secret(_ node: Node, _ key: String) throws(ConfigError) -> SFTPCredentials.Secret {
        let text = try string(node, key)
        if text.hasPrefix("file:") { return .file(PipelineConfig.absolutePath(String(text.dropFirst(5)), relativeTo: base)) }
        if text.hasPrefix("env:"), text.count > 4 { return .environment(String(text.dropFirst(4))) }
        // Not echoed: it may be the secret itself.
        throw fail(node, key, "give file:PATH or env:NAME; secrets are never written in the pipeline file")
    }

    func conflictPolicy(_ node: Node, _ key: String) throws(ConfigError) -> ConflictPolicy {
        let text = try string(node, key)
        guard let policy = ConflictPolicy(rawValue: text) else {
            throw fail(node, key, "'\(text)' is not one of replace (skips identical files), fail")
        }
        return policy
    }

    func validate(_ node: Node) throws(ConfigError) -> PipelineConfig.Validate {
        let m = try mapping(node, "validate", allowed: ["modalities", "require", "hl7"])
        var v = PipelineConfig.Validate()
        if let n = m["modalities"] { v.modalities = try strings(n, "validate.modalities").map { $0.uppercased() } }
        if let n = m["require"] {
            for keyword in try strings(n, "validate.require") {
                guard let entry = DataDictionary.entry(forKeyword: keyword) else {
                    throw fail(n, "validate.require", "'\(keyword)' is not a DICOM attribute keyword")
                }
                v.require.append((keyword, entry.tag))
            }
        }
        if let n = m["hl7"] { v.hl7 = try hl7Limits(n) }
        return v
    }

    /// `validate.hl7: { max_repetitions: 1000, max_segments: 10000, max_field_size: 16MiB,
    /// max_message_size: 64MiB }` (the defaults), each optional.
    func hl7Limits(_ node: Node) throws(ConfigError) -> HL7Limits {
        let m = try mapping(node, "validate.hl7", allowed: ["max_repetitions", "max_segments", "max_field_size", "max_message_size"])
        var limits = HL7Limits()
        if let n = m["max_repetitions"] { limits.maxRepetitions = try integer(n, "validate.hl7.max_repetitions", in: 1...100_000_000) }
        if let n = m["max_segments"] { limits.maxSegments = try integer(n, "validate.hl7.max_segments", in: 1...100_000_000) }
        if let n = m["max_field_size"] { limits.maxFieldBytes = Int(clamping: try byteSize(n, "validate.hl7.max_field_size")) }
        if let n = m["max_message_size"] { limits.maxMessageBytes = Int(clamping: try byteSize(n, "validate.hl7.max_message_size")) }
        return limits
    }

    func hl7(_ node: Node) throws(ConfigError) -> PipelineConfig.HL7 {
        let m = try mapping(node, "hl7", allowed: ["embed_pdf", "sending_facility", "receiving_application", "receiving_facility"])
        var h = PipelineConfig.HL7()
        if let n = m["embed_pdf"] {
            guard let b = n.bool else { throw fail(n, "hl7.embed_pdf", "expected true or false") }
            h.embedPDF = b
        }
        h.sendingFacility = try m["sending_facility"].map { n throws(ConfigError) in try string(n, "hl7.sending_facility") }
        h.receivingApplication = try m["receiving_application"].map { n throws(ConfigError) in try string(n, "hl7.receiving_application") }
        h.receivingFacility = try m["receiving_facility"].map { n throws(ConfigError) in try string(n, "hl7.receiving_facility") }
        return h
    }

    func formats(_ node: Node) throws(ConfigError) -> [RenderFormat] {
        let list = try strings(node, "render")
        let formats = try list.map { name throws(ConfigError) -> RenderFormat in
            guard let format = RenderFormat(rawValue: name) else {
                throw fail(node, "render", "unknown format '\(name)' (available: \(PipelineConfig.availableFormats.joined(separator: ", ")))")
            }
            return format
        }
        guard Set(formats).count == formats.count else { throw fail(node, "render", "lists a format twice") }
        return formats
    }

    /// `infer: { model: models/demo.onnx, report: 0.5, urgent: 0.7, critical: 0.9 }`: the model
    /// (its descriptor beside it, or the descriptor itself) and optional threshold overrides. The
    /// descriptor is read here, so a wrong path or key is a config error; the graph itself is
    /// loaded when the engine starts (and by `sluice check`).
    /// `infer:` as one model for every study, or a list of `{ match: {…}, model: … }` tried
    /// in order (routing: chest X-rays to one model, head CT to another).
    func inferRoutes(_ node: Node) throws(ConfigError) -> [PipelineConfig.Infer] {
        guard case .sequence(let seq) = node else { return [try infer(node, "infer", routed: false)] }
        guard !seq.isEmpty else { throw fail(node, "infer", "lists no model") }
        var routes: [PipelineConfig.Infer] = []
        for (i, item) in seq.enumerated() {
            let key = "infer[\(i)]"
            if let earlier = routes.firstIndex(where: { $0.match == nil }) {
                throw fail(item, key, "is never used: infer[\(earlier)] has no 'match' and takes every study (put the default last)")
            }
            routes.append(try infer(item, key, routed: true))
        }
        return routes
    }

    func infer(_ node: Node, _ key: String, routed: Bool) throws(ConfigError) -> PipelineConfig.Infer {
        let m = try mapping(node, key, allowed: Set(["model", "report", "urgent", "critical", "heatmaps"]).union(routed ? ["match"] : []))
        guard let modelNode = m["model"] else { throw fail(node, key + ".model", "is required") }
        let model = try path(modelNode, key + ".model")
        do { _ = try ModelDescriptor.load(path: model) } catch {
            throw fail(modelNode, key + ".model", "\(error)")
        }
        var thresholds = ThresholdOverrides()
        if let n = m["report"] { thresholds.report = try number(n, key + ".report", in: 0...1) }
        if let n = m["urgent"] { thresholds.urgent = try number(n, key + ".urgent", in: 0...1) }
        if let n = m["critical"] { thresholds.critical = try number(n, key + ".critical", in: 0...1) }
        let ordered = [thresholds.report, thresholds.urgent, thresholds.critical].compactMap { $0 }
        guard ordered == ordered.sorted() else { throw fail(node, key, "thresholds must satisfy report ≤ urgent ≤ critical") }
        var heatmaps = true
        if let n = m["heatmaps"] {
            guard let b = n.bool else { throw fail(n, key + ".heatmaps", "expected true or false") }
            heatmaps = b
        }
        let match = try m["match"].map { n throws(ConfigError) in
            try studyMatch(n, key + ".match", fields: Set(StudyMatch.Field.allCases).subtracting([.label]))
        }
        return PipelineConfig.Infer(model: model, thresholds: thresholds, heatmaps: heatmaps, match: match)
    }

    /// `match: { modality: [CR, DX], body_part: CHEST, description: "/head|brain/" }`: each
    /// value a glob or a /regular expression/, or a list of them (any may match).
    func studyMatch(_ node: Node, _ key: String, fields: Set<StudyMatch.Field>) throws(ConfigError) -> StudyMatch {
        let m = try mapping(node, key, allowed: Set(fields.map(\.rawValue)))
        var rules: [StudyMatch.Field: [ValuePattern]] = [:]
        for (name, value) in m {
            let field = StudyMatch.Field(rawValue: name)!
            rules[field] = try strings(value, key + "." + name).map { text throws(ConfigError) -> ValuePattern in
                guard let pattern = ValuePattern(text) else {
                    throw fail(value, key + "." + name, "'\(text)' is not a valid regular expression")
                }
                return pattern
            }
        }
        return StudyMatch(rules)
    }

    func limits(_ node: Node) throws(ConfigError) -> PixelLimits {
        let m = try mapping(node, "limits", allowed: ["max_frame_pixels", "max_frames", "max_decoded_bytes"])
        var limits = PixelLimits()
        if let n = m["max_frame_pixels"] { limits.maxFramePixels = try integer(n, "limits.max_frame_pixels", in: 1...(1 << 32)) }
        if let n = m["max_frames"] { limits.maxFrames = try integer(n, "limits.max_frames", in: 1...Int(Int32.max)) }
        if let n = m["max_decoded_bytes"] { limits.maxDecodedBytes = Int(clamping: try byteSize(n, "limits.max_decoded_bytes")) }
        return limits
    }

    func zip(_ node: Node) throws(ConfigError) -> ZipLimits {
        let m = try mapping(node, "zip", allowed: ["max_entries", "max_entry_size", "max_total_size", "max_ratio", "max_archive_ratio"])
        var limits = ZipLimits()
        if let n = m["max_entries"] { limits.maxEntries = try integer(n, "zip.max_entries", in: 1...10_000_000) }
        if let n = m["max_entry_size"] { limits.maxEntrySize = try byteSize(n, "zip.max_entry_size") }
        if let n = m["max_total_size"] { limits.maxTotalSize = try byteSize(n, "zip.max_total_size") }
        if let n = m["max_ratio"] { limits.maxRatio = try number(n, "zip.max_ratio", in: 2...100_000) }
        if let n = m["max_archive_ratio"] { limits.maxArchiveRatio = try number(n, "zip.max_archive_ratio", in: 2...100_000) }
        return limits
    }

    /// `512MB`, `4GB`, `100KiB` or a plain byte count.
    func byteSize(_ node: Node, _ key: String) throws(ConfigError) -> UInt64 {
        let text = try string(node, key).replacingOccurrences(of: " ", with: "")
        let units: [(String, UInt64)] = [
            ("KiB", 1 << 10), ("MiB", 1 << 20), ("GiB", 1 << 30), ("TiB", 1 << 40),
            ("KB", 1_000), ("MB", 1_000_000), ("GB", 1_000_000_000), ("TB", 1_000_000_000_000), ("B", 1),
        ]
        for (suffix, scale) in units where text.hasSuffix(suffix) {
            // Below 2^63: anything larger would trap the conversion (and means nothing here).
            if let v = Double(text.dropLast(suffix.count)), v > 0, v * Double(scale) < 0x1p63 { return UInt64(v * Double(scale)) }
        }
        if let v = UInt64(text), v > 0 { return v }
        throw fail(node, key, "'\(text)' is not a size (use e.g. 512MB, 4GiB)")
    }
}
