import Foundation
import GRDB
import TelltaleCore

extension SQLiteCallStore {
    /// Inserts a batch in one transaction; ids already stored for the project are skipped.
    ///
    /// Rows are encoded before the write lock is taken, so concurrent batches encode in parallel and
    /// only the SQLite steps are serialized. Returns after the commit (see ``Durability``).
    @discardableResult
    public func insert(_ calls: [Call], project: ProjectID) async throws -> Int {
        guard !calls.isEmpty else { return 0 }
        let rows = calls.map { CallRow.arguments($0, project: project) }
        return try await pool.write { db in try Self.insertRows(rows, project: project, db: db) }
    }

    /// The synchronous form of ``insert(_:project:)``, for callers outside Swift concurrency.
    @discardableResult
    public func insertSync(_ calls: [Call], project: ProjectID) throws -> Int {
        guard !calls.isEmpty else { return 0 }
        let rows = calls.map { CallRow.arguments($0, project: project) }
        return try pool.write { db in try Self.insertRows(rows, project: project, db: db) }
    }

    static func insertRows(_ rows: [StatementArguments], project: ProjectID, db: Database) throws -> Int {
        guard try Bool.fetchOne(db, sql: "SELECT 1 FROM projects WHERE id = ?", arguments: [project]) == true else {
            throw StoreError.unknownProject(project)
        }
        let statement = try db.cachedStatement(sql: CallRow.insertSQL)
        var inserted = 0
        for row in rows {
            statement.setUncheckedArguments(row)
            try statement.execute()
            inserted += db.changesCount
        }
        return inserted
    }
}
