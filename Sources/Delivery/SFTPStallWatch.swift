import Foundation

/// Cuts a connection that makes no progress. libssh waits forever on a server that stops
/// answering without closing the socket (a frozen host, a half-dead NAT); its own timeout only
/// covers connecting. While an operation runs, this watch checks once a second and, after
/// `limit` without progress, shuts the socket down so the blocked call fails as a lost
/// connection and the link can reconnect and resume.
final class SFTPStallWatch: @unchecked Sendable {
    private let lock = NSLock()
    private let limit: Duration
    private var fd: Int32 = -1
    private var busy = false
    private var lastProgress = ContinuousClock.now
    private(set) var tripped = false
    private(set) var cancelled = false
    private var timer: (any DispatchSourceTimer)?

    init(limit: Duration) {
        self.limit = limit
    }

    /// Starts watching the connected socket.
    func arm(fd: Int32) {
        let t = DispatchSource.makeTimerSource(queue: .global())
        t.schedule(deadline: .now() + 1, repeating: 1)
        t.setEventHandler { [weak self] in self?.check() }
        lock.withLock {
            self.fd = fd
            timer = t
        }
        t.resume()
    }

    func disarm() {
        let t = lock.withLock {
            fd = -1
            defer { timer = nil }
            return timer
        }
        t?.cancel()
    }

    func begin() { lock.withLock { busy = true; lastProgress = .now } }
    func end() { lock.withLock { busy = false } }
    func progress() { lock.withLock { lastProgress = .now } }
    var hasTripped: Bool { lock.withLock { tripped } }
    var wasCancelled: Bool { lock.withLock { cancelled } }

    /// The waiting task was cancelled (e.g. shutdown): cut the socket now, so the blocked libssh
    /// call returns instead of finishing a long transfer nobody waits for.
    func cancel() {
        lock.withLock {
            guard busy, fd >= 0, !tripped else { return }
            tripped = true
            cancelled = true
            _ = Foundation.shutdown(fd, Int32(SHUT_RDWR))
        }
    }

    private func check() {
        lock.withLock {
            guard busy, fd >= 0, !tripped, ContinuousClock.now - lastProgress > limit else { return }
            tripped = true
            _ = Foundation.shutdown(fd, Int32(SHUT_RDWR))
        }
    }
}
