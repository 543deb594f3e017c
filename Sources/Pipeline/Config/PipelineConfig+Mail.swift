public import Delivery
public import Foundation
public import Reports
import Yams

extension PipelineConfig {
    /// How one stream of mail reaches its server and its readers (an smtp outbox or `critical`).
    public struct MailRoute: Sendable {
        public var endpoint: SMTPEndpoint
        public var from: MailAddress
        public var to: [MailAddress]
        /// Dates in the mails and the digest schedule are in this zone.
        public var timeZone: TimeZone
        public var sizeLimit: MailSizeLimit

        /// Ledger and log identity: the server and the first recipient, never a secret. Adding
        /// recipients keeps it, so a digest stream survives a longer distribution list.
        public var id: String { "\(endpoint.id) to \(to[0].address)" }
    }

    /// `outbox: - { smtp: … }`: a digest on a schedule, one mail per study, or both.
    public struct MailOutbox: Sendable {
        public var route: MailRoute
        public var digest: DigestSchedule?
        public var perStudy: Bool
        /// What to attach: render formats (`csv`, `pdf`, `json`, `quarantine`) or output file names.
        public var attach: [String]
        public var digestTemplate: MailTemplate
        public var studyTemplate: MailTemplate

        public var id: String { route.id }
    }

    /// `critical:` and `urgent:`: who hears of a finding of that tier, at once. A mapping is one
    /// route for every such finding; a list names routes, each with a `match:` (label, and
    /// modality, ward, priority…), its recipients and/or an `oru:` outbox (the RIS's inbound
    /// folder gets an ORU with OBX-8 `AA` at once). Each alert goes out once per route, study
    /// and finding, across restarts and reruns.
    public struct AlertRoute: Sendable {
        /// nil for the single-mapping form (its ledger key is the one older versions used).
        public var name: String?
        /// `.critical` or `.urgent`: the findings the route announces.
        public var tier: Urgency
        public var match: StudyMatch
        public var mail: MailRoute?
        public var template: MailTemplate
        /// One mail listing the findings every `every` (AlertSummaryMail) instead of one each.
        public var every: Duration?
        public var summaryTemplate: MailTemplate = AlertSummaryMail.defaultTemplate
        public var oru: FileOutbox?

        /// `critical`, `critical stroke`, `urgent chest`: for logs and `sluice status`.
        public var label: String { tier.rawValue + (name.map { " " + $0 } ?? "") }
    }

    /// `alerts:`: operations mail, e.g. a delivery parked as a dead letter.
    public struct Alerts: Sendable {
        public var route: MailRoute
        public var template: MailTemplate
    }

    /// `<spool>/mail/<batch-id>/run-<n>/`: copies of the outputs digests attach, kept until
    /// every digest has covered the run (the run's work folder is gone by then).
    public var mailDirectory: String { spool + "/mail" }

    public var usesMail: Bool { alertRoutes.contains { $0.mail != nil } || !mailOutboxes.isEmpty }

    /// Every mail route with its role, for `sluice check`.
    public var mailRoutes: [(role: String, route: MailRoute)] {
        mailOutboxes.map { ("outbox", $0.route) } + alertRoutes.compactMap { r in r.mail.map { (r.label, $0) } }
            + (alerts.map { [("alerts", $0.route)] } ?? [])
    }
    public var digestOutboxes: [MailOutbox] { mailOutboxes.filter { $0.digest != nil } }
}

/// Which output files an `attach:` entry means, for a digest (batch files) and a study mail.
enum MailAttach {
    /// Render formats and the batch-level files they mean.
    static let batchFiles: [String: [String]] = [
        "csv": ["findings.csv"], "pdf": ["summary.pdf"], "json": ["findings.json"], "quarantine": ["quarantine.csv"],
    ]
    /// Render formats and the per-study file they mean (under `studies/<key>/`).
    static let studyFiles: [String: String] = ["pdf": "report.pdf", "json": "result.json"]
    /// The render format each named entry needs.
    static let format: [String: RenderFormat] = ["csv": .csv, "pdf": .pdf, "json": .json, "quarantine": .csv]

    /// A file name (has a dot) matches outputs of that name; a format, its files.
    static func batchNames(_ attach: [String], among outputs: [String]) -> [String] {
        attach.flatMap { entry in entry.contains(".") ? outputs.filter { $0 == entry } : (batchFiles[entry] ?? []).filter(outputs.contains) }
    }

    static func studyNames(_ attach: [String], reportFiles: [String]) -> [String] {
        attach.flatMap { entry in
            let leaf = entry.contains(".") ? entry : studyFiles[entry]
            return reportFiles.filter { ($0 as NSString).lastPathComponent == leaf }
        }
    }
}

