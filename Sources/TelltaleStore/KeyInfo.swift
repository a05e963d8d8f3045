import Foundation

/// A stored API key as listed for management: everything but the secret.
public struct KeyInfo: Codable, Sendable, Equatable {
    public var id: Int64
    public var project: ProjectID
    public var scope: KeyScope
    /// The non-secret part of the key (`tt_<scope>_<lookup>…`), enough to recognise it.
    public var prefix: String
    public var label: String?
    public var createdAt: Date
    /// When the key was revoked; nil while it is active.
    public var revokedAt: Date?

    public init(id: Int64, project: ProjectID, scope: KeyScope, prefix: String, label: String?, createdAt: Date, revokedAt: Date?) {
        self.id = id
        self.project = project
        self.scope = scope
        self.prefix = prefix
        self.label = label
        self.createdAt = createdAt
        self.revokedAt = revokedAt
    }
}
