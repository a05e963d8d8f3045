import Foundation

/// What a dashboard session may see: who signed in and with which rights.
public struct DashboardGrant: Sendable, Equatable {
    /// The key used to sign in; nil for a one-time sign-in link printed at start-up.
    public var keyID: Int64?
    /// The project shown first.
    public var project: ProjectID
    /// `read` or `admin` (an admin grant may switch to any project).
    public var scope: KeyScope

    public init(keyID: Int64?, project: ProjectID, scope: KeyScope) {
        self.keyID = keyID
        self.project = project
        self.scope = scope
    }
}

/// A signed-in dashboard session, found by its cookie token.
public struct DashboardSession: Sendable, Equatable {
    public var grant: DashboardGrant
    /// The project currently selected.
    public var project: Project
    public var expiresAt: Date

    public init(grant: DashboardGrant, project: Project, expiresAt: Date) {
        self.grant = grant
        self.project = project
        self.expiresAt = expiresAt
    }
}
