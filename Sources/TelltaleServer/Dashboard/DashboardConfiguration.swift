import Foundation

/// Options of the web dashboard: session lifetime, cookie security, trace links.
public struct DashboardConfiguration: Sendable {
    /// How long a dashboard session lasts after sign-in.
    public var sessionTTL: TimeInterval
    /// Whether the session cookie is marked `Secure` (only sent over HTTPS).
    public var secureCookies: Bool
    /// How the call detail page links trace ids; nil shows the id without a link.
    public var traceLink: TraceLinkTemplate?
    /// How long the one-time sign-in link printed at start-up stays valid.
    public var signInLinkTTL: TimeInterval

    /// Seven days.
    public static let defaultSessionTTL: TimeInterval = 7 * 24 * 3600

    /// Defaults: 7-day sessions, cookies without `Secure`, no trace links, 1-hour sign-in links.
    public init(
        sessionTTL: TimeInterval = DashboardConfiguration.defaultSessionTTL,
        secureCookies: Bool = false,
        traceLink: TraceLinkTemplate? = nil,
        signInLinkTTL: TimeInterval = 3600
    ) {
        self.sessionTTL = sessionTTL
        self.secureCookies = secureCookies
        self.traceLink = traceLink
        self.signInLinkTTL = signInLinkTTL
    }
}
