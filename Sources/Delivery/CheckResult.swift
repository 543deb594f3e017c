/// One step of `sluice check` (a C-ECHO for an inbox, an outbox or the ledger): passed or
/// failed, and what it did or why not. Printed only at the command line.
public struct CheckResult: Sendable, Equatable, CustomStringConvertible {
    public let passed: Bool
    public let message: String

    public init(passed: Bool, _ message: String) {
        self.passed = passed
        self.message = message
    }

    public static func ok(_ message: String) -> CheckResult { CheckResult(passed: true, message) }
    public static func failed(_ message: String) -> CheckResult { CheckResult(passed: false, message) }

    public var description: String { (passed ? "ok: " : "FAILED: ") + message }
}
