import Foundation
import TelltaleCore

/// One tool's calls per bucket in a ``ThroughputReport``, and whether it dropped to zero.
package struct ThroughputSeries: Codable, Sendable, Equatable {
    package var tool: String
    /// Calls in the range.
    package var calls: Int
    /// Failed calls in the range.
    package var errors: Int
    /// Calls per bucket, aligned with the report's `buckets`.
    package var counts: [Int]
    /// The drop detector's result (baseline, silent buckets, λ, p-value).
    package var drop: ThroughputDrop
    /// Start of the first silent bucket when the tool ends the range silent; nil otherwise.
    package var silentSince: Date?

    package init(tool: String, calls: Int, errors: Int, counts: [Int], drop: ThroughputDrop, silentSince: Date?) {
        self.tool = tool
        self.calls = calls
        self.errors = errors
        self.counts = counts
        self.drop = drop
        self.silentSince = silentSince
    }
}
