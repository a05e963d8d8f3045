import Foundation
import TelltaleCore

/// A channel without its secrets: a Slack URL as scheme and host only, a webhook URL as scheme, host and port
/// with its path masked (receivers often put a token in the path), never query, credentials, fragment or the
/// signing secret (except `secret` once, in the reply that creates a webhook channel).
struct AlertChannelReply: Encodable, Sendable {
    var id: String
    var name: String
    var kind: AlertChannelKind
    var to: [String]?
    var url: String?
    /// Whether the channel signs with a secret (webhooks).
    var signed: Bool?
    /// The signing secret, only in the creation reply.
    var secret: String?

    init(_ channel: AlertChannel, revealingSecret: Bool = false) {
        id = channel.id
        name = channel.name
        kind = channel.kind
        switch channel.kind {
        case .email:
            to = channel.emailTo
        case .slack:
            url = channel.url.flatMap { Self.origin($0) }
        case .webhook:
            url = channel.url.flatMap { Self.masked($0) }
            signed = channel.secret != nil
            if revealingSecret { secret = channel.secret }
        }
    }

    /// `https://hooks.slack.com` of `https://hooks.slack.com/services/…`.
    static func origin(_ url: String) -> String? {
        guard let components = URLComponents(string: url), let scheme = components.scheme, var host = components.host else { return nil }
        if host.contains(":") && !host.hasPrefix("[") { host = "[\(host)]" }  // IPv6
        return "\(scheme)://\(host)" + (components.port.map { ":\($0)" } ?? "")
    }

    /// The longest first path segment `masked(_:)` shows.
    static let maximumShownSegment = 32

    /// `https://discord.com/api/…` of `https://discord.com/api/webhooks/1/token?x=1`: scheme, host and port, and
    /// of the path only a short first segment followed by more (a lone segment may be the token itself: `/…`).
    /// Never user, password, query or fragment.
    static func masked(_ url: String) -> String? {
        guard let origin = origin(url), let components = URLComponents(string: url) else { return nil }
        let segments = components.percentEncodedPath.split(separator: "/")
        guard let first = segments.first else { return components.percentEncodedPath.isEmpty ? origin : origin + "/" }
        if segments.count > 1 && first.count <= maximumShownSegment { return "\(origin)/\(first)/…" }
        return origin + "/…"
    }
}
