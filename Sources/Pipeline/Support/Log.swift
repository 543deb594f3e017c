import Foundation

/// Line-oriented log on stderr. Messages carry batch IDs, stage names and file paths relative
/// to the batch — never attribute values, so no patient data reaches a log. A message is one
/// line: control characters in it (a newline or ESC in a dropped file's name) are escaped, so
/// no name can forge a log line or drive the terminal.
public struct Log: Sendable {
    public enum Level: Int, Sendable, Comparable {
        case debug, info, warning, error
        public static func < (a: Level, b: Level) -> Bool { a.rawValue < b.rawValue }
        var label: String { ["debug", "info", "warning", "error"][rawValue] }
    }

    public let minimum: Level
    public let clock: Clock

    public init(minimum: Level = .info, clock: Clock = Clock()) {
        self.minimum = minimum
        self.clock = clock
    }

    /// From `SLUICE_LOG` (debug|info|warning|error).
    public static func fromEnvironment(clock: Clock = Clock()) -> Log {
        let env = ProcessInfo.processInfo.environment["SLUICE_LOG"]?.lowercased()
        let level: Level = ["debug": .debug, "warning": .warning, "error": .error][env ?? ""] ?? .info
        return Log(minimum: level, clock: clock)
    }

    public func callAsFunction(_ level: Level, _ message: @autoclosure () -> String) {
        guard level >= minimum else { return }
        Terminal.shared.writeLine("\(Timestamps.iso8601(clock.now())) \(level.label) \(message().escapingControlCharacters)")
    }

    public func debug(_ m: @autoclosure () -> String) { self(.debug, m()) }
    public func info(_ m: @autoclosure () -> String) { self(.info, m()) }
    public func warning(_ m: @autoclosure () -> String) { self(.warning, m()) }
    public func error(_ m: @autoclosure () -> String) { self(.error, m()) }
}

/// Serializes stderr output and keeps a progress line (on a terminal) below the log lines.
public final class Terminal: @unchecked Sendable {
    public static let shared = Terminal()
    private let lock = NSLock()
    private var progress: String?
    public let isInteractive = isatty(STDERR_FILENO) == 1

    public func writeLine(_ line: String) {
        lock.lock()
        defer { lock.unlock() }
        if progress != nil, isInteractive { writeStandardError("\r\u{1B}[K") }
        writeStandardError(line + "\n")
        if let progress, isInteractive { writeStandardError(progress) }
    }

    /// Shows `text` as the progress line (terminal only); nil clears it.
    public func setProgress(_ text: String?) {
        guard isInteractive else { return }
        lock.lock()
        defer { lock.unlock() }
        writeStandardError("\r\u{1B}[K" + (text ?? ""))
        progress = text
    }
}

/// Unbuffered write to file descriptor 2 (safe from any thread).
func writeStandardError(_ text: String) {
    var copy = text
    copy.withUTF8 { buffer in
        var done = 0
        while done < buffer.count {
            let n = write(STDERR_FILENO, buffer.baseAddress! + done, buffer.count - done)
            if n <= 0 { return }
            done += n
        }
    }
}
