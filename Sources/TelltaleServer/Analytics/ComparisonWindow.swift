import Foundation

/// The time windows a new and a previous client version are compared over.
package struct ComparisonWindow: Codable, Sendable, Equatable {
    /// How the windows were chosen.
    package enum Kind: String, Codable, Sendable {
        /// Both versions over the same window `[start, to)`, where `start` is the new version's first-seen date or
        /// the lookback start if later: the previous version still had enough traffic
        /// (at least ``ComparisonWindow/minimumPreviousCalls`` tool calls) alongside the new one.
        case sameWindow
        /// The new version over `[start, to)`, the previous version over the equally long window just before
        /// `start` (it had too little traffic once the new version arrived).
        case precedingWindow
    }

    /// Tool calls the previous version needs in the new version's window for ``Kind/sameWindow``.
    package static let minimumPreviousCalls = 20

    package var kind: Kind
    package var newFrom: Date
    package var newTo: Date
    package var previousFrom: Date
    package var previousTo: Date

    package init(kind: Kind, newFrom: Date, newTo: Date, previousFrom: Date, previousTo: Date) {
        self.kind = kind
        self.newFrom = newFrom
        self.newTo = newTo
        self.previousFrom = previousFrom
        self.previousTo = previousTo
    }
}