extension ConfigReader {
    static let routeKeys: Set<String> = ["smtp", "starttls", "ca_file", "username", "password", "auth", "from", "to", "time_zone", "max_size", "overflow", "subject"]
    /// Lets a route's subjects name patient data (see `CriticalAlert.patientDataPlaceholders`).
    static let allowPHIKey = "allow_phi_in_subject"
    static let mailOutboxKeys = routeKeys.union(["digest", "attach", "per_study", "study_subject", allowPHIKey])

    func isMailOutbox(_ node: Node) -> Bool {
        guard case .mapping(let m) = node else { return false }
        return m.keys.contains { $0.string == "smtp" }
    }

    /// The `smtp:` entries of the outbox list (the other entries are read by `outboxes`).
    func mailOutboxes(_ node: Node, render: [RenderFormat]) throws(ConfigError) -> [PipelineConfig.MailOutbox] {
        let items: [Node]
        if case .sequence(let seq) = node { items = Array(seq) } else { items = [node] }
        var out: [PipelineConfig.MailOutbox] = []
        for (i, item) in items.enumerated() where isMailOutbox(item) {
            let key = items.count > 1 ? "outbox[\(i)]" : "outbox"
            let m = try mapping(item, key, allowed: Self.mailOutboxKeys)
            let route = try self.route(m, item, key)
            var digest: DigestSchedule?
            if let n = m["digest"] {
                let text = try string(n, key + ".digest")
                do { digest = try DigestSchedule(text, timeZone: route.timeZone.identifier) } catch {
                    throw fail(n, key + ".digest", "\(error.problem) (a cron schedule such as \"0 6 * * *\")")
                }
            }
            var perStudy = false
            if let n = m["per_study"] {
                guard let value = n.bool else { throw fail(n, key + ".per_study", "expected true or false") }
                perStudy = value
            }
            guard digest != nil || perStudy else {
                throw fail(item, key, "an smtp outbox sends nothing without 'digest: CRON' or 'per_study: true'")
            }
            let attach = try m["attach"].map { n throws(ConfigError) in try strings(n, key + ".attach") } ?? []
            for entry in attach where !entry.contains(".") {
                guard let format = MailAttach.format[entry] else {
                    throw fail(m["attach"], key + ".attach", "'\(entry)' is not one of csv, pdf, json, quarantine or an output file name such as summary.pdf")
                }
                guard render.contains(format) else {
                    throw fail(m["attach"], key + ".attach", "attaching '\(entry)' needs '\(format.rawValue)' in render")
                }
            }
            let allowPHI = try allowsPHIInSubject(m, key)
            let digestTemplate = try template(m["subject"], key + ".subject", base: DigestMail.defaultTemplate, known: DigestMail.placeholders,
                                              patientData: allowPHI ? [] : DigestMail.patientDataPlaceholders, route: key)
            let studyTemplate = try template(m["study_subject"], key + ".study_subject", base: StudyMail.defaultTemplate, known: StudyMail.placeholders,
                                             patientData: allowPHI ? [] : StudyMail.patientDataPlaceholders, route: key)
            let mailbox = PipelineConfig.MailOutbox(
                route: route, digest: digest, perStudy: perStudy, attach: attach,
                digestTemplate: digestTemplate, studyTemplate: studyTemplate)
            if out.contains(where: { $0.id == mailbox.id }) {
                throw fail(m["to"], key + ".to", "another smtp outbox already sends to \(route.to[0].address) over \(route.endpoint.id); they would share digest state (merge them)")
            }
            out.append(mailbox)
        }
        return out
    }

    /// `critical:` or `urgent:` (key), a mapping (one route for every finding of the tier) or a
    /// list of named routes.
    func alertRoutes(_ node: Node, _ key: String, tier: Urgency, render: [RenderFormat]) throws(ConfigError) -> [PipelineConfig.AlertRoute] {
        guard case .sequence(let seq) = node else { return [try alertRoute(node, key, tier: tier, named: false, render: render)] }
        guard !seq.isEmpty else { throw fail(node, key, "lists no route") }
        var routes: [PipelineConfig.AlertRoute] = []
        for (i, item) in seq.enumerated() {
            let route = try alertRoute(item, "\(key)[\(i)]", tier: tier, named: true, render: render)
            if routes.contains(where: { $0.name == route.name }) {
                throw fail(item, "\(key)[\(i)].name", "another \(key) route is named '\(route.name ?? "")' (names key the alerts sent)")
            }
            routes.append(route)
        }
        return routes
    }

