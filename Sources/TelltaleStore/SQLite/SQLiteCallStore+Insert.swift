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
        // Aggregated here, in parallel with other batches, rather than while holding the writer.
        var rollup = RollupBatch(project: project)
        for index in rows.indices { rollup.add(RollupInput(rows[index])) }
        return try await groupCommit.insert(
            GroupCommit.Batch(rows: rows, project: project, rollup: rollup), pool: pool, rollups: rollupCache)
    }

    /// The blocking form of ``insert(_:project:)``, for callers outside Swift concurrency.
    @discardableResult
    public func insertSync(_ calls: [Call], project: ProjectID) throws -> Int {
        guard !calls.isEmpty else { return 0 }
        let rows = calls.map(CallRow.init)
        do {
            return try pool.write { db in
                let new = try Self.insertRows(rows, project: project, db: db)
                var rollup = RollupBatch(project: project)
                for index in new { rollup.add(RollupInput(rows[index])) }
                try Self.writeRollups([rollup], db: db, cache: rollupCache)
                return new.count
            }
        } catch {
            rollupCache.reset()
            throw error
        }
    }

    /// Writes the rollups of new rows (one batch per project) and compacts the periods they close.
    static func writeRollups(_ batches: some Collection<RollupBatch>, db: Database, cache: RollupCache) throws {
        var watermarks = try RollupWatermarks.load(db)
        var newest = Int64.min
        for batch in batches {
            try batch.write(db, cache: cache, watermarks: watermarks)
            newest = max(newest, batch.newest)
        }
        guard newest > .min else { return }
        try RollupCompaction.run(db, newest: newest, now: CallRow.microseconds(Date()), watermarks: &watermarks)
    }

    /// Inserts rows into `calls`; returns the indexes of the rows that were new (ids already stored are skipped).
    ///
    /// The caller adds the new rows to a ``RollupBatch`` and writes it in the same transaction.
    static func insertRows(_ rows: [CallRow], project: ProjectID, db: Database) throws -> [Int] {
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
        var inserted: [Int] = []
        inserted.reserveCapacity(rows.count)
        for index in rows.indices {
            sqlite3_reset(handle)
            rows[index].bind(to: handle, project: project)
            let code = sqlite3_step(handle)
            guard code == SQLITE_DONE else {
                let message = String(cString: sqlite3_errmsg(connection))
                throw DatabaseError(resultCode: ResultCode(rawValue: code), message: message, sql: CallRow.insertSQL)
            }
            if sqlite3_changes(connection) == 1 { inserted.append(index) }
        }
        return inserted
    }
}
