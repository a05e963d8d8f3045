/// Where alert notifications go. Secrets (Slack URL, webhook signing secret) are write-only: the API shows
/// a webhook secret once at creation and never returns it, nor a Slack URL's path, again.
public struct AlertChannel: Codable, Sendable, Equatable, Identifiable {
    public var id: String
    /// Unique per project.
    public var name: String
    public var kind: AlertChannelKind
    /// `email`: recipients.
    public var emailTo: [String]
    /// `slack`: the incoming-webhook URL (secret); `webhook`: the target URL.
    public var url: String?
    /// `webhook`: the Standard Webhooks signing secret, `whsec_<base64>` (secret).
    public var secret: String?

    public init(id: String, name: String, kind: AlertChannelKind, emailTo: [String] = [], url: String? = nil, secret: String? = nil) {
        self.id = id
        self.name = name
        self.kind = kind
        self.emailTo = emailTo
        self.url = url
        self.secret = secret
    }
}

/// The kinds of alert channel.
public enum AlertChannelKind: String, Codable, Sendable, CaseIterable {
    case email, slack, webhook
}
