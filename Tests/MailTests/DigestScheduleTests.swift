import Delivery
import Foundation
import Testing

@Suite struct DigestScheduleTests {
    func utc(_ text: String) -> Date { ISO8601DateFormatter().date(from: text)! }
    func iso(_ date: Date) -> String { ISO8601DateFormatter().string(from: date) }

    @Test func dailyAtSixUTC() throws {
        let schedule = try DigestSchedule("0 6 * * *")
        #expect(iso(schedule.next(after: utc("2026-11-23T05:59:59Z"))) == "2026-11-23T06:00:00Z")
        #expect(iso(schedule.next(after: utc("2026-11-23T06:00:00Z"))) == "2026-11-24T06:00:00Z", "strictly after")
        #expect(iso(schedule.next(after: utc("2026-12-31T07:00:00Z"))) == "2027-01-01T06:00:00Z")
    }

    @Test func rangesListsStepsAndNames() throws {
        let office = try DigestSchedule("*/15 9-17 * * mon-fri")
        // Friday 2026-11-27 17:50 → Monday 09:00
        #expect(iso(office.next(after: utc("2026-11-27T17:50:00Z"))) == "2026-11-30T09:00:00Z")
        #expect(iso(office.next(after: utc("2026-11-23T09:00:00Z"))) == "2026-11-23T09:15:00Z")
        let twiceMonthly = try DigestSchedule("30 7 1,15 * *")
        #expect(iso(twiceMonthly.next(after: utc("2026-11-15T08:00:00Z"))) == "2026-12-01T07:30:00Z")
        let months = try DigestSchedule("0 12 1 jan,JUL *")
        #expect(iso(months.next(after: utc("2026-02-01T00:00:00Z"))) == "2026-07-01T12:00:00Z")
        let sunday = try DigestSchedule("0 0 * * 7")
        #expect(iso(sunday.next(after: utc("2026-11-23T00:00:00Z"))) == "2026-11-29T00:00:00Z")
        let steppedRange = try DigestSchedule("10-50/20 3 * * *")
        #expect(iso(steppedRange.next(after: utc("2026-11-23T03:31:00Z"))) == "2026-11-23T03:50:00Z")
    }

    @Test func dayOfMonthOrDayOfWeekWhenBothRestricted() throws {
        // Vixie cron: the 13th or any Friday.
        let schedule = try DigestSchedule("0 0 13 * fri")
        #expect(iso(schedule.next(after: utc("2026-11-23T12:00:00Z"))) == "2026-11-27T00:00:00Z") // a Friday
        #expect(iso(schedule.next(after: utc("2026-12-11T12:00:00Z"))) == "2026-12-13T00:00:00Z") // a Sunday the 13th
    }

    @Test func leapDayIsFound() throws {
        let schedule = try DigestSchedule("0 0 29 2 *")
        #expect(iso(schedule.next(after: utc("2026-03-01T00:00:00Z"))) == "2028-02-29T00:00:00Z")
    }

    @Test func springForwardGapFiresOnceAtTheEndOfTheGap() throws {
        let schedule = try DigestSchedule("30 2 * * *", timeZone: "Europe/Berlin")
        // 2026-03-29 02:30 does not exist in Berlin (clocks go 02:00 CET → 03:00 CEST).
        let inGap = schedule.next(after: utc("2026-03-28T12:00:00Z"))
        #expect(iso(inGap) == "2026-03-29T01:00:00Z") // 03:00 CEST
        #expect(iso(schedule.next(after: inGap)) == "2026-03-30T00:30:00Z") // 02:30 CEST
        let quarterHours = try DigestSchedule("*/15 2 * * *", timeZone: "Europe/Berlin")
        let collapsed = quarterHours.next(after: utc("2026-03-28T23:00:00Z"))
        #expect(iso(collapsed) == "2026-03-29T01:00:00Z")
        #expect(iso(quarterHours.next(after: collapsed)) == "2026-03-30T00:00:00Z", "the four skipped times fire once")
    }

    @Test func fallBackOverlapFiresOnceAtTheFirstOccurrence() throws {
        let schedule = try DigestSchedule("30 2 * * *", timeZone: "Europe/Berlin")
        // 2026-10-25 02:30 happens twice (CEST, then CET).
        let first = schedule.next(after: utc("2026-10-24T12:00:00Z"))
        #expect(iso(first) == "2026-10-25T00:30:00Z") // 02:30 CEST
        #expect(iso(schedule.next(after: first)) == "2026-10-26T01:30:00Z", "not again at 02:30 CET")
    }

    @Test func dailyDigestKeepsLocalTimeAcrossDST() throws {
        let schedule = try DigestSchedule("0 6 * * *", timeZone: "Europe/Berlin")
        let saturday = schedule.next(after: utc("2026-03-27T12:00:00Z"))
        #expect(iso(saturday) == "2026-03-28T05:00:00Z") // 06:00 CET
        #expect(iso(schedule.next(after: saturday)) == "2026-03-29T04:00:00Z") // 06:00 CEST
    }

    @Test func badSchedulesAreRefused() {
        for bad in ["61 * * * *", "0 6 * *", "0 0 31 2 *", "0 0 * * funday", "*/0 * * * *", "5-1 * * * *", "0 0 0 * *"] {
            #expect(throws: MailConfigError.self, "\(bad)") { try DigestSchedule(bad) }
        }
        #expect(throws: MailConfigError.self) { try DigestSchedule("0 6 * * *", timeZone: "Mars/Olympus") }
    }
}

@Suite struct DigestPeriodTests {
    func utc(_ text: String) -> Date { ISO8601DateFormatter().date(from: text)! }

    @Test func dueOnlyAfterTheScheduledTime() throws {
        let schedule = try DigestSchedule("0 6 * * *")
        let lastEnd = utc("2026-11-22T06:00:00Z")
        #expect(schedule.duePeriod(lastPeriodEnd: lastEnd, now: utc("2026-11-23T05:59:00Z")) == nil)
        #expect(schedule.duePeriod(lastPeriodEnd: lastEnd, now: utc("2026-11-23T06:00:00Z"))
                == DateInterval(start: lastEnd, end: utc("2026-11-23T06:00:00Z")))
    }

    @Test func downtimeOverSeveralTimesGivesOneDigestCoveringThem() throws {
        let schedule = try DigestSchedule("0 6 * * *")
        let lastEnd = utc("2026-11-20T06:00:00Z")
        let period = schedule.duePeriod(lastPeriodEnd: lastEnd, now: utc("2026-11-23T09:30:00Z"))
        #expect(period == DateInterval(start: lastEnd, end: utc("2026-11-23T06:00:00Z")))
        // Recorded as sent: nothing more is due until the next morning.
        #expect(schedule.duePeriod(lastPeriodEnd: period!.end, now: utc("2026-11-23T23:00:00Z")) == nil)
    }
}
