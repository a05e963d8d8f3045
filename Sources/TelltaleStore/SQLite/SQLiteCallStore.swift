import Foundation
import GRDB
import TelltaleCore

/// The embedded ``CallStore``: one SQLite file in WAL mode, through a GRDB `DatabasePool`.
///
/// Writes are serialized by the pool's single writer connection; reads run concurrently on
/// reader connections against the last committed snapshot. Every batch passed to ``insert(_:project:)``
/// is one transaction, and the call returns only after it is committed with `synchronous=FULL`
/// (the WAL is fsynced on commit), so an acknowledged batch survives a crash or a power loss.
public final class SQLiteCallStore: CallStore {
    /// The file name used under a data directory.
    public static let fileName = "telltale.sqlite"

    /// How hard a commit waits for the disk.
    public enum Durability: String, Sendable {
        /// `synchronous=FULL`: the WAL is fsynced at every commit. Survives power loss. The default.
        case full
        /// `synchronous=NORMAL`: survives a crash of the process, but a power loss may lose the last commits.
        case normal
    }

    /// Path of the database file.
    public let path: String
    /// The GRDB pool, for tests and maintenance tools in this package.
    package let pool: DatabasePool
    let groupCommit = GroupCommit()
    /// Series and tag set ids known to be in the database (insert path).
    let rollupCache = RollupCache()
    /// Series dimensions by id (query path).
    let seriesCatalog = SeriesCatalog()

    /// Opens (creating when needed) `telltale.sqlite` under `directory`, creating the directory too.
    public convenience init(directory: URL, durability: Durability = .full) throws {
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw StoreError.cannotCreateDirectory(path: directory.path, reason: Self.reason(error))
        }
        try self.init(path: directory.appendingPathComponent(Self.fileName).path, durability: durability)
    }

    /// Opens (creating when needed) the database file at `path` and brings its schema up to date.
    public init(path: String, durability: Durability = .full) throws {
        self.path = path
        var configuration = Configuration()
        configuration.label = "telltale"
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            try db.execute(sql: """
                PRAGMA cache_size = -65536;
                PRAGMA temp_store = MEMORY;
                """)
            try SketchMergeFunction.register(db)
            db.add(function: SketchMergeAggregate.function)
        }
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
            // Only the writer connection commits. GRDB sets it to NORMAL when it enables WAL,
            // after `prepareDatabase`, so the setting is applied here.
            try pool.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA synchronous = \(durability == .full ? "FULL" : "NORMAL")")
                // Checkpoint every ~32 MiB of WAL instead of 4 MiB: index pages dirtied by many batches
                // are copied back to the database once, and the WAL file is trimmed back afterwards.
                try db.execute(sql: "PRAGMA wal_autocheckpoint = 8192; PRAGMA journal_size_limit = 67108864")
            }
            try Self.migrator.migrate(pool)
        } catch {
            throw Self.openError(error, path: path)
        }
    }

    /// The journal mode and synchronous setting of the writer connection, e.g. `("wal", 2)`.
    package func pragmas() throws -> (journalMode: String, synchronous: Int) {
        try pool.write { db in
            (try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? "",
             try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1)
        }
    }

    static func openError(_ error: any Error, path: String) -> StoreError {
        if let storeError = error as? StoreError { return storeError }
        guard let dbError = error as? DatabaseError else {
            return .cannotOpen(path: path, reason: reason(error))
        }
        let message = dbError.message ?? "\(dbError.resultCode)"
        switch dbError.resultCode {
        case .SQLITE_NOTADB, .SQLITE_CORRUPT:
            return .corruptDatabase(path: path, reason: message)
        default:
            return .cannotOpen(path: path, reason: message)
        }
    }

    static func reason(_ error: any Error) -> String {
        if let error = error as? CocoaError, let underlying = error.userInfo[NSUnderlyingErrorKey] as? NSError {
            return underlying.localizedDescription
        }
        return (error as NSError).localizedDescription
    }
}
