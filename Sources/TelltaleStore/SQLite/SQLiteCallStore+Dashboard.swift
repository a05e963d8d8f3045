import Foundation
import GRDB

extension SQLiteCallStore {
    /// Starts a dashboard session for `grant`, showing its project first; returns the token (only time it is known).
    ///
    /// Expired sessions and sign-in tokens are purged on the way, so the tables stay small.
    /// - Throws: ``StoreError/unknownProject(_:)`` when the grant's project does not exist.
    public func createDashboardSession(_ grant: DashboardGrant, expiresAt: Date) async throws -> String {
        let token = DashboardToken.generate()
        let now = CallRow.microseconds(Date())
        try await pool.write { db in
            try Self.requireProject(grant.project, db)
            try Self.purgeExpired(db, now: now)
            try db.execute(sql: """
                INSERT INTO dashboard_sessions
                    (token_hash, key_id, grant_project, grant_scope, project_id, expires_at, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """, arguments: [
                    DashboardToken.hash(token), grant.keyID, grant.project, grant.scope.rawValue, grant.project,
                    CallRow.microseconds(expiresAt), now,
                ])
        }
        return token
    }

    /// The live session behind `token`; nil when unknown, expired at `now`, signed out, or its key was revoked.
    public func dashboardSession(token: String, now: Date) async throws -> DashboardSession? {
        let hash = DashboardToken.hash(token)
        return try await pool.read { db in
            guard let row = try Row.fetchOne(db, sql: """
                SELECT s.key_id, s.grant_project, s.grant_scope, p.id, p.name, s.expires_at
                FROM dashboard_sessions s
                JOIN projects p ON p.id = s.project_id
                LEFT JOIN api_keys k ON k.id = s.key_id
                WHERE s.token_hash = ? AND s.expires_at > ?
                  AND (s.key_id IS NULL OR (k.id IS NOT NULL AND k.revoked_at IS NULL))
                """, arguments: [hash, CallRow.microseconds(now)])
            else { return nil }
            let grant = DashboardGrant(keyID: row[0], project: row[1], scope: try CallRow.decode(KeyScope.self, row[2]))
            return DashboardSession(
                grant: grant, project: Project(id: row[3], name: row[4]),
                expiresAt: CallRow.date(microseconds: row[5]))
        }
    }

    /// Switches a session to another project; a token that matches no session changes nothing.
    /// - Throws: ``StoreError/unknownProject(_:)`` when the project does not exist.
    public func setDashboardProject(token: String, project: ProjectID) async throws {
        let hash = DashboardToken.hash(token)
        try await pool.write { db in
            try Self.requireProject(project, db)
            try db.execute(
                sql: "UPDATE dashboard_sessions SET project_id = ? WHERE token_hash = ?",
                arguments: [project, hash])
        }
    }

    /// Signs a session out (deletes it); unknown tokens are ignored.
    public func deleteDashboardSession(token: String) async throws {
        let hash = DashboardToken.hash(token)
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM dashboard_sessions WHERE token_hash = ?", arguments: [hash])
        }
    }

    /// Creates a one-time sign-in token for `grant`, valid until `expiresAt`.
    /// - Throws: ``StoreError/unknownProject(_:)`` when the grant's project does not exist.
    public func createSignInToken(_ grant: DashboardGrant, expiresAt: Date) async throws -> String {
        let token = DashboardToken.generate()
        let now = CallRow.microseconds(Date())
        try await pool.write { db in
            try Self.requireProject(grant.project, db)
            try Self.purgeExpired(db, now: now)
            try db.execute(sql: """
                INSERT INTO sign_in_tokens (token_hash, key_id, grant_project, grant_scope, expires_at, created_at)
                VALUES (?, ?, ?, ?, ?, ?)
                """, arguments: [
                    DashboardToken.hash(token), grant.keyID, grant.project, grant.scope.rawValue,
                    CallRow.microseconds(expiresAt), now,
                ])
        }
        return token
    }

    /// Consumes a sign-in token: its grant the first time (before expiry), nil for every later or late attempt.
    ///
    /// The check and the marking happen in one write transaction: two concurrent redemptions of the same
    /// token cannot both succeed.
    public func redeemSignInToken(_ token: String, now: Date) async throws -> DashboardGrant? {
        let hash = DashboardToken.hash(token)
        let nowMicros = CallRow.microseconds(now)
        return try await pool.write { db in
            guard let row = try Row.fetchOne(db, sql: """
                SELECT t.key_id, t.grant_project, t.grant_scope
                FROM sign_in_tokens t LEFT JOIN api_keys k ON k.id = t.key_id
                WHERE t.token_hash = ? AND t.used_at IS NULL AND t.expires_at > ?
                  AND (t.key_id IS NULL OR (k.id IS NOT NULL AND k.revoked_at IS NULL))
                """, arguments: [hash, nowMicros])
            else { return nil }
            try db.execute(
                sql: "UPDATE sign_in_tokens SET used_at = ? WHERE token_hash = ?",
                arguments: [nowMicros, hash])
            return DashboardGrant(keyID: row[0], project: row[1], scope: try CallRow.decode(KeyScope.self, row[2]))
        }
    }

    static func requireProject(_ project: ProjectID, _ db: Database) throws {
        guard try Bool.fetchOne(db, sql: "SELECT 1 FROM projects WHERE id = ?", arguments: [project]) == true else {
            throw StoreError.unknownProject(project)
        }
    }

    /// Deletes sessions and sign-in tokens that expired before `now` (used tokens go once expired too).
    private static func purgeExpired(_ db: Database, now: Int64) throws {
        try db.execute(sql: "DELETE FROM dashboard_sessions WHERE expires_at <= ?", arguments: [now])
        try db.execute(sql: "DELETE FROM sign_in_tokens WHERE expires_at <= ?", arguments: [now])
    }
}
