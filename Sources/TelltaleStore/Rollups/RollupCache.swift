import Foundation
import GRDB
import Synchronization

/// The ids of series and tag sets already in the database, so the insert path resolves them without a query.
///
/// Ids are assigned by the database (`series`, `tagsets`), never deleted, and shared by every project.
/// Only the writer adds entries; when a write transaction fails the cache is reset (an id assigned inside a
/// rolled-back transaction must not be reused).
final class RollupCache: Sendable {
    private struct State {
        var series: [SeriesKey: Int64] = [:]
        var tagsets: [String: Int64] = [:]
    }

    private let state = Mutex(State())

    /// Forgets every id (after a failed transaction).
    func reset() {
        state.withLock { $0 = State() }
    }

    /// The id of a tag set given as stored tags JSON; 0 for none (`''`).
    func tagsetID(_ json: String, _ db: Database) throws -> Int64 {
        if json.isEmpty { return 0 }
        if let id = state.withLock({ $0.tagsets[json] }) { return id }
        let id = try Self.resolveTagset(json, db)
        state.withLock { $0.tagsets[json] = id }
        return id
    }

    /// The id of a series, created when new.
    func seriesID(_ key: SeriesKey, _ db: Database) throws -> Int64 {
        if let id = state.withLock({ $0.series[key] }) { return id }
        let id = try Self.resolveSeries(key, db)
        state.withLock { $0.series[key] = id }
        return id
    }

    private static func resolveTagset(_ json: String, _ db: Database) throws -> Int64 {
        if let id = try Int64.fetchOne(db, sql: "SELECT id FROM tagsets WHERE tags_json = ?", arguments: [json]) {
            return id
        }
        try db.execute(sql: "INSERT INTO tagsets (tags_json) VALUES (?)", arguments: [json])
        let id = db.lastInsertedRowID
        for (key, value) in try JSONText.decodeTags(json) {
            try db.execute(
                sql: "INSERT INTO tagset_members (tagset_id, key, value) VALUES (?, ?, ?)",
                arguments: [id, key, value])
        }
        return id
    }

    private static func resolveSeries(_ key: SeriesKey, _ db: Database) throws -> Int64 {
        let arguments: StatementArguments = [
            key.projection.rawValue, key.serverName, key.serverVersion, key.clientName, key.clientVersion,
            key.method, key.target, key.tagset,
        ]
        if let id = try Int64.fetchOne(db, sql: """
            SELECT id FROM series WHERE projection = ? AND server_name = ? AND server_version = ?
              AND client_name = ? AND client_version = ? AND method = ? AND target = ? AND tagset_id = ?
            """, arguments: arguments) {
            return id
        }
        try db.execute(sql: """
            INSERT INTO series (projection, server_name, server_version, client_name, client_version, method, target, tagset_id)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: arguments)
        return db.lastInsertedRowID
    }
}
