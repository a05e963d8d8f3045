import Foundation
import GRDB
import TelltaleCore

/// Alert rules and channels (``AlertStore``), kept as JSON definitions in `alert_rules` and `alert_channels`.
extension SQLiteCallStore: AlertStore {
    /// The project's rules, by name.
    public func alertRules(project: ProjectID) async throws -> [AlertRule] {
        try await pool.read { db in try Self.rules(project, db) }
    }

    /// One rule of the project, or nil.
    public func alertRule(id: String, project: ProjectID) async throws -> AlertRule? {
        try await pool.read { db in
            try String.fetchOne(
                db, sql: "SELECT definition FROM alert_rules WHERE project_id = ? AND id = ?", arguments: [project, id]
            ).map { try AlertJSON.decode(AlertRule.self, $0) }
        }
    }

    /// Inserts or replaces a rule by id; its state and history stay.
    /// - Throws: ``StoreError/nameTaken(what:name:)`` when another rule of the project has its name.
    public func saveAlertRule(_ rule: AlertRule, project: ProjectID) async throws {
        try await pool.write { db in
            try Self.checkProject(project, db)
            try Self.upsert(rule, project: project, db)
        }
    }

    /// Deletes a rule with its state, history and deliveries; false when the project has no such rule.
    public func deleteAlertRule(id: String, project: ProjectID) async throws -> Bool {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM alert_rules WHERE project_id = ? AND id = ?", arguments: [project, id])
            guard db.changesCount > 0 else { return false }
            try db.execute(
                sql: "DELETE FROM alert_deliveries WHERE project_id = ? AND rule_id = ?", arguments: [project, id])
            return true
        }
    }

    /// Replaces the project's file rules with `rules`, all stored with `source == .file`, in one transaction.
    ///
    /// Rules whose id is kept are updated in place, so their state and history survive a restart; file rules
    /// no longer listed are deleted with their state and history.
    /// - Throws: ``StoreError/nameTaken(what:name:)`` when two of `rules`, or one of them and an API rule,
    ///   share a name (nothing is changed then).
    public func replaceFileAlertRules(_ rules: [AlertRule], project: ProjectID) async throws {
        try await pool.write { db in
            try Self.checkProject(project, db)
            var names: Set<String> = []
            for rule in rules where !names.insert(rule.name).inserted {
                throw StoreError.nameTaken(what: "alert rule", name: rule.name)
            }
            let ids = Set(rules.map(\.id))
            let existing = try Self.rules(project, db).filter { $0.source == .file }
            for rule in existing where !ids.contains(rule.id) {
                try db.execute(sql: "DELETE FROM alert_rules WHERE project_id = ? AND id = ?", arguments: [project, rule.id])
                try db.execute(
                    sql: "DELETE FROM alert_deliveries WHERE project_id = ? AND rule_id = ?", arguments: [project, rule.id])
            }
            // Names may move between kept file rules: free them first (ids are unique, so are these names).
            try db.execute(
                sql: "UPDATE alert_rules SET name = char(0) || id WHERE project_id = ? AND source = ?",
                arguments: [project, AlertRuleSource.file.rawValue])
            for var rule in rules {
                rule.source = .file
                try Self.upsert(rule, project: project, db)
            }
        }
    }

    /// The project's channels, with secrets, by name.
    public func alertChannels(project: ProjectID) async throws -> [AlertChannel] {
        try await pool.read { db in
            try String.fetchAll(
                db, sql: "SELECT definition FROM alert_channels WHERE project_id = ? ORDER BY name, id", arguments: [project]
            ).map { try AlertJSON.decode(AlertChannel.self, $0) }
        }
    }

    /// Inserts or replaces a channel by id.
    /// - Throws: ``StoreError/nameTaken(what:name:)`` when another channel of the project has its name.
    public func saveAlertChannel(_ channel: AlertChannel, project: ProjectID) async throws {
        try await pool.write { db in
            try Self.checkProject(project, db)
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM alert_channels WHERE project_id = ? AND name = ? AND id <> ?",
                                 arguments: [project, channel.name, channel.id]) == true {
                throw StoreError.nameTaken(what: "alert channel", name: channel.name)
            }
            try db.execute(sql: """
                INSERT INTO alert_channels (project_id, id, name, kind, definition, updated_at) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (project_id, id) DO UPDATE SET
                    name = excluded.name, kind = excluded.kind, definition = excluded.definition, updated_at = excluded.updated_at
                """, arguments: [project, channel.id, channel.name, channel.kind.rawValue, try AlertJSON.encode(channel),
                                 CallRow.microseconds(Date())])
        }
    }

    /// Deletes a channel and removes its id from the project's rules (which keep their other channels);
    /// false when the project has no such channel. Its deliveries stay in the log.
    public func deleteAlertChannel(id: String, project: ProjectID) async throws -> Bool {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM alert_channels WHERE project_id = ? AND id = ?", arguments: [project, id])
            guard db.changesCount > 0 else { return false }
            for var rule in try Self.rules(project, db) where rule.channelIDs.contains(id) {
                rule.channelIDs.removeAll { $0 == id }
                try Self.upsert(rule, project: project, db)
            }
            return true
        }
    }

    // MARK: Helpers

    static func rules(_ project: ProjectID, _ db: Database) throws -> [AlertRule] {
        try String.fetchAll(
            db, sql: "SELECT definition FROM alert_rules WHERE project_id = ? ORDER BY name, id", arguments: [project]
        ).map { try AlertJSON.decode(AlertRule.self, $0) }
    }

    /// Inserts or updates `rule` (by id), after checking that no other rule of the project has its name.
    private static func upsert(_ rule: AlertRule, project: ProjectID, _ db: Database) throws {
        if try Bool.fetchOne(db, sql: "SELECT 1 FROM alert_rules WHERE project_id = ? AND name = ? AND id <> ?",
                             arguments: [project, rule.name, rule.id]) == true {
            throw StoreError.nameTaken(what: "alert rule", name: rule.name)
        }
        try db.execute(sql: """
            INSERT INTO alert_rules (project_id, id, name, source, definition, updated_at) VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT (project_id, id) DO UPDATE SET
                name = excluded.name, source = excluded.source, definition = excluded.definition,
                updated_at = excluded.updated_at
            """, arguments: [project, rule.id, rule.name, rule.source.rawValue, try AlertJSON.encode(rule),
                             CallRow.microseconds(Date())])
    }

    /// Throws ``StoreError/unknownProject(_:)`` unless the project exists.
    static func checkProject(_ project: ProjectID, _ db: Database) throws {
        guard try Bool.fetchOne(db, sql: "SELECT 1 FROM projects WHERE id = ?", arguments: [project]) == true else {
            throw StoreError.unknownProject(project)
        }
    }
}
