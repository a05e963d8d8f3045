import Foundation
import TelltaleCore

/// Calls per tool per time bucket, with tools that fell silent against their own baseline flagged.
package struct ThroughputReport: Codable, Sendable, Equatable {
    /// Inclusive start of the range.
    package var from: Date
    /// Exclusive end of the range.
    package var to: Date
    /// Length of each bucket, in seconds.
    package var bucketSeconds: Int
    /// Start of every bucket of the range, oldest first (the first and last may be partly outside the range).
    package var buckets: [Date]
    /// One series per tool, most called first.
    package var tools: [ThroughputSeries]
    /// The end of the span the drop detector trusts: `to`, or ``Analytics/ingestDelay`` before the time of the
    /// query if that is earlier (calls that started later may still be on their way to the collector).
    package var settledUntil: Date

    package init(from: Date, to: Date, bucketSeconds: Int, buckets: [Date], tools: [ThroughputSeries], settledUntil: Date? = nil) {
        self.from = from
        self.to = to
        self.bucketSeconds = bucketSeconds
        self.buckets = buckets
        self.tools = tools
        self.settledUntil = settledUntil ?? to
    }

    /// The tools flagged as dropped.
    package var dropped: [ThroughputSeries] { tools.filter(\.drop.dropped) }
}
