import Foundation

/// Alert settings of the server: evaluation pace, private targets and the dashboard's public URL.
public struct AlertsConfiguration: Sendable, Equatable {
    /// Accept (and deliver to) Slack and webhook URLs on loopback, link-local, private and other non-public addresses.
    public var allowPrivateTargets: Bool
    /// The dashboard's base URL for links in notifications, without a trailing slash (nil: the listen URL).
    public var publicURL: String?
    /// How often every rule is evaluated.
    public var evaluationInterval: Duration

    public init(allowPrivateTargets: Bool = false, publicURL: String? = nil, evaluationInterval: Duration = .seconds(15)) {
        self.allowPrivateTargets = allowPrivateTargets
        self.publicURL = publicURL
        self.evaluationInterval = evaluationInterval
    }
}