    func alertRoute(_ node: Node, _ key: String, tier: Urgency, named: Bool, render: [RenderFormat]) throws(ConfigError) -> PipelineConfig.AlertRoute {
        let m = try mapping(node, key, allowed: Self.routeKeys.union([Self.allowPHIKey, "match", "oru", "every", "summary_subject"])
            .union(named ? ["name"] : []))
        var name: String?
        if named {
            guard let n = m["name"] else { throw fail(node, key + ".name", "is required: it keys the alerts this route has sent") }
            let text = try string(n, key + ".name")
            guard text.range(of: "^[A-Za-z0-9][A-Za-z0-9._-]*$", options: .regularExpression) != nil else {
                throw fail(n, key + ".name", "use letters, digits, '.', '_' and '-' only")
            }
            name = text
        }
        let match = try m["match"].map { n throws(ConfigError) in
            try studyMatch(n, key + ".match", fields: [.label, .modality, .ward, .priority, .procedure, .bodyPart, .description, .station])
        } ?? StudyMatch()
        let mail: PipelineConfig.MailRoute? = m["smtp"] == nil ? nil : try self.route(m, node, key)
        let oru = try m["oru"].map { n throws(ConfigError) in try fileOutbox(n, key + ".oru", render: render) }
        guard mail != nil || oru != nil else {
            throw fail(node, key, "sends nothing: give 'smtp:' with 'to:' recipients, 'oru:' with a RIS outbox, or both")
        }
        if mail == nil, let extra = m.keys.sorted().first(where: { Self.routeKeys.contains($0) || $0 == "every" }) {
            throw fail(m[extra], key + "." + extra, "only applies to a route that mails (add 'smtp:')")
        }
        let allowPHI = try allowsPHIInSubject(m, key)
        let template = try template(m["subject"], key + ".subject", base: CriticalAlert.defaultTemplate(for: tier),
                                    known: CriticalAlert.placeholders,
                                    patientData: allowPHI ? [] : CriticalAlert.patientDataPlaceholders, route: key)
        var alertRoute = PipelineConfig.AlertRoute(name: name, tier: tier, match: match, mail: mail, template: template, oru: oru)
        if let n = m["every"] {
            let every = try duration(n, key + ".every")
            guard every >= .seconds(60) else { throw fail(n, key + ".every", "must be at least 1m (leave it out to mail each finding at once)") }
            alertRoute.every = every
        }
        alertRoute.summaryTemplate = try self.template(m["summary_subject"], key + ".summary_subject", base: AlertSummaryMail.defaultTemplate,
                                                  known: AlertSummaryMail.placeholders,
                                                  patientData: AlertSummaryMail.patientDataPlaceholders, route: key)
        return alertRoute
    }

    func alerts(_ node: Node) throws(ConfigError) -> PipelineConfig.Alerts {
        let m = try mapping(node, "alerts", allowed: Self.routeKeys)
        let route = try self.route(m, node, "alerts")
        let template = try template(m["subject"], "alerts.subject", base: DeadLetterAlert.defaultTemplate, known: DeadLetterAlert.placeholders)
        return PipelineConfig.Alerts(route: route, template: template)
    }

    /// Server, TLS, login, sender, recipients, zone and size limit, shared by every kind of mail.
    func route(_ m: [String: Node], _ node: Node, _ key: String) throws(ConfigError) -> PipelineConfig.MailRoute {
        guard let smtpNode = m["smtp"] else { throw fail(node, key + ".smtp", "is required (smtp://host:587 or smtps://host:465)") }
        let url = try string(smtpNode, key + ".smtp")
        let implicitTLS = url.lowercased().hasPrefix("smtps://")
        var starttls = true
        if let n = m["starttls"] {
            if implicitTLS { throw fail(n, key + ".starttls", "smtps:// is TLS from the first byte; remove starttls") }
            guard let value = n.bool else { throw fail(n, key + ".starttls", "expected true or false") }
            starttls = value
        }
        var credentials: SMTPCredentials?
        switch (m["username"], m["password"]) {
        case (nil, nil): break
        case (let user?, let password?):
            let source: SMTPCredentials.PasswordSource
            switch try secret(password, key + ".password") {
            case .file(let path): source = .file(path)
            case .environment(let name): source = .environment(name)
            }
            var mechanism: SMTPCredentials.Mechanism?
            if let n = m["auth"] {
                let text = try string(n, key + ".auth")
                guard let value = SMTPCredentials.Mechanism(rawValue: text.uppercased()) else {
                    throw fail(n, key + ".auth", "'\(text)' is not one of plain, login")
                }
                mechanism = value
            }
            credentials = SMTPCredentials(username: try string(user, key + ".username"), password: source, mechanism: mechanism)
            if !starttls { throw fail(m["starttls"], key + ".starttls", "a password is never sent without TLS; keep starttls or use smtps://") }
        case (nil, let password?):
            throw fail(password, key + ".username", "is required with a password")
        case (let user?, nil):
            throw fail(user, key + ".password", "is required with a username (file:PATH or env:NAME)")
        }
        if credentials == nil, let n = m["auth"] { throw fail(n, key + ".auth", "needs username and password") }
        let caFile = try m["ca_file"].map { n throws(ConfigError) in try path(n, key + ".ca_file") }
        guard let fromNode = m["from"] else { throw fail(node, key + ".from", "is required (the sender address)") }
        let from = try address(fromNode, key + ".from")
        guard let toNode = m["to"] else { throw fail(node, key + ".to", "is required (one or more recipient addresses)") }
        guard case .sequence(let seq) = toNode else {
            return try route(url, starttls, caFile, credentials, from, [address(toNode, key + ".to")], m, smtpNode, key)
        }
        guard !seq.isEmpty else { throw fail(toNode, key + ".to", "needs at least one recipient") }
        var to: [MailAddress] = []
        for (i, item) in seq.enumerated() { to.append(try address(item, "\(key).to[\(i)]")) }
        return try route(url, starttls, caFile, credentials, from, to, m, smtpNode, key)
    }

