import Foundation

/// The `range` query parameter: a preset length ending at `to` (default now).
package enum RangePreset: String, CaseIterable, Sendable, Codable {
    case fifteenMinutes = "15m"
    case oneHour = "1h"
    case sixHours = "6h"
    case oneDay = "24h"
    case sevenDays = "7d"

    /// The length of the range, in seconds.
    package var seconds: TimeInterval {
        switch self {
        case .fifteenMinutes: 15 * 60
        case .oneHour: 3600
        case .sixHours: 6 * 3600
        case .oneDay: 24 * 3600
        case .sevenDays: 7 * 24 * 3600
        }
    }

    /// The preset of exactly this length, if any.
    package init?(seconds: TimeInterval) {
        guard let preset = Self.allCases.first(where: { $0.seconds == seconds }) else { return nil }
        self = preset
    }

    /// The accepted values, for error messages: `15m|1h|6h|24h|7d`.
    package static var accepted: String { allCases.map(\.rawValue).joined(separator: "|") }
}
