import Foundation

/// The time-bucket length of charts and per-bucket analyses for a range.
///
/// Sizes come from a fixed ladder (1 min, 5 min, 15 min, 1 h, 6 h, 1 day) so buckets line up with the store's
/// minute and hour rollups. Ranges of a day or more use hour-multiples only, so they are served from hour
/// rollups (the dashboard's 100 ms target with millions of calls).
///
/// | range | bucket | buckets |
/// |-------|--------|---------|
/// | 15 min | 60 s | 15 |
/// | 1 h | 60 s | 60 |
/// | 6 h | 300 s | 72 |
/// | 24 h | 3600 s | 24 |
/// | 7 d | 3600 s | 168 |
/// | other | the smallest size giving at most 180 buckets | ~24–180 |
public enum BucketSize {
    /// The ladder of sizes, in seconds.
    public static let ladder = [60, 300, 900, 3600, 21_600, 86_400]
    /// The most buckets a chosen size may give.
    public static let maximumBuckets = 180.0
    /// Ranges at least this long use only hour-multiple buckets.
    public static let hourlyFrom: TimeInterval = 24 * 3600

    /// The bucket length in seconds for a range of `seconds`.
    public static func seconds(forRange seconds: TimeInterval) -> Int {
        let range = max(seconds, 0)
        let sizes = range >= hourlyFrom ? ladder.filter { $0 >= 3600 } : ladder
        if let size = sizes.first(where: { range / Double($0) <= maximumBuckets }) { return size }
        // Longer than 180 days: whole days, as many as keep the count at most 180.
        let days = Int((range / 86_400 / maximumBuckets).rounded(.up))
        return days * 86_400
    }

    /// Whether `seconds` is a bucket length the store accepts: a positive multiple of 60, and of 3600 from an
    /// hour up.
    public static func isValid(_ seconds: Int) -> Bool {
        seconds >= 60 && seconds % 60 == 0 && (seconds < 3600 || seconds % 3600 == 0)
    }

    /// Start of the bucket of length `seconds` holding `date` (buckets start at multiples since the epoch).
    public static func start(of date: Date, seconds: Int) -> Date {
        let length = Double(seconds)
        return Date(timeIntervalSince1970: (date.timeIntervalSince1970 / length).rounded(.down) * length)
    }

    /// How many buckets ``starts(from:to:seconds:)`` returns, without building them.
    public static func count(from: Date, to: Date, seconds: Int) -> Int {
        guard to > from else { return 0 }
        let first = start(of: from, seconds: seconds)
        return Int((to.timeIntervalSince(first) / Double(seconds)).rounded(.up))
    }

    /// The starts of every bucket of `[from, to)`: from the one holding `from` while the start is before `to`.
    /// `seconds` must be positive.
    public static func starts(from: Date, to: Date, seconds: Int) -> [Date] {
        precondition(seconds > 0, "bucket length must be positive")
        var starts: [Date] = []
        var start = start(of: from, seconds: seconds)
        while start < to {
            starts.append(start)
            start = start.addingTimeInterval(Double(seconds))
        }
        return starts
    }
}
