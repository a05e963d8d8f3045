import Foundation
import TelltaleCore

/// Renders a notification as an email: subject, plain text and HTML (every value HTML-escaped).
package enum AlertEmailRenderer {
    /// The email for `notification` from `from` to `recipients`.
    package static func message(for notification: AlertNotification, from: String, to recipients: [String], date: Date = Date()) -> EmailMessage {
        EmailMessage(from: from, to: recipients, subject: subject(for: notification), text: text(for: notification),
                     html: html(for: notification), date: date)
    }

    /// `[Telltale] FIRING: slow-search (project default)`.
    package static func subject(for notification: AlertNotification) -> String {
        "[Telltale] \(notification.title)"
    }

    /// The rows shown in both bodies.
    static func rows(for notification: AlertNotification) -> [(String, String)] {
        var rows = [
            ("Rule", "\(notification.rule.name): \(notification.conditionDescription)"),
            ("Project", notification.project),
            ("Scope", notification.scopeDescription),
            ("Value", notification.valueDescription),
            ("Window", notification.windowDescription),
            ("At", notification.timeDescription),
        ]
        if let url = notification.dashboardURL { rows.append(("Dashboard", url)) }
        return rows
    }

    /// The plain-text body.
    package static func text(for notification: AlertNotification) -> String {
        var lines = [notification.title, "", notification.transition.summary, ""]
        for (label, value) in rows(for: notification) {
            lines.append((label + ":").padding(toLength: 11, withPad: " ", startingAt: 0) + value)
        }
        if notification.isTest { lines += ["", "This is a test notification sent from Telltale; no rule fired."] }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The HTML body.
    package static func html(for notification: AlertNotification) -> String {
        let color = notification.transition.kind == .resolved && !notification.isTest ? "#1a7f37" : "#cf222e"
        var html = """
        <!DOCTYPE html>
        <html><body style="font-family: -apple-system, Helvetica, Arial, sans-serif; color: #1f2328;">
        <h2 style="color: \(color);">\(HTML.escape(notification.title))</h2>
        <p>\(HTML.escape(notification.transition.summary))</p>
        <table cellpadding="4" style="border-collapse: collapse;">

        """
        for (label, value) in rows(for: notification) where label != "Dashboard" {
            html += "<tr><th align=\"left\">\(HTML.escape(label))</th><td>\(HTML.escape(value))</td></tr>\n"
        }
        html += "</table>\n"
        if let url = notification.dashboardURL {
            html += "<p><a href=\"\(HTML.escape(url))\">Open in the Telltale dashboard</a></p>\n"
        }
        if notification.isTest { html += "<p><em>This is a test notification sent from Telltale; no rule fired.</em></p>\n" }
        html += "</body></html>\n"
        return html
    }
}
