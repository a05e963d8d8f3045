import Foundation

/// How a time range `[from, to)` is read: whole days, hours, quarter hours and minutes from the rollup tiers,
/// and only the partial minutes at the edges from the raw calls. Boundaries are therefore exact.
enum RollupPlan {
    enum Part: Equatable {
        /// Raw calls with `from <= started_at < to` (microseconds).
        case raw(from: Int64, to: Int64)
        /// Rollup rows of the tier with `from <= bucket < to` (both bucket-aligned).
        case tier(RollupBatch.Tier, from: Int64, to: Int64)
    }

    /// The parts covering `[from, to)`, using tiers no coarser than `coarsest` (microseconds per bucket), each
    /// only below its watermark (``RollupWatermarks``: above it the finer tiers hold the calls).
    static func parts(from: Int64, to: Int64, coarsest: Int64 = RollupBatch.Tier.day.micros,
                      watermarks: RollupWatermarks = .complete) -> [Part] {
        let tiers = RollupBatch.Tier.all.filter { $0.micros <= coarsest }
        var parts: [Part] = []
        split(from: from, to: to, tiers: tiers[...], watermarks: watermarks, into: &parts)
        return parts
    }

    /// The coarsest tier whose buckets never straddle two time buckets of `bucketMicros`.
    static func coarsest(forBucket bucketMicros: Int64) -> Int64 {
        RollupBatch.Tier.all.last { bucketMicros % $0.micros == 0 }?.micros ?? 0
    }

    private static func split(from: Int64, to: Int64, tiers: ArraySlice<RollupBatch.Tier>, watermarks: RollupWatermarks,
                              into parts: inout [Part]) {
        guard from < to else { return }
        guard let tier = tiers.last else {
            parts.append(.raw(from: from, to: to))
            return
        }
        let rest = tiers.dropLast()
        let start = tier.floor(from) == from ? from : tier.floor(from) + tier.micros
        // Watermarks are aligned to their tier's buckets.
        let end = min(tier.floor(to), watermarks.until(tier))
        guard start < end else {
            split(from: from, to: to, tiers: rest, watermarks: watermarks, into: &parts)
            return
        }
        split(from: from, to: start, tiers: rest, watermarks: watermarks, into: &parts)
        parts.append(.tier(tier, from: start, to: end))
        split(from: end, to: to, tiers: rest, watermarks: watermarks, into: &parts)
    }
}

extension RollupBatch.Tier: Equatable {
    static func == (lhs: Self, rhs: Self) -> Bool { lhs.micros == rhs.micros }
}
