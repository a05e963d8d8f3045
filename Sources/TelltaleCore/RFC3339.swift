import Foundation

/// RFC 3339 timestamps without Foundation formatters (fast, allocation-light).
package enum RFC3339 {
    /// `2026-11-25T10:13:33.123456Z` (UTC, microseconds).
    package static func format(_ date: Date, into out: inout [UInt8]) {
        let totalMicros = (date.timeIntervalSince1970 * 1_000_000).rounded()
        let micros = Int64(clamping: Int64(exactly: totalMicros) ?? 0)
        var seconds = micros / 1_000_000
        var fraction = micros % 1_000_000
        if fraction < 0 { fraction += 1_000_000; seconds -= 1 }
        var days = seconds / 86_400
        var secondOfDay = seconds % 86_400
        if secondOfDay < 0 { secondOfDay += 86_400; days -= 1 }
        let (year, month, day) = civil(fromDays: days)
        func put(_ value: Int64, _ width: Int) {
            // Most significant digit first, straight into `out` (values are non-negative here).
            var divisor: Int64 = 1
            for _ in 1..<width { divisor *= 10 }
            while divisor > 0 {
                out.append(UInt8(0x30 + value / divisor % 10))
                divisor /= 10
            }
        }
        put(max(0, min(9999, year)), 4); out.append(0x2D)
        put(month, 2); out.append(0x2D)
        put(day, 2); out.append(0x54)
        put(secondOfDay / 3600, 2); out.append(0x3A)
        put(secondOfDay / 60 % 60, 2); out.append(0x3A)
        put(secondOfDay % 60, 2); out.append(0x2E)
        put(fraction, 6); out.append(0x5A)
    }

    /// The formatted text of `date`.
    package static func string(_ date: Date) -> String {
        var out: [UInt8] = []
        format(date, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Parses any RFC 3339 date-time (`T`/`t`/space, 0–9 fraction digits, `Z` or `±hh:mm`).
    package static func parse(_ bytes: some Collection<UInt8>) -> Date? {
        let text = Array(bytes)
        guard text.count >= 20 else { return nil }
        func number(_ start: Int, _ count: Int) -> Int64? {
            guard start + count <= text.count else { return nil }
            var value: Int64 = 0
            for index in start..<(start + count) {
                let byte = text[index]
                guard (0x30...0x39).contains(byte) else { return nil }
                value = value * 10 + Int64(byte - 0x30)
            }
            return value
        }
        guard let year = number(0, 4), text[4] == 0x2D, let month = number(5, 2), text[7] == 0x2D,
              let day = number(8, 2), [0x54, 0x74, 0x20].contains(text[10]),
              let hour = number(11, 2), text[13] == 0x3A, let minute = number(14, 2), text[16] == 0x3A,
              let second = number(17, 2),
              (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day),
              hour < 24, minute < 60, second <= 60
        else { return nil }
        var index = 19
        var nanos: Int64 = 0
        if index < text.count && text[index] == 0x2E {
            index += 1
            var digits = 0
            while index < text.count, (0x30...0x39).contains(text[index]) {
                if digits < 9 { nanos = nanos * 10 + Int64(text[index] - 0x30) }
                digits += 1
                index += 1
            }
            guard digits > 0 else { return nil }
            for _ in min(digits, 9)..<9 { nanos *= 10 }
        }
        guard index < text.count else { return nil }
        var offset: Int64 = 0
        switch text[index] {
        case 0x5A, 0x7A:
            index += 1
        case 0x2B, 0x2D:
            guard let hours = number(index + 1, 2), index + 3 < text.count, text[index + 3] == 0x3A,
                  let minutes = number(index + 4, 2), hours < 24, minutes < 60 else { return nil }
            offset = (hours * 3600 + minutes * 60) * (text[index] == 0x2D ? -1 : 1)
            index += 6
        default:
            return nil
        }
        guard index == text.count else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset
        return Date(timeIntervalSince1970: Double(seconds) + Double(nanos) / 1e9)
    }

    /// Days in `month` of `year` (Gregorian leap years).
    private static func daysIn(month: Int64, year: Int64) -> Int64 {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
    private static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    private static func civil(fromDays days: Int64) -> (Int64, Int64, Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
