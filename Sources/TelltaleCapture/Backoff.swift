import Foundation
import TelltaleCore

/// Exponential backoff with full jitter: attempt `n` waits a uniform random time in
/// `0 ... min(cap, base · 2ⁿ)` (the "full jitter" of the AWS architecture blog).
struct Backoff: Sendable {
    /// Delay bound of the first retry.
    var base: Duration
    /// Largest delay bound.
    var cap: Duration
    /// Failed attempts since the last success.
    private(set) var attempt: Int = 0

    init(base: Duration, cap: Duration) {
        self.base = max(base, .milliseconds(1))
        self.cap = max(cap, self.base)
    }

    /// The upper bound of the delay for the current attempt (before jitter).
    var currentBound: Duration {
        let factor = 1 << min(attempt, 30)
        let bound = base * factor
        return bound > cap || bound < .zero ? cap : bound
    }

    /// Records a failure and returns how long to wait before the next attempt.
    mutating func nextDelay<G: RandomNumberGenerator>(using generator: inout G) -> Duration {
        let bound = currentBound
        attempt += 1
        let boundNs = bound.saturatingNanoseconds
        return .nanoseconds(Int64.random(in: 0...max(0, boundNs), using: &generator))
    }

    /// Records a failure and returns how long to wait before the next attempt (system random numbers).
    mutating func nextDelay() -> Duration {
        var generator = SystemRandomNumberGenerator()
        return nextDelay(using: &generator)
    }

    /// Forgets failures: the next delay starts from `base` again.
    mutating func reset() {
        attempt = 0
    }
}

/// Parses an HTTP `Retry-After` value: delay-seconds (`120`) or an HTTP-date
/// (`Wed, 21 Oct 2026 07:28:00 GMT`, also the obsolete RFC 850 and asctime forms).
enum RetryAfter {
    /// The delay the value asks for, relative to `now`; nil when malformed. Dates in the past give zero.
    static func parse(_ value: String, now: Date = Date()) -> Duration? {
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        if !trimmed.isEmpty, trimmed.allSatisfy(\.isASCII), trimmed.allSatisfy(\.isNumber) {
            guard let seconds = Int64(trimmed) else { return nil }
            return .seconds(seconds)
        }
        for format in httpDateFormats {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "GMT")
            formatter.dateFormat = format
            if let date = formatter.date(from: trimmed) {
                let seconds = date.timeIntervalSince(now)
                return seconds <= 0 ? .zero : .milliseconds(Int64((seconds * 1000).rounded(.up)))
            }
        }
        return nil
    }

    /// IMF-fixdate, RFC 850 and asctime (RFC 9110 §5.6.7).
    private static let httpDateFormats = [
        "EEE, dd MMM yyyy HH:mm:ss zzz",
        "EEEE, dd-MMM-yy HH:mm:ss zzz",
        "EEE MMM d HH:mm:ss yyyy",
    ]
}
