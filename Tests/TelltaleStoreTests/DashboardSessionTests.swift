import Foundation
import Testing
import TelltaleCore
import TelltaleStore

@Suite("SQLiteCallStore dashboard sessions and sign-in tokens")
struct DashboardSessionTests {
    /// Wall-clock based: creating a session purges rows that expired by the real clock.
    static let now = Date(timeIntervalSince1970: (Date().timeIntervalSince1970).rounded())

    @Test("a session token is 32 random bytes in base64url, and finds its grant and project")
    func createAndFind() async throws {
        let temp = try TempStore()
        defer { temp.cleanUp() }
        let store = temp.store
        let project = try await store.projects()[0]
        let key = try await store.createKey(project: project.id, scope: .read, label: nil)
        let grant = DashboardGrant(keyID: key.id, project: project.id, scope: .read)
        let expiry = Self.now.addingTimeInterval(3600)
        let token = try await store.createDashboardSession(grant, expiresAt: expiry)
        #expect(token.count == 43)
        #expect(token.utf8.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) || $0 == 45 || $0 == 95 })
        let other = try await store.createDashboardSession(grant, expiresAt: expiry)
        #expect(other != token)
        let session = try #require(try await store.dashboardSession(token: token, now: Self.now))
        #expect(session == DashboardSession(grant: grant, project: project, expiresAt: expiry))
        #expect(try await store.dashboardSession(token: token + "x", now: Self.now) == nil)
        #expect(try await store.dashboardSession(token: "", now: Self.now) == nil)
    }

    @Test("only the SHA-256 of a token is stored")
    func hashedAtRest() async throws {
        let temp = try TempStore()
        defer { temp.cleanUp() }
        let store = temp.store
        let project = try await store.projects()[0].id
        let grant = DashboardGrant(keyID: nil, project: project, scope: .admin)
        let session = try await store.createDashboardSession(grant, expiresAt: Self.now.addingTimeInterval(60))
        let link = try await store.createSignInToken(grant, expiresAt: Self.now.addingTimeInterval(60))
        let stored = try await store.pool.read { db in
            try Data.fetchAll(db, sql: "SELECT token_hash FROM dashboard_sessions UNION ALL SELECT token_hash FROM sign_in_tokens")
        }
        #expect(Set(stored) == [DashboardToken.hash(session), DashboardToken.hash(link)])
        #expect(stored.allSatisfy { $0.count == 32 })
        let bytes = try Data(contentsOf: URL(fileURLWithPath: store.path + "-wal"))
            + (try Data(contentsOf: URL(fileURLWithPath: store.path)))
        #expect(bytes.range(of: Data(session.utf8)) == nil)
        #expect(bytes.range(of: Data(link.utf8)) == nil)
    }

    @Test("a session dies at expiry, at sign-out, and when its key is revoked")
    func lifetime() async throws {
        let temp = try TempStore()
        defer { temp.cleanUp() }
        let store = temp.store
        let project = try await store.projects()[0].id
        let key = try await store.createKey(project: project, scope: .admin, label: nil)
        let grant = DashboardGrant(keyID: key.id, project: project, scope: .admin)
        let expiry = Self.now.addingTimeInterval(600)

        let expiring = try await store.createDashboardSession(grant, expiresAt: expiry)
        #expect(try await store.dashboardSession(token: expiring, now: expiry.addingTimeInterval(-0.001)) != nil)
        #expect(try await store.dashboardSession(token: expiring, now: expiry) == nil)

        let signedOut = try await store.createDashboardSession(grant, expiresAt: expiry)
        try await store.deleteDashboardSession(token: signedOut)
        #expect(try await store.dashboardSession(token: signedOut, now: Self.now) == nil)
        try await store.deleteDashboardSession(token: "unknown")

        let linkSession = try await store.createDashboardSession(
            DashboardGrant(keyID: nil, project: project, scope: .admin), expiresAt: expiry)
        let keySession = try await store.createDashboardSession(grant, expiresAt: expiry)
        #expect(try await store.dashboardSession(token: keySession, now: Self.now) != nil)
        #expect(try await store.revokeKey(id: key.id))
        #expect(try await store.dashboardSession(token: keySession, now: Self.now) == nil)
        // A session from a sign-in link has no key to revoke.
        #expect(try await store.dashboardSession(token: linkSession, now: Self.now) != nil)
    }

    @Test("the selected project changes, the grant does not; unknown projects are refused")
    func switchProject() async throws {
        let temp = try TempStore()
        defer { temp.cleanUp() }
        let store = temp.store
        let first = try await store.projects()[0]
        let second = try await store.createProject(name: "staging")
        let grant = DashboardGrant(keyID: nil, project: first.id, scope: .admin)
        let token = try await store.createDashboardSession(grant, expiresAt: Self.now.addingTimeInterval(600))
        try await store.setDashboardProject(token: token, project: second.id)
        let session = try #require(try await store.dashboardSession(token: token, now: Self.now))
        #expect(session.project == second)
        #expect(session.grant == grant)
        await #expect(throws: StoreError.unknownProject(99)) { try await store.setDashboardProject(token: token, project: 99) }
        await #expect(throws: StoreError.unknownProject(99)) {
            try await store.createDashboardSession(DashboardGrant(keyID: nil, project: 99, scope: .read), expiresAt: Self.now)
        }
        #expect(try await store.dashboardSession(token: token, now: Self.now)?.project == second)
    }

    @Test("a sign-in token is redeemed once, never after expiry or when its key is revoked")
    func signInTokens() async throws {
        let temp = try TempStore()
        defer { temp.cleanUp() }
        let store = temp.store
        let project = try await store.projects()[0].id
        let grant = DashboardGrant(keyID: nil, project: project, scope: .admin)
        let expiry = Self.now.addingTimeInterval(900)

        let token = try await store.createSignInToken(grant, expiresAt: expiry)
        #expect(token.count == 43)
        #expect(try await store.redeemSignInToken(token, now: Self.now) == grant)
        #expect(try await store.redeemSignInToken(token, now: Self.now) == nil)

        let late = try await store.createSignInToken(grant, expiresAt: expiry)
        #expect(try await store.redeemSignInToken(late, now: expiry) == nil)
        #expect(try await store.redeemSignInToken("not-a-token", now: Self.now) == nil)

        let key = try await store.createKey(project: project, scope: .read, label: nil)
        let keyGrant = DashboardGrant(keyID: key.id, project: project, scope: .read)
        let revoked = try await store.createSignInToken(keyGrant, expiresAt: expiry)
        try await store.revokeKey(id: key.id)
        #expect(try await store.redeemSignInToken(revoked, now: Self.now) == nil)
    }

    @Test("concurrent redemptions of one token: exactly one wins")
    func singleUseUnderConcurrency() async throws {
        let temp = try TempStore()
        defer { temp.cleanUp() }
        let store = temp.store
        let project = try await store.projects()[0].id
        let grant = DashboardGrant(keyID: nil, project: project, scope: .read)
        let token = try await store.createSignInToken(grant, expiresAt: Self.now.addingTimeInterval(60))
        let wins = try await withThrowingTaskGroup(of: Bool.self) { group in
            for _ in 0..<16 { group.addTask { try await store.redeemSignInToken(token, now: Self.now) != nil } }
            return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(wins == 1)
    }
}
