import Foundation

/// Crash-test hook: when `SLUICE_FAULT` names a point (`rendered`, `delivered:2` …) the process
/// kills itself there with SIGKILL, exactly as a power cut would. Tests use it to prove that a
/// restart loses no input and delivers no output twice. `validated:1:poison` fires only in a
/// batch whose source name contains `poison` (a file that crashes the process every time);
/// `validated:1:poison:hang` sleeps there instead (a hang, for the batch timeout). Unset in
/// normal use: a no-op.
enum FaultInjection {
    private static let spec: (name: String, count: Int, batch: String?, hang: Bool)? = {
        guard let value = ProcessInfo.processInfo.environment["SLUICE_FAULT"], !value.isEmpty else { return nil }
        let parts = value.split(separator: ":", omittingEmptySubsequences: false)
        return (String(parts[0]), parts.count > 1 ? Int(parts[1]) ?? 1 : 1,
                parts.count > 2 && !parts[2].isEmpty ? String(parts[2]) : nil, parts.count > 3 && parts[3] == "hang")
    }()
    nonisolated(unsafe) private static var hits: [String: Int] = [:]
    private static let lock = NSLock()

    static func point(_ name: String, batch sourceName: String? = nil) {
        guard let spec, spec.name == name else { return }
        if let only = spec.batch { guard let sourceName, sourceName.contains(only) else { return } }
        let n = lock.withLock { () -> Int in
            hits[name, default: 0] += 1
            return hits[name]!
        }
        if n == spec.count {
            if spec.hang {
                writeStandardError("sluice: fault injection: hanging at \(name)\n")
                while true { sleep(3600) }
            }
            writeStandardError("sluice: fault injection: killed at \(name)\n")
            kill(getpid(), SIGKILL)
        }
    }
}
