import Foundation
import TelltaleStore

/// The overview of a range: totals and a time series (calls, errors by outcome, percentiles per bucket).
package struct OverviewReport: Codable, Sendable, Equatable {
    /// Inclusive start of the range.
    package var from: Date
    /// Exclusive end of the range.
    package var to: Date
    /// Length of each bucket of `timeseries`, in seconds.
    package var bucketSeconds: Int
    /// Totals for the whole range.
    package var summary: SummaryStats
    /// Every bucket of the range, oldest first, empty ones included.
    package var timeseries: [TimeBucketStats]

    package init(from: Date, to: Date, bucketSeconds: Int, summary: SummaryStats, timeseries: [TimeBucketStats]) {
        self.from = from
        self.to = to
        self.bucketSeconds = bucketSeconds
        self.summary = summary
        self.timeseries = timeseries
    }
}
