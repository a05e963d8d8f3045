import Foundation
import TelltaleCore

/// The human pieces every channel shows: headline, scope, value vs threshold, window.
extension AlertNotification {
    /// `FIRING`, `RESOLVED`, `STILL FIRING` or `TEST`.
    package var headline: String {
        if isTest { return "TEST" }
        switch transition.kind {
        case .firing: return "FIRING"
        case .resolved: return "RESOLVED"
        case .renotify: return "STILL FIRING"
        case .pending: return "PENDING"
        case .cleared: return "CLEARED"
        }
    }

    /// `FIRING: slow-search (project default)`.
    package var title: String { "\(headline): \(rule.name) (project \(project))" }

    /// The rule's condition, e.g. `p95 latency above 800 ms`.
    package var conditionDescription: String { rule.condition.text }

    /// `whole project`, or `server=weather, tool=search, environment=production`.
    package var scopeDescription: String { rule.scope.text }

    /// `12.5% (threshold 5%)`, `no data (threshold 800 ms)`.
    package var valueDescription: String {
        let unit: String
        switch rule.condition {
        case .errorRate: unit = "%"
        case .latency: unit = " ms"
        case .throughputCollapse, .callCount, .deadman: unit = " calls"
        }
        let value = transition.value.map { AlertText.number($0, decimals: 2) + unit } ?? "no data"
        return "\(value) (threshold \(AlertText.number(transition.threshold, decimals: 2))\(unit))"
    }

    /// `5 min`, `1 h 30 min`, `90 s`.
    package var windowDescription: String { AlertText.duration(seconds: rule.windowSeconds) }

    /// The transition time, RFC 3339 in UTC.
    package var timeDescription: String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: transition.at)
    }
}
