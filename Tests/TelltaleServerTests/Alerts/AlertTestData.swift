import Foundation
import TelltaleCore

/// Notifications for the delivery tests.
enum AlertTestData {
    static let at = Date(timeIntervalSince1970: 1_790_000_000)

    static func rule(name: String = "slow-search", condition: AlertCondition = .latency(percentile: .p95, aboveMs: 800)) -> AlertRule {
        AlertRule(id: "rule-1", name: name, scope: AlertScope(server: "weather", tool: "search", tags: ["environment": "production"]),
                  condition: condition, windowSeconds: 300, forSeconds: 60, channelIDs: ["ch-1"])
    }

    static func notification(id: String = "notif_\(UUID().uuidString.lowercased())", rule: AlertRule = rule(), kind: AlertTransition.Kind = .firing,
                             summary: String = "p95 latency 1234.5 ms above 800 ms over 5 min", isTest: Bool = false) -> AlertNotification {
        let transition = AlertTransition(ruleID: rule.id, kind: kind, from: kind == .resolved ? .firing : .pending,
                                         to: kind == .resolved ? .ok : .firing, at: at, value: 1234.5, threshold: 800, summary: summary)
        return AlertNotification(id: id, project: "default", rule: rule, transition: transition,
                                 dashboardURL: "https://telltale.example.com/dashboard/alerts/rule-1", isTest: isTest)
    }
}
