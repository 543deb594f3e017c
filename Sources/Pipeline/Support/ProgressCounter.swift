import Foundation

/// Counts finished items and shows `label n/total` as the terminal's progress line.
final class ProgressCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var done = 0
    private var lastShown = Date(timeIntervalSince1970: 0)
    let label: String
    let total: Int

    init(label: String, total: Int) {
        self.label = label
        self.total = total
    }

    func tick(_ count: Int = 1) {
        lock.lock()
        done += count
        let now = Date()
        let show = now.timeIntervalSince(lastShown) > 0.2 || done == total
        if show { lastShown = now }
        let count = done
        lock.unlock()
        if show, total >= 50 { Terminal.shared.setProgress("\(label) \(count)/\(total) files") }
    }

    func finish() { if total >= 50 { Terminal.shared.setProgress(nil) } }
}
