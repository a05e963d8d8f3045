import Foundation
import TelltaleCore
import TelltaleStore

extension AlertEngine {
    /// Hands one notification per channel of the rule to the dispatcher; unknown channel ids are skipped
    /// (and logged): a channel deleted or never created does not stop the others.
    func notify(_ rule: AlertRule, _ transition: AlertTransition, project: Project, channels: [String: AlertChannel]) async {
        let link = Self.dashboardURL(base: configuration.publicBaseURL, scope: rule.scope,
                                     from: transition.at.addingTimeInterval(-TimeInterval(rule.windowSeconds)),
                                     to: transition.at)
        for channelID in rule.channelIDs {
            guard let channel = channels[channelID] else {
                logger.warning("alert rule names an unknown channel; skipped", metadata: [
                    "project": "\(project.name)", "rule": "\(rule.name)", "channel": "\(channelID)",
                ])
                continue
            }
            let notification = AlertNotification(
                id: Self.notificationID(), project: project.name, rule: rule, transition: transition, dashboardURL: link)
            await dispatcher.dispatch(notification, to: channel, project: project.id)
        }
    }

    /// A new notification id, unique per transition and channel: `msg_` and 32 random hex digits.
    static func notificationID() -> String {
        "msg_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
    }

    /// The dashboard overview filtered by `scope` over `[from, to)`, under the public base URL.
    static func dashboardURL(base: String, scope: AlertScope, from: Date, to: Date) -> String {
        var items: [(String, String)] = [("from", wholeSeconds(from, rounding: .down)), ("to", wholeSeconds(to, rounding: .up))]
        let fields: [(String, String?)] = [
            ("server", scope.server), ("client", scope.client), ("clientVersion", scope.clientVersion),
            ("tool", scope.tool), ("prompt", scope.prompt), ("resource", scope.resource), ("method", scope.method),
        ]
        for case let (name, value?) in fields { items.append((name, value)) }
        for (key, value) in scope.tags.sorted(by: { $0.key < $1.key }) { items.append(("tag", "\(key):\(value)")) }
        var root = base
        while root.hasSuffix("/") { root.removeLast() }
        return URLQuery.build(root + "/", items)
    }

    /// RFC 3339 at whole seconds (`2026-09-21T14:03:50Z`), rounded down or up so the link covers the window.
    static func wholeSeconds(_ date: Date, rounding: FloatingPointRoundingRule) -> String {
        let seconds = date.timeIntervalSince1970.rounded(rounding)
        let text = RFC3339.string(Date(timeIntervalSince1970: seconds))
        guard let dot = text.firstIndex(of: ".") else { return text }
        return String(text[..<dot]) + "Z"
    }
}
