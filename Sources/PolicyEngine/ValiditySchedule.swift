import Foundation

/// Ranger's `validitySchedules` entry: a policy is in force between `startTime` and
/// `endTime` (format `yyyy/MM/dd HH:mm:ss`, in `timeZone`, default UTC), and, when it has
/// recurrences, only during an interval that starts at a time the recurrence's schedule
/// names (cron-like fields: `*`, `5`, `1-5`, `1,3,5`; months 1–12, days of week 1–7 with
/// 1 = Sunday, as Java's Calendar). Outside its schedules a policy is skipped.
struct ValiditySchedule: Sendable {
    struct Field: Sendable {
        var ranges: [ClosedRange<Int>]  // empty means `*`
        func matches(_ value: Int) -> Bool { ranges.isEmpty || ranges.contains { $0.contains(value) } }
    }

    struct Recurrence: Sendable {
        var minute, hour, dayOfMonth, dayOfWeek, month, year: Field
        var intervalMinutes: Int
    }

    var start: Date?
    var end: Date?
    var timeZone: TimeZone
    var recurrences: [Recurrence]

    func isActive(at now: Date) -> Bool {
        if let start, now < start { return false }
        if let end, now > end { return false }
        if recurrences.isEmpty { return true }
        return recurrences.contains { isInInterval($0, now) }
    }

    /// Finds the latest scheduled start at or before `now` (walking back a day at a time,
    /// at most the interval's length in days) and checks that `now` is within its interval.
    private func isInInterval(_ r: Recurrence, _ now: Date) -> Bool {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let maxDays = min(r.intervalMinutes / 1440 + 1, 400)
        for back in 0...maxDays {
            guard let day = calendar.date(byAdding: .day, value: -back, to: now) else { return false }
            let c = calendar.dateComponents([.year, .month, .day, .weekday, .hour, .minute], from: day)
            guard let y = c.year, let mo = c.month, let d = c.day, let wd = c.weekday, let h = c.hour, let mi = c.minute else { return false }
            guard r.year.matches(y), r.month.matches(mo), r.dayOfMonth.matches(d), r.dayOfWeek.matches(wd) else { continue }
            let limit = back == 0 ? h * 60 + mi : 24 * 60 - 1
            var minuteOfDay = limit
            while minuteOfDay >= 0 {
                if r.hour.matches(minuteOfDay / 60) && r.minute.matches(minuteOfDay % 60) {
                    guard let midnight = calendar.date(bySettingHour: 0, minute: 0, second: 0, of: day),
                          let start = calendar.date(byAdding: .minute, value: minuteOfDay, to: midnight) else { return false }
                    return now.timeIntervalSince(start) <= Double(r.intervalMinutes) * 60
                }
                minuteOfDay -= 1
            }
        }
        return false
    }

    static func parse(_ node: JSONNode) throws(PolicyLoadError) -> ValiditySchedule {
        _ = try node.object()
        let zoneName = try node.string("timeZone") ?? ""
        let zone: TimeZone
        if zoneName.isEmpty {
            zone = TimeZone(identifier: "UTC")!
        } else {
            guard let named = TimeZone(identifier: zoneName) else { throw node.error("unknown timeZone \"\(zoneName)\"") }
            zone = named
        }
        func date(_ key: String) throws(PolicyLoadError) -> Date? {
            guard let text = try node.string(key), !text.isEmpty else { return nil }
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = zone
            formatter.dateFormat = "yyyy/MM/dd HH:mm:ss"
            guard let parsed = formatter.date(from: text) else {
                throw node.error("\(key) \"\(text)\" is not yyyy/MM/dd HH:mm:ss")
            }
            return parsed
        }
        let start = try date("startTime"), end = try date("endTime")
        var recurrences: [Recurrence] = []
        for r in try node.array("recurrences") {
            let schedule = try r.required("schedule")
            func field(_ key: String, _ bounds: ClosedRange<Int>) throws(PolicyLoadError) -> Field {
                let text = (try schedule.string(key) ?? "*").trimmingCharacters(in: .whitespaces)
                if text == "*" || text.isEmpty { return Field(ranges: []) }
                var ranges: [ClosedRange<Int>] = []
                for part in text.split(separator: ",") {
                    let ends = part.split(separator: "-", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
                    guard (1...2).contains(ends.count), let low = ends.first ?? nil, let high = ends.last ?? nil,
                          low <= high, bounds.contains(low), bounds.contains(high) else {
                        throw schedule.error("\(key) \"\(text)\" is not *, a number, a range or a list within \(bounds.lowerBound)-\(bounds.upperBound)")
                    }
                    ranges.append(low...high)
                }
                return Field(ranges: ranges)
            }
            let interval = try r.required("interval")
            let minutes = (try interval.int("days") ?? 0) * 1440 + (try interval.int("hours") ?? 0) * 60 + (try interval.int("minutes") ?? 0)
            guard minutes > 0, minutes <= 400 * 1440 else { throw interval.error("interval must be between 1 minute and 400 days") }
            recurrences.append(Recurrence(
                minute: try field("minute", 0...59), hour: try field("hour", 0...23), dayOfMonth: try field("dayOfMonth", 1...31),
                dayOfWeek: try field("dayOfWeek", 1...7), month: try field("month", 1...12), year: try field("year", 1970...9999),
                intervalMinutes: Int(minutes)))
        }
        return ValiditySchedule(start: start, end: end, timeZone: zone, recurrences: recurrences)
    }
}
