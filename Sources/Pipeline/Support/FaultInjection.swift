import Foundation

/// Crash-test hook: when `SLUICE_FAULT` names a point (`rendered`, `delivered:2` …) the process
/// kills itself there with SIGKILL, exactly as a power cut would. Tests use it to prove that a
/// restart loses no input and delivers no output twice. Unset in normal use: a no-op.
enum FaultInjection {
    private static let spec: (name: String, count: Int)? = {
        guard let value = ProcessInfo.processInfo.environment["SLUICE_FAULT"], !value.isEmpty else { return nil }
        let parts = value.split(separator: ":")
        return (String(parts[0]), parts.count > 1 ? Int(parts[1]) ?? 1 : 1)
    }()
    nonisolated(unsafe) private static var hits: [String: Int] = [:]
    private static let lock = NSLock()

    static func point(_ name: String) {
        guard let spec, spec.name == name else { return }
        let n = lock.withLock { () -> Int in
            hits[name, default: 0] += 1
            return hits[name]!
        }
        if n == spec.count {
            writeStandardError("sluice: fault injection: killed at \(name)\n")
            kill(getpid(), SIGKILL)
        }
    }
}
