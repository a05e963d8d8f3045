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
    package var conditionDescription: String {
        switch rule.condition {
        case let .errorRate(abovePercent, minCalls, countToolErrors):
            return "error rate above \(Self.number(abovePercent))% (at least \(minCalls) calls\(countToolErrors ? ", tool errors count" : ""))"
        case let .latency(percentile, aboveMs):
            return "\(percentile.rawValue) latency above \(Self.number(aboveMs)) ms"
        case let .throughputCollapse(belowPercent, minBaselineCalls):
            let drop = belowPercent == 0 ? "calls fell to zero" : "calls below \(Self.number(belowPercent))% of the preceding window"
            return "\(drop) (baseline at least \(minBaselineCalls) calls)"
        case let .callCount(above):
            return "more than \(above) calls"
        case .deadman:
            return "no traffic at all"
        }
    }

    /// `whole project`, or `server=weather, tool=search, environment=production`.
    package var scopeDescription: String {
        let scope = rule.scope
        var parts: [String] = []
        for (name, value) in [("server", scope.server), ("tool", scope.tool), ("prompt", scope.prompt), ("resource", scope.resource),
                              ("method", scope.method), ("client", scope.client), ("client version", scope.clientVersion)] {
            if let value { parts.append("\(name)=\(value)") }
        }
        for (key, value) in scope.tags.sorted(by: { $0.key < $1.key }) { parts.append("\(key)=\(value)") }
        return parts.isEmpty ? "whole project" : parts.joined(separator: ", ")
    }

    /// `12.5% (threshold 5%)`, `no data (threshold 800 ms)`.
    package var valueDescription: String {
        let unit: String
        switch rule.condition {
        case .errorRate: unit = "%"
        case .latency: unit = " ms"
        case .throughputCollapse, .callCount, .deadman: unit = " calls"
        }
        let value = transition.value.map { Self.number($0) + unit } ?? "no data"
        return "\(value) (threshold \(Self.number(transition.threshold))\(unit))"
    }

    /// `5 min`, `1 h`, `90 s`.
    package var windowDescription: String {
        let seconds = rule.windowSeconds
        if seconds % 3600 == 0 { return "\(seconds / 3600) h" }
        if seconds % 60 == 0 { return "\(seconds / 60) min" }
        return "\(seconds) s"
    }

    /// The transition time, RFC 3339 in UTC.
    package var timeDescription: String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: transition.at)
    }

    /// Up to two decimals, no trailing zeros: `12.5`, `800`, `0.33`.
    static func number(_ value: Double) -> String {
        guard value.isFinite else { return String(value) }
        let rounded = (value * 100).rounded() / 100
        if rounded == rounded.rounded() && abs(rounded) < 1e15 { return String(Int64(rounded)) }
        return String(format: "%.2f", rounded).replacingOccurrences(of: #"0+$"#, with: "", options: .regularExpression)
    }
}
