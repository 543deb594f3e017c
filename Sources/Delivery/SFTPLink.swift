/// A connection that comes back: hands out one shared `SFTPConnection`, and when an operation
/// fails because the transport died, reconnects with exponential backoff and runs the
/// operation again. Operations must therefore be safe to repeat (resume, not restart blindly).
public actor SFTPLink {
    public nonisolated let endpoint: SFTPEndpoint
    public nonisolated let credentials: SFTPCredentials
    public nonisolated let retry: RetryPolicy
    private let timeout: Duration
    private var connection: SFTPConnection?

    public init(endpoint: SFTPEndpoint, credentials: SFTPCredentials, retry: RetryPolicy = .sftp, timeout: Duration = .seconds(20)) {
        self.endpoint = endpoint
        self.credentials = credentials
        self.retry = retry
        self.timeout = timeout
    }

    /// Runs `operation` with a live connection; `attempt` starts at 1. Only transient errors
    /// (connect failures, lost connections) are retried; host-key, login, permission and
    /// conflict errors are thrown at once, since repeating them cannot help.
    public func perform<T: Sendable>(
        _ operation: @Sendable (SFTPConnection, _ attempt: Int) async throws -> T
    ) async throws -> T {
        var attempt = 1
        while true {
            do {
                let c = try await current()
                return try await operation(c, attempt)
            } catch let error as SFTPError where error.isTransient && attempt < retry.maxAttempts {
                await drop()
                try await Task.sleep(for: retry.delay(afterAttempt: attempt))
                attempt += 1
            } catch let error as SFTPError where error.isTransient {
                await drop()
                throw SFTPError(error.code, path: error.path, detail: error.detail + " (gave up after \(attempt) attempts)")
            } catch let error as SFTPError where error.code == .cancelled {
                await drop()  // its socket was cut
                throw error
            }
        }
    }

    public func close() async {
        await drop()
    }

    private func current() async throws -> SFTPConnection {
        if let connection { return connection }
        let fresh = try await SFTPConnection.connect(to: endpoint, credentials: credentials, timeout: timeout)
        connection = fresh
        return fresh
    }

    private func drop() async {
        let old = connection
        connection = nil
        await old?.close()
    }
}
