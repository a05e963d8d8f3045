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

    package init(from: Date, to: Date, bucketSeconds: Int, buckets: [Date], tools: [ThroughputSeries]) {
        self.from = from
        self.to = to
        self.bucketSeconds = bucketSeconds
        self.buckets = buckets
        self.tools = tools
    }

    /// The tools flagged as dropped.
    package var dropped: [ThroughputSeries] { tools.filter(\.drop.dropped) }
}
