/// Exact nearest-rank latency percentiles.
package enum Percentiles {
    /// p50, p95 and p99 in milliseconds of durations in nanoseconds (sorted in place); nil when empty.
    ///
    /// Nearest rank: the p-th percentile of n sorted values is the value at rank ⌈p/100 · n⌉ (1-based).
    package static func latency(sortingInPlace durations: inout [Int64]) -> LatencyStats {
        guard !durations.isEmpty else { return LatencyStats() }
        durations.sort()
        return LatencyStats(
            p50Ms: milliseconds(nearestRank(50, of: durations)),
            p95Ms: milliseconds(nearestRank(95, of: durations)),
            p99Ms: milliseconds(nearestRank(99, of: durations))
        )
    }

    /// The nearest-rank percentile of ascending, non-empty `sorted`.
    package static func nearestRank(_ percentile: Int, of sorted: [Int64]) -> Int64 {
        precondition(!sorted.isEmpty && (1...100).contains(percentile))
        // ⌈p·n/100⌉ in integers.
        let rank = (percentile * sorted.count + 99) / 100
        return sorted[max(rank, 1) - 1]
    }

    static func milliseconds(_ nanoseconds: Int64) -> Double {
        Double(nanoseconds) / 1_000_000
    }
}
