/// Sends finished mails to one server with bounded retries. The engine calls this (rather than
/// an `Outbox`): a mail is built from many outputs, not delivered file by file.
public struct MailSender: Sendable {
    public let endpoint: SMTPEndpoint
    public let retry: RetryPolicy
    private let sleep: @Sendable (Duration) async throws -> Void

    public init(endpoint: SMTPEndpoint, retry: RetryPolicy = RetryPolicy(),
                sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }) {
        self.endpoint = endpoint
        self.retry = retry
        self.sleep = sleep
    }

    /// Stable identity for the ledger, e.g. `smtp://mail-host:587`.
    public var id: String { endpoint.id }

    /// Sends `message`, retrying transient failures (4xx, connection refused, timeouts) with
    /// backoff; a permanent failure (5xx, TLS verification) is thrown at once. The thrown
    /// `DeliveryError` names the server, the mail's `label` and the SMTP reply code only.
    ///
    /// Exactly once holds unless the connection drops after the server took the message but
    /// before its 250 reached us; a retry then repeats it with the same Message-ID.
    @discardableResult
    public func send(_ message: MIMEMessage, label: String) async throws(DeliveryError) -> MailReceipt {
        let client = SMTPClient(endpoint: endpoint)
        let bytes = message.render()
        var attempt = 0
        while true {
            attempt += 1
            do {
                try await client.send(from: message.from.address, to: message.recipients, message: bytes)
                return MailReceipt(server: endpoint.id, messageID: message.messageID, attempts: attempt, bytes: bytes.count)
            } catch {
                let final = error.kind != .transient || attempt >= retry.maxAttempts
                if final {
                    let tries = attempt == 1 ? "" : " after \(attempt) attempts"
                    throw DeliveryError(outbox: endpoint.id, name: label, reason: "\(error.reason)\(error.replyCode.map { " (SMTP reply \($0))" } ?? "")\(tries) [\(error.kind.rawValue)]")
                }
                do { try await sleep(retry.delay(afterAttempt: attempt)) } catch {
                    throw DeliveryError(outbox: endpoint.id, name: label, reason: "cancelled while waiting to retry [transient]")
                }
            }
        }
    }
}

/// What the ledger records for a sent mail.
public struct MailReceipt: Sendable, Equatable {
    public let server: String
    public let messageID: String
    public let attempts: Int
    public let bytes: Int
}
