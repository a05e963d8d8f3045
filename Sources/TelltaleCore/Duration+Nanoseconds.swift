extension Duration {
    /// Whole nanoseconds, saturating at `Int64.min`/`Int64.max`.
    package var saturatingNanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return seconds < 0 ? .min : .max }
        let (total, sumOverflow) = scaled.addingReportingOverflow(attoseconds / 1_000_000_000)
        return sumOverflow ? (attoseconds < 0 ? .min : .max) : total
    }

    /// Whole nanoseconds, 0 for a negative duration, saturating at `UInt64.max`.
    package var nonNegativeNanoseconds: UInt64 {
        let (seconds, attoseconds) = components
        guard seconds >= 0 else { return 0 }
        let (whole, overflow) = UInt64(seconds).multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? .max : whole &+ UInt64(max(0, attoseconds) / 1_000_000_000)
    }

    /// Seconds, with the fraction (`Foundation.TimeInterval`'s unit).
    package var secondsValue: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