    private func route(_ url: String, _ starttls: Bool, _ caFile: String?, _ credentials: SMTPCredentials?, _ from: MailAddress,
                       _ to: [MailAddress], _ m: [String: Node], _ smtpNode: Node, _ key: String) throws(ConfigError) -> PipelineConfig.MailRoute {
        let endpoint: SMTPEndpoint
        do {
            endpoint = try SMTPEndpoint(url: url, starttls: starttls, caFile: caFile, credentials: credentials, heloName: from.domain)
        } catch {
            throw fail(smtpNode, key + ".smtp", error.problem)
        }
        var zone = TimeZone.current
        if let n = m["time_zone"] {
            let name = try string(n, key + ".time_zone")
            guard let z = TimeZone(identifier: name) else { throw fail(n, key + ".time_zone", "'\(name)' is not a time zone (e.g. Europe/Berlin, UTC)") }
            zone = z
        }
        var limit = MailSizeLimit()
        if let n = m["max_size"] {
            let bytes = try byteSize(n, key + ".max_size")
            guard bytes >= 64 << 10, bytes <= 1 << 30 else { throw fail(n, key + ".max_size", "must be between 64KiB and 1GiB") }
            limit.maxBytes = Int(bytes)
        }
        if let n = m["overflow"] {
            let text = try string(n, key + ".overflow")
            guard let value = MailSizeLimit.Overflow(rawValue: text) else {
                throw fail(n, key + ".overflow", "'\(text)' is not one of split (several mails), link (name the outbox files)")
            }
            limit.overflow = value
        }
        return PipelineConfig.MailRoute(endpoint: endpoint, from: from, to: to, timeZone: zone, sizeLimit: limit)
    }

    /// `someone@site.org` or `Display Name <someone@site.org>`.
    func address(_ node: Node, _ key: String) throws(ConfigError) -> MailAddress {
        let text = try string(node, key).trimmingCharacters(in: .whitespaces)
        var name: String?
        var address = text
        if text.hasSuffix(">"), let open = text.lastIndex(of: "<") {
            address = String(text[text.index(after: open)..<text.index(before: text.endIndex)])
            let display = text[..<open].trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            name = display.isEmpty ? nil : display
        }
        guard MailAddress.isPlausible(address) else { throw fail(node, key, "'\(text)' is not a mail address") }
        return MailAddress(address, name: name)
    }

    func allowsPHIInSubject(_ m: [String: Node], _ route: String) throws(ConfigError) -> Bool {
        guard let n = m[Self.allowPHIKey] else { return false }
        guard let value = n.bool else { throw fail(n, route + "." + Self.allowPHIKey, "expected true or false") }
        return value
    }

    /// A subject template over the default body; placeholders it uses must exist, and none of
    /// `patientData` may appear (the route's `allow_phi_in_subject: true` passes an empty set).
    func template(_ node: Node?, _ key: String, base: MailTemplate, known: Set<String>,
                  patientData: Set<String> = [], route: String = "") throws(ConfigError) -> MailTemplate {
        guard let node else { return base }
        var template = base
        template.subject = try string(node, key)
        let unknown = template.unknownPlaceholders(known: known)
        guard unknown.isEmpty else {
            throw fail(node, key, "unknown placeholder \(unknown.map { "{{\($0)}}" }.joined(separator: ", ")) (known: \(known.sorted().joined(separator: ", ")))")
        }
        let named = MailTemplate(subject: template.subject, text: "", html: "").placeholders.filter(patientData.contains)
        guard named.isEmpty else {
            let list = named.map { "{{\($0)}}" }.joined(separator: ", ")
            throw fail(node, key, "\(list) would put patient data in the subject, which mail servers log and phones show on the lock screen; "
                + "subjects carry counts, the pipeline and study keys (put it in the body, or set '\(route).\(Self.allowPHIKey): true' if your site allows it)")
        }
        return template
    }
}
