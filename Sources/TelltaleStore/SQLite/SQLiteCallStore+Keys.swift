import Foundation
import GRDB

extension SQLiteCallStore {
    /// The projects by id, creating `default` when there is none.
    public func projects() async throws -> [Project] {
        let existing = try await pool.read(Self.allProjects)
        if !existing.isEmpty { return existing }
        return try await pool.write { db in
            if try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM projects") == 0 {
                try db.execute(
                    sql: "INSERT INTO projects (name, created_at) VALUES ('default', ?)",
                    arguments: [CallRow.microseconds(Date())])
            }
            return try Self.allProjects(db)
        }
    }

    /// Every project, by id.
    private static func allProjects(_ db: Database) throws -> [Project] {
        try Row.fetchAll(db, sql: "SELECT id, name FROM projects ORDER BY id").map(Project.init(row:))
    }

    /// Creates a project; names are unique.
    /// - Throws: ``StoreError/projectExists(name:)``, ``StoreError/invalidProjectName(_:)``.
    public func createProject(name: String) async throws -> Project {
        guard (1...100).contains(name.count), !name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw StoreError.invalidProjectName(name)
        }
        return try await pool.write { db in
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM projects WHERE name = ?", arguments: [name]) == true {
                throw StoreError.projectExists(name: name)
            }
            try db.execute(
                sql: "INSERT INTO projects (name, created_at) VALUES (?, ?)",
                arguments: [name, CallRow.microseconds(Date())])
            return Project(id: db.lastInsertedRowID, name: name)
        }
    }

    /// The project named `name`, or nil.
    public func project(named name: String) async throws -> Project? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT id, name FROM projects WHERE name = ?", arguments: [name])
                .map(Project.init(row:))
        }
    }

    /// Stores a new key, hashed, and returns its plaintext (the only time it is known).
    /// - Throws: ``StoreError/unknownProject(_:)``.
    public func createKey(project: ProjectID, scope: KeyScope, label: String?) async throws -> IssuedKey {
        try await pool.write { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT id, name FROM projects WHERE id = ?", arguments: [project]) else {
                throw StoreError.unknownProject(project)
            }
            while true {
                let (plaintext, lookup) = APIKeyFormat.generate(scope: scope)
                // The lookup part is random; on the rare collision with an existing key, draw again.
                if try Bool.fetchOne(db, sql: "SELECT 1 FROM api_keys WHERE lookup = ?", arguments: [lookup]) == true {
                    continue
                }
                try db.execute(
                    sql: """
                        INSERT INTO api_keys (project_id, scope, lookup, hash, label, created_at)
                        VALUES (?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [project, scope.rawValue, lookup, Data(APIKeyFormat.hash(plaintext)), label, CallRow.microseconds(Date())])
                return IssuedKey(id: db.lastInsertedRowID, project: Project(row: row), scope: scope, plaintext: plaintext)
            }
        }
    }

    /// The project and scope of a presented key; nil when it is malformed, unknown or revoked.
    ///
    /// The row is found by the key's non-secret lookup part; the secret is then checked by comparing
    /// SHA-256 hashes in constant time, so response time does not reveal how much of a guess was right.
    public func authenticate(key: String) async throws -> AuthenticatedKey? {
        guard let (scope, lookup) = APIKeyFormat.parse(key) else { return nil }
        let presented = APIKeyFormat.hash(key)
        return try await pool.read { db in
            let row = try Row.fetchOne(db, sql: """
                SELECT k.id, k.scope, k.hash, k.revoked_at, p.id, p.name
                FROM api_keys k JOIN projects p ON p.id = k.project_id
                WHERE k.lookup = ?
                """, arguments: [lookup])
            // Compare against a dummy hash when no row matches, so both paths do the same work.
            let stored = (row?[2] as Data?).map(Array.init) ?? [UInt8](repeating: 0, count: presented.count)
            let hashMatches = APIKeyFormat.constantTimeEquals(presented, stored)
            guard let row, hashMatches, row[1] == scope.rawValue, row[3] as Int64? == nil else { return nil }
            return AuthenticatedKey(keyID: row[0], project: Project(id: row[4], name: row[5]), scope: scope)
        }
    }

    /// Revokes a key. Returns false when there is no such active key.
    @discardableResult
    public func revokeKey(id: Int64) async throws -> Bool {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                arguments: [CallRow.microseconds(Date()), id])
            return db.changesCount == 1
        }
    }

    /// The keys of a project, oldest first, without their secrets.
    public func keys(project: ProjectID) async throws -> [KeyInfo] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT id, project_id, scope, lookup, label, created_at, revoked_at
                FROM api_keys WHERE project_id = ? ORDER BY id
                """, arguments: [project]).map { row in
                let scope = try CallRow.decode(KeyScope.self, row[2])
                return KeyInfo(
                    id: row[0], project: row[1], scope: scope,
                    prefix: APIKeyFormat.displayPrefix(scope: scope, lookup: row[3]),
                    label: row[4], createdAt: CallRow.date(microseconds: row[5]),
                    revokedAt: (row[6] as Int64?).map(CallRow.date(microseconds:)))
            }
        }
    }

    /// The stored SHA-256 of a key, for tests that check nothing but the hash is kept.
    package func storedHash(keyID: Int64) async throws -> [UInt8]? {
        try await pool.read { db in
            try Data.fetchOne(db, sql: "SELECT hash FROM api_keys WHERE id = ?", arguments: [keyID]).map(Array.init)
        }
    }
}

extension Project {
    /// A project from a row whose first two columns are `id, name`.
    init(row: Row) {
        self.init(id: row[0], name: row[1])
    }
}
