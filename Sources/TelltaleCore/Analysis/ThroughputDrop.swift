import Foundation

/// Detects a tool whose calls fell to zero against its own baseline: the range's trailing run of empty
/// buckets is flagged when, at the tool's earlier rate, so much silence would be very unlikely.
///
/// The model: calls arrive as a Poisson process. The baseline rate is the tool's calls per full bucket
/// before the trailing run of empty buckets (buckets weighted by how much of each lies inside the range).
/// Over the silent span that rate predicts λ calls; seeing none has probability e^−λ. The tool is flagged when
/// λ ≥ 5, i.e. P(0 calls) < 0.7%, with at least 3 baseline buckets so one busy minute is not a "baseline".
///
/// ```swift
/// let d = ThroughputDrop(counts: [12, 9, 11, 10, 0, 0], coverage: [1, 1, 1, 1, 1, 0.5])
/// d.dropped          // true: λ = 10.5 × 1.5 ≈ 15.8
/// d.silentSinceIndex // 4
/// ```
public struct ThroughputDrop: Codable, Sendable, Equatable {
    /// The least λ (expected calls in the silent span) that flags a drop: P(0 | λ = 5) = e^−5 ≈ 0.67%.
    public static let minimumExpectedCalls = 5.0
    /// The fewest buckets before the silence for a baseline.
    public static let minimumBaselineBuckets = 3

    /// Whether the tool dropped to zero against its baseline.
    public var dropped: Bool
    /// Trailing buckets without a call (0 when the last bucket has calls).
    public var silentBuckets: Int
    /// Index of the first silent bucket; nil when there is no trailing silence.
    public var silentSinceIndex: Int?
    /// Buckets before the silence that form the baseline.
    public var baselineBuckets: Int
    /// Calls per full bucket before the silence; nil with fewer than ``minimumBaselineBuckets`` baseline buckets.
    public var baselinePerBucket: Double?
    /// λ: calls the baseline rate predicts over the silent span (0 without silence or baseline).
    public var expectedCalls: Double
    /// e^−λ: the probability of no call in the silent span at the baseline rate (1 without silence or baseline).
    public var pValue: Double

    /// Evaluates one tool's bucket counts.
    /// - Parameters:
    ///   - counts: calls per bucket, oldest first.
    ///   - coverage: the fraction (0...1) of each bucket inside the range, same length as `counts` (the first
    ///     and last buckets are partial when the range does not start or end on a bucket boundary); nil means
    ///     every bucket is whole.
    public init(counts: [Int], coverage: [Double]? = nil) {
        let weights = coverage ?? Array(repeating: 1, count: counts.count)
        precondition(weights.count == counts.count, "coverage must have one value per bucket")
        let silentStart = (counts.lastIndex(where: { $0 > 0 }).map { $0 + 1 }) ?? 0
        silentBuckets = counts.count - silentStart
        silentSinceIndex = silentBuckets > 0 ? silentStart : nil
        baselineBuckets = silentStart
        let baselineCalls = counts[..<silentStart].reduce(0, +)
        let baselineSpan = weights[..<silentStart].reduce(0, +)
        let silentSpan = weights[silentStart...].reduce(0, +)
        if silentStart >= Self.minimumBaselineBuckets, baselineSpan > 0 {
            let rate = Double(baselineCalls) / baselineSpan
            baselinePerBucket = rate
            expectedCalls = rate * silentSpan
        } else {
            baselinePerBucket = nil
            expectedCalls = 0
        }
        pValue = exp(-expectedCalls)
        dropped = silentBuckets > 0 && expectedCalls >= Self.minimumExpectedCalls
    }

    /// Fraction of each bucket `[start, start + bucketSeconds)` that lies inside `[from, to)`.
    public static func coverage(bucketStarts: [Date], bucketSeconds: Int, from: Date, to: Date) -> [Double] {
        let length = Double(bucketSeconds)
        return bucketStarts.map { start in
            let end = start.addingTimeInterval(length)
            let inside = min(end, to).timeIntervalSince(max(start, from))
            return max(0, min(1, inside / length))
        }
    }
}
