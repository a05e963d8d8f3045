import Foundation
import GRDB
import GRDBSQLite
import TelltaleCore

extension SQLiteCallStore {
    /// Inserts a batch in one transaction; ids already stored for the project are skipped.
    ///
    /// Payloads and tags are encoded before the write lock is taken, so concurrent batches encode in
    /// parallel and only the SQLite steps are serialized. Batches that wait for the writer at the same
    /// time share one transaction and one commit (group commit; each keeps its own savepoint and count).
    /// Returns after the commit that made the batch durable (see ``Durability``).
    @discardableResult
    public func insert(_ calls: [Call], project: ProjectID) async throws -> Int {
        guard !calls.isEmpty else { return 0 }
        let rows = calls.map(CallRow.init)
        return try await groupCommit.insert(GroupCommit.Batch(rows: rows, project: project), pool: pool, rollups: rollupCache)
    }

    /// The blocking form of ``insert(_:project:)``, for callers outside Swift concurrency.
    @discardableResult
    public func insertSync(_ calls: [Call], project: ProjectID) throws -> Int {
        guard !calls.isEmpty else { return 0 }
        let rows = calls.map(CallRow.init)
        do {
            return try pool.write { db in try Self.insertRows(rows, project: project, db: db, rollups: rollupCache) }
        } catch {
            rollupCache.reset()
            throw error
        }
    }

    /// Inserts rows and, in the same transaction, adds the new ones (not the skipped duplicates) to the
    /// rollups and the sessions tables. On error the caller rolls back and resets `rollups`.
    static func insertRows(_ rows: [CallRow], project: ProjectID, db: Database, rollups: RollupCache) throws -> Int {
        guard try Bool.fetchOne(db, sql: "SELECT 1 FROM projects WHERE id = ?", arguments: [project]) == true else {
            throw StoreError.unknownProject(project)
        }
        let statement = try db.cachedStatement(sql: CallRow.insertSQL)
        let handle = statement.sqliteStatement
        let connection = db.sqliteConnection
        // Leave the cached statement clean for GRDB whatever happens.
        defer {
            sqlite3_reset(handle)
            sqlite3_clear_bindings(handle)
        }
        var inserted = 0
        var batch = RollupBatch(project: project)
        for row in rows {
            sqlite3_reset(handle)
            row.bind(to: handle, project: project)
            let code = sqlite3_step(handle)
            guard code == SQLITE_DONE else {
                let message = String(cString: sqlite3_errmsg(connection))
                throw DatabaseError(resultCode: ResultCode(rawValue: code), message: message, sql: CallRow.insertSQL)
            }
            if sqlite3_changes(connection) == 1 {
                inserted += 1
                batch.add(RollupInput(row))
            }
        }
        try batch.write(db, cache: rollups)
        return inserted
    }
}
