public import Foundation

extension DigestSchedule {
    /// The digest due at `now`, given the end of the last digest the ledger recorded as sent:
    /// from that end to the latest scheduled time not after `now`, or nil when none is due.
    /// After downtime over several scheduled times one digest covers them all, so a restart
    /// neither skips data nor repeats a digest (the ledger stores the returned `end` once sent).
    public func duePeriod(lastPeriodEnd: Date, now: Date) -> DateInterval? {
        var fire = next(after: lastPeriodEnd)
        guard fire <= now else { return nil }
        while true {
            let following = next(after: fire)
            if following > now { break }
            fire = following
        }
        return DateInterval(start: lastPeriodEnd, end: fire)
    }
}
