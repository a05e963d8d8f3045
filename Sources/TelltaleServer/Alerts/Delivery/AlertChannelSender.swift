import AsyncHTTPClient
import Foundation
import TelltaleCore

/// Delivers one notification to one channel, once: email over SMTP, Slack Block Kit, or a signed webhook.
/// Slack and webhook targets pass the private-target guard before every attempt, and the attempt connects to
/// the address the guard checked.
package struct AlertChannelSender: Sendable {
    package var http: AlertHTTPSender
    /// nil: the server has no `--smtp-host`; email channels fail (permanently) with a clear message.
    package var smtp: SMTPConfiguration?
    package var targetGuard: AlertTargetGuard

    package init(http: AlertHTTPSender, smtp: SMTPConfiguration?, targetGuard: AlertTargetGuard) {
        self.http = http
        self.smtp = smtp
        self.targetGuard = targetGuard
    }

    /// One attempt; throws an `AlertSendError` (no secrets) when it failed.
    package func send(_ notification: AlertNotification, to channel: AlertChannel, now: Date = Date()) async throws(AlertSendError) {
        do {
            switch channel.kind {
            case .email: try await sendEmail(notification, to: channel, now: now)
            case .slack: try await sendSlack(notification, to: channel)
            case .webhook: try await sendWebhook(notification, to: channel, now: now)
            }
        } catch {
            throw AlertSendError(error)
        }
    }

    private func sendEmail(_ notification: AlertNotification, to channel: AlertChannel, now: Date) async throws {
        guard let smtp else {
            throw AlertSendError("email is not configured: start the server with --smtp-host and --smtp-from", isPermanent: true)
        }
        guard !channel.emailTo.isEmpty else { throw AlertSendError("the email channel has no recipients", isPermanent: true) }
        let message = AlertEmailRenderer.message(for: notification, from: smtp.from, to: channel.emailTo, date: now)
        try await SMTPClient(configuration: smtp).send(message)
    }

    private func sendSlack(_ notification: AlertNotification, to channel: AlertChannel) async throws {
        let target = try await checkedTarget(of: channel)
        try await http.post(try SlackMessage(notification).jsonData(), to: target, headers: [])
    }

    private func sendWebhook(_ notification: AlertNotification, to channel: AlertChannel, now: Date) async throws {
        let target = try await checkedTarget(of: channel)
        let body = try WebhookPayload(notification).jsonData()
        var headers: [(name: String, value: String)] = []
        if let secret = channel.secret {
            let signer = try StandardWebhookSigner(secret: secret)
            headers = signer.headers(id: notification.id, timestamp: Int64(now.timeIntervalSince1970), body: body)
        } else {
            headers = [("webhook-id", notification.id), ("webhook-timestamp", String(Int64(now.timeIntervalSince1970)))]
        }
        try await http.post(body, to: target, headers: headers)
    }

    /// The channel's URL, checked now, with the address the delivery connects to.
    private func checkedTarget(of channel: AlertChannel) async throws -> AlertDeliveryTarget {
        guard let url = channel.url, !url.isEmpty else { throw AlertSendError("the channel has no URL", isPermanent: true) }
        return try await targetGuard.deliveryTarget(url)
    }
}
