public import Delivery
public import Foundation

/// A rendered run as the mails see it: when it was rendered and its report (JSON of a
/// `BatchReport` reduced by `MailSnapshot`).
public struct MailRunRecord: Sendable, Equatable {
    public var batchID: String
    public var run: Int
    public var renderedAt: Date
    public var report: String

    public init(batchID: String, run: Int, renderedAt: Date, report: String) {
        self.batchID = batchID; self.run = run; self.renderedAt = renderedAt; self.report = report
    }
}

public enum DigestKind: String, Sendable, Codable {
    /// On the outbox's schedule (or sent early by `sluice digest --send`): moves the stream on.
    case scheduled
    /// `sluice digest --since DATE --send`: an extra mail; the schedule is left as it was.
    case manual
}

/// One digest mail: the period it covers and how sending it went.
public struct DigestRecord: Sendable, Equatable {
    public var outbox: String
    public var kind: DigestKind
    public var periodStart: Date
    public var periodEnd: Date
    public var state: DeliveryState
    public var attempts: Int
    public var lastError: String?
    public var messageID: String?
    /// Batch runs the digest covers.
    public var batches: Int
    public var updatedAt: Date?

    public init(outbox: String, kind: DigestKind, periodStart: Date, periodEnd: Date, state: DeliveryState, attempts: Int,
                lastError: String?, messageID: String?, batches: Int, updatedAt: Date? = nil) {
        self.outbox = outbox; self.kind = kind; self.periodStart = periodStart; self.periodEnd = periodEnd
        self.state = state; self.attempts = attempts; self.lastError = lastError; self.messageID = messageID
        self.batches = batches; self.updatedAt = updatedAt
    }

    public var period: DateInterval { DateInterval(start: periodStart, end: max(periodStart, periodEnd)) }
}

/// A critical alert that went out. `key` is `CriticalAlert.key` (study UID and finding
/// concept), so the same finding never pages on-call twice, whichever run finds it again.
public struct CriticalAlertRecord: Sendable, Equatable {
    public var key: String
    public var batchID: String
    public var run: Int
    public var studyKey: String
    public var label: String
    public var outbox: String
    public var messageID: String
    public var sentAt: Date

    public init(key: String, batchID: String, run: Int, studyKey: String, label: String, outbox: String, messageID: String, sentAt: Date) {
        self.key = key; self.batchID = batchID; self.run = run; self.studyKey = studyKey; self.label = label
        self.outbox = outbox; self.messageID = messageID; self.sentAt = sentAt
    }
}

/// A finding waiting for its alert route's summary mail (`every:`).
public struct QueuedAlert: Sendable, Equatable {
    /// The route's label (`urgent chest`).
    public var route: String
    public var key: String
    public var batchID: String
    public var run: Int
    public var studyKey: String
    public var label: String
    /// What the summary lists for it.
    public var item: AlertSummaryMail.Item
    public var queuedAt: Date

    public init(route: String, key: String, batchID: String, run: Int, studyKey: String, label: String,
                item: AlertSummaryMail.Item, queuedAt: Date) {
        self.route = route; self.key = key; self.batchID = batchID; self.run = run; self.studyKey = studyKey
        self.label = label; self.item = item; self.queuedAt = queuedAt
    }
}
