import Foundation
import TestSupport

enum SHA256Hex {
    /// sha256sum, an oracle independent of our own hashing.
    static func of(_ path: String) throws -> String {
        let r = try runProcess("sha256sum", [path])
        return String(r.stdout.prefix(64))
    }
}

/// Writes `megabytes` of random bytes with head(1), so no test holds the file in memory.
func makeRandomFile(_ path: String, megabytes: Int) throws {
    let r = try runProcess("sh", ["-c", "head -c \(megabytes)M /dev/urandom > \"$1\"", "sh", path])
    precondition(r.status == 0, r.stderr)
}

func fileSize(_ path: String) -> Int64? {
    (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int).flatMap { $0.map(Int64.init) }
}

/// Watches a server-side folder from the file system while a transfer runs, recording every
/// size the final name was seen with and whether a temporary name appeared.
final class FolderWatcher: @unchecked Sendable {
    private let lock = NSLock()
    private var running = true
    private(set) var finalSizes: Set<Int64> = []
    private(set) var sawTemporary = false
    /// The final name disappeared after it had been seen (a non-atomic replace).
    private(set) var vanished = false
    private var thread: Thread?
    private let finished = DispatchSemaphore(value: 0)

    init(folder: String, finalName: String) {
        let t = Thread { [self] in
            while self.isRunning {
                self.sample(folder: folder, finalName: finalName)
                usleep(500)
            }
            // One pass that surely starts after `stop()`: the state right after a transfer.
            self.sample(folder: folder, finalName: finalName)
            self.finished.signal()
        }
        thread = t
        t.start()
    }

    private func sample(folder: String, finalName: String) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        var sizes: [Int64] = []
        var temporary = false
        for name in names {
            if name == finalName, let size = fileSize(folder + "/" + name) { sizes.append(size) }
            if name.hasPrefix("." + finalName + ".sluice-") && name.hasSuffix(".tmp") { temporary = true }
        }
        lock.withLock {
            if sizes.isEmpty && !finalSizes.isEmpty { vanished = true }
            finalSizes.formUnion(sizes)
            sawTemporary = sawTemporary || temporary
        }
    }

    private var isRunning: Bool { lock.withLock { running } }

    func stop() -> (finalSizes: Set<Int64>, sawTemporary: Bool, vanished: Bool) {
        lock.withLock { running = false }
        finished.wait()
        return lock.withLock { (finalSizes, sawTemporary, vanished) }
    }
}

/// A value shared between a test and a thread of its own.
final class LockedValue<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: T
    init(_ value: T) { stored = value }
    var value: T { lock.withLock { stored } }
    func set(_ value: T) { lock.withLock { stored = value } }
}

/// Runs `kill` on a thread of its own once `size()` reaches `threshold` (or after 30 s), and
/// returns the size it saw then. A task on the cooperative pool could be kept waiting by other
/// tests' tasks while the whole transfer finishes; a thread is scheduled on its own.
func killWhen(_ size: @escaping @Sendable () -> Int64, reaches threshold: Int64, _ kill: @escaping @Sendable () -> Void) async throws -> Int64 {
    let seen = LockedValue<Int64>(-1)
    Thread {
        let deadline = Date().addingTimeInterval(30)
        var now: Int64 = 0
        while now < threshold && Date() < deadline {
            now = size()
            usleep(200)
        }
        kill()
        seen.set(now)
    }.start()
    while seen.value < 0 { try await Task.sleep(for: .milliseconds(5)) }
    return seen.value
}
