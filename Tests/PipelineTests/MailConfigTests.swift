import Delivery
import Foundation
import Reports
import Testing
import TestSupport
@testable import Pipeline

/// `smtp:` outboxes and `critical:` in the pipeline file.
@Suite struct MailConfigTests {
    func load(_ yaml: String) throws -> PipelineConfig {
        let dir = try TemporaryDirectory("mail-config")
        defer { dir.remove() }
        let path = dir.file("p.yaml")
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return try PipelineConfig.load(path)
    }

    func error(_ yaml: String) -> ConfigError? {
        do { _ = try load(yaml); return nil } catch { return error as? ConfigError }
    }

    static let head = "name: x\ninbox: in\nrender: [json, csv, pdf]\noutbox:\n  - { local: out }\n"

    @Test func fullMailConfigurationParses() throws {
        let c = try load(Self.head + """
              - smtp: "smtp://mail.site.example:587"
                starttls: true
                ca_file: certs/ca.pem
                username: sluice
                password: file:secrets/smtp
                auth: login
                from: "Sluice Digest <sluice@site.example>"
                to: [study-team@site.example, "PI <pi@site.example>"]
                digest: "0 6 * * mon-fri"
                time_zone: Europe/Berlin
                attach: [csv, pdf, findings.dictionary.csv]
                per_study: true
                max_size: 5MiB
                overflow: link
                subject: "{{pipeline}}: {{critical}} critical of {{study_count}}"
            critical:
              smtp: "smtps://relay.site.example"
              from: sluice@site.example
              to: on-call@site.example
              password: env:SMTP_PASSWORD
              username: alerts
            """)
        #expect(c.outboxes.count == 1, "the smtp entry is not a file outbox")
        let mail = try #require(c.mailOutboxes.first)
        #expect(mail.route.endpoint.host == "mail.site.example" && mail.route.endpoint.port == 587)
        #expect(mail.route.endpoint.security == .startTLS)
        #expect(mail.route.endpoint.caFile == (c.file as NSString).deletingLastPathComponent + "/certs/ca.pem")
        #expect(mail.route.endpoint.credentials?.password == .file((c.file as NSString).deletingLastPathComponent + "/secrets/smtp"))
        #expect(mail.route.endpoint.credentials?.mechanism == .login)
        #expect(mail.route.endpoint.heloName == "site.example")
        #expect(mail.route.from == MailAddress("sluice@site.example", name: "Sluice Digest"))
        #expect(mail.route.to == [MailAddress("study-team@site.example"), MailAddress("pi@site.example", name: "PI")])
        #expect(mail.digest?.description == "0 6 * * mon-fri (Europe/Berlin)")
        #expect(mail.route.timeZone.identifier == "Europe/Berlin")
        #expect(mail.attach == ["csv", "pdf", "findings.dictionary.csv"])
        #expect(mail.perStudy)
        #expect(mail.route.sizeLimit == MailSizeLimit(maxBytes: 5 << 20, overflow: .link))
        #expect(mail.digestTemplate.subject == "{{pipeline}}: {{critical}} critical of {{study_count}}")
        #expect(mail.studyTemplate == StudyMail.defaultTemplate)
        #expect(mail.id == "smtp://mail.site.example:587 to study-team@site.example")
        let critical = try #require(c.alertRoutes.first)
        let route = try #require(critical.mail)
        #expect(c.alertRoutes.count == 1 && critical.name == nil && critical.tier == .critical && critical.match == StudyMatch())
        #expect(route.endpoint.security == .implicitTLS && route.endpoint.port == 465)
        #expect(route.to == [MailAddress("on-call@site.example")])
        #expect(route.endpoint.credentials?.password == .environment("SMTP_PASSWORD"))
        #expect(critical.template == CriticalAlert.defaultTemplate)
        #expect(MailAttach.batchNames(mail.attach, among: ["findings.csv", "findings.dictionary.csv", "summary.pdf", "manifest.json"])
                == ["findings.csv", "summary.pdf", "findings.dictionary.csv"])
    }

    /// Inline secrets are refused where they stand, and never echoed back.
    @Test func inlinePasswordsAreRefusedWithFileLineAndKey() {
        let outbox = error(Self.head + """
              - smtp: "smtp://mail:587"
                username: sluice
                password: hunter2
                from: s@site.example
                to: [a@site.example]
                digest: "0 6 * * *"
            """)
        #expect(outbox?.key == "outbox[1].password")
        #expect(outbox?.line == 8)
        #expect(outbox?.description.contains("p.yaml:8: key 'outbox[1].password'") == true, "\(outbox.map { "\($0)" } ?? "")")
        #expect(outbox?.description.contains("file:PATH or env:NAME") == true)
        #expect(outbox?.description.contains("hunter2") == false)

        let critical = error(Self.head + "critical: { smtp: \"smtp://mail\", from: s@site.example, to: [o@site.example], username: u, password: \"pa55word\" }\n")
        #expect(critical?.key == "critical.password")
        #expect(critical?.line == 6)
        #expect(critical?.description.contains("pa55word") == false)

        let inURL = error(Self.head + "critical: { smtp: \"smtp://u:pw@mail\", from: s@site.example, to: [o@site.example] }\n")
        #expect(inURL?.key == "critical.smtp")
        #expect(inURL?.description.contains("pw@") == false)
    }

    @Test func mistakesNameTheKey() {
        func key(_ entry: String, extra: String = "") -> String? {
            error(Self.head + "  - { smtp: \"smtp://mail:587\", from: s@site.example, to: [a@site.example], \(entry) }\n" + extra)?.key
        }
        #expect(key("digest: \"0 25 * * *\"") == "outbox[1].digest")
        #expect(key("digest: \"0 6 * *\"") == "outbox[1].digest")
        #expect(key("digest: \"0 6 * * *\", time_zone: Mars/Olympus") == "outbox[1].time_zone")
        #expect(key("per_study: yes please") == "outbox[1].per_study")
        #expect(key("starttls: false") == "outbox[1]", "sends nothing without digest or per_study")
        #expect(key("digest: \"0 6 * * *\", attach: [png]") == "outbox[1].attach")
        #expect(key("digest: \"0 6 * * *\", subject: \"{{patient_name}}\"") == "outbox[1].subject")
        #expect(key("digest: \"0 6 * * *\", max_size: 10") == "outbox[1].max_size")
        #expect(key("digest: \"0 6 * * *\", overflow: drop") == "outbox[1].overflow")
        #expect(key("digest: \"0 6 * * *\", marker: READY") == "outbox[1].marker", "file-outbox keys are not mail keys")
        #expect(key("digest: \"0 6 * * *\", username: u") == "outbox[1].password")
        #expect(key("digest: \"0 6 * * *\", starttls: false, username: u, password: env:P") == "outbox[1].starttls",
                "no password over a clear connection")
        #expect(error(Self.head + "  - { smtps: \"smtp://mail\" }\n")?.key == "outbox[1].smtps")
        #expect(error("name: x\ninbox: in\nrender: [json]\noutbox:\n  - { smtp: \"smtp://m\", from: s@x.example, to: [a@x.example], per_study: true, attach: [pdf] }\n")?.key
                == "outbox.attach", "pdf needs the pdf renderer")
        #expect(error(Self.head + "  - { smtp: \"smtps://m\", starttls: true, from: s@x.example, to: [a@x.example], per_study: true }\n")?.key
                == "outbox[1].starttls")
        #expect(error(Self.head + "  - { smtp: \"http://m\", from: s@x.example, to: [a@x.example], per_study: true }\n")?.key == "outbox[1].smtp")
        #expect(error(Self.head + "  - { smtp: \"smtp://m\", from: nobody, to: [a@x.example], per_study: true }\n")?.key == "outbox[1].from")
        #expect(error(Self.head + "  - { smtp: \"smtp://m\", from: s@x.example, to: [], per_study: true }\n")?.key == "outbox[1].to")
        #expect(error(Self.head + "  - { smtp: \"smtp://m\", from: s@x.example, to: [a@x.example, \"b@\"], per_study: true }\n")?.key == "outbox[1].to[1]")
        #expect(error(Self.head + "  - { smtp: \"smtp://m\", to: [a@x.example], per_study: true }\n")?.key == "outbox[1].from")
        let twice = Self.head + "  - { smtp: \"smtp://m\", from: s@x.example, to: [a@x.example], per_study: true }\n"
            + "  - { smtp: \"smtp://m\", from: s@x.example, to: [a@x.example, b@x.example], digest: \"0 6 * * *\" }\n"
        #expect(error(twice)?.key == "outbox[2].to", "two streams would share their digest state")
        #expect(error(Self.head + "critical: { smtp: \"smtp://m\", to: [o@x.example] }\n")?.key == "critical.from")
        #expect(error(Self.head + "critical: { smtp: \"smtp://m\", from: s@x.example, to: [o@x.example], digest: \"0 6 * * *\" }\n")?.key
                == "critical.digest", "alerts go at once, never on a schedule")
        #expect(error(Self.head + "critical: { smtp: \"smtp://m\", from: s@x.example, to: [o@x.example], subject: \"{{nope}}\" }\n")?.key
                == "critical.subject")
        #expect(error(Self.head + "alerts: { smtp: \"smtp://m\", to: [o@x.example] }\n")?.key == "alerts.from")
        #expect(error(Self.head + "alerts: { smtp: \"smtp://m\", from: s@x.example, to: [o@x.example], subject: \"{{patient_id}}\" }\n")?.key
                == "alerts.subject", "operations mail has no patient placeholders")
        #expect(error(Self.head + "alerts: { smtp: \"smtp://m\", from: s@x.example, to: [o@x.example], per_study: true }\n")?.key
                == "alerts.per_study")
    }

    @Test func alertsRouteParsesAndIsChecked() throws {
        let c = try load(Self.head + """
            alerts:
              smtp: "smtps://mail.site.example"
              from: sluice@site.example
              to: [pacs-admin@site.example]
              subject: "{{pipeline}}: {{count}} parked on {{host}}"
            """)
        let alerts = try #require(c.alerts)
        #expect(alerts.route.to.map(\.address) == ["pacs-admin@site.example"])
        #expect(alerts.template.subject == "{{pipeline}}: {{count}} parked on {{host}}")
        #expect(c.usesMail == false, "alerts keep no mail spool")
        #expect(c.mailRoutes.map(\.role) == ["alerts"])
    }

    /// Subjects are logged by mail servers and shown on lock screens: a placeholder naming the
    /// patient or the visit is refused there unless the route opts in.
    @Test func patientDataInSubjectsNeedsAnOptIn() throws {
        let route = "smtp: \"smtp://m\", from: s@x.example, to: [o@x.example]"
        for placeholder in ["patient_id", "accession", "study_instance_uid", "study_date"] {
            let e = error(Self.head + "critical: { \(route), subject: \"CRITICAL {{\(placeholder)}} {{study_key_short}}\" }\n")
            #expect(e?.key == "critical.subject", "\(placeholder)")
            #expect(e?.message.contains("{{\(placeholder)}}") == true && e?.message.contains("critical.allow_phi_in_subject: true") == true,
                    "\(e?.description ?? "accepted")")
            let study = error(Self.head + "  - { \(route), per_study: true, study_subject: \"{{pipeline}} {{\(placeholder)}}\" }\n")
            #expect(study?.key == "outbox[1].study_subject" && study?.message.contains("outbox[1].allow_phi_in_subject") == true)
        }
        let digest = error(Self.head + "  - { \(route), digest: \"0 6 * * *\", subject: \"{{pipeline}}: {{table_text}}\" }\n")
        #expect(digest?.key == "outbox[1].subject", "the study table lists accession numbers and dates")

        let allowed = try load(Self.head + """
              - { \(route), per_study: true, allow_phi_in_subject: true, study_subject: "Result {{accession}} ({{study_date}})" }
            critical: { \(route), allow_phi_in_subject: true, subject: "CRITICAL {{patient_id}}" }
            """)
        #expect(allowed.mailOutboxes.first?.studyTemplate.subject == "Result {{accession}} ({{study_date}})")
        #expect(allowed.alertRoutes.first?.template.subject == "CRITICAL {{patient_id}}")

        // The defaults and subjects without patient data need no opt-in; the flag is checked.
        #expect(try load(Self.head + "critical: { \(route), subject: \"{{pipeline}} {{finding}} {{modality}} {{study_key_short}}\" }\n").alertRoutes.count == 1)
        #expect(error(Self.head + "critical: { \(route), allow_phi_in_subject: maybe }\n")?.key == "critical.allow_phi_in_subject")
        #expect(error(Self.head + "alerts: { \(route), allow_phi_in_subject: true }\n")?.key == "alerts.allow_phi_in_subject",
                "operations mail has no patient placeholders to allow")
    }
}
