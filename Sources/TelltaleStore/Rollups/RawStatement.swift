import Foundation
import GRDB
import GRDBSQLite

/// Binds and steps a GRDB-cached statement through the SQLite C API (no `DatabaseValue` boxing per column).
///
/// Used on the insert path (rollup upserts) and by the rollup scans, where per-row overhead matters.
struct RawStatement {
    let handle: SQLiteStatement
    let connection: SQLiteConnection
    let sql: String

    /// SQLite copies the bytes before a `bind` returns.
    static let transient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)

    init(_ db: Database, sql: String) throws {
        let statement = try db.cachedStatement(sql: sql)
        handle = statement.sqliteStatement
        connection = db.sqliteConnection!
        self.sql = sql
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }

    /// The statement with GRDB arguments bound (for SQL built with `StatementArguments`), ready to step.
    init(_ db: Database, sql: String, arguments: StatementArguments) throws {
        let statement = try db.cachedStatement(sql: sql)
        try statement.setArguments(arguments)
        handle = statement.sqliteStatement
        connection = db.sqliteConnection!
        self.sql = sql
    }

    @inline(__always) func bind(_ index: Int32, _ value: Int64) { sqlite3_bind_int64(handle, index, value) }

    @inline(__always) func bind(_ index: Int32, _ value: Int64?) {
        if let value { sqlite3_bind_int64(handle, index, value) } else { sqlite3_bind_null(handle, index) }
    }

    @inline(__always) func bind(_ index: Int32, _ value: String?) {
        guard var value else {
            sqlite3_bind_null(handle, index)
            return
        }
        value.withUTF8 { bytes in
            // A nil pointer would bind NULL: give the empty string a real (empty) buffer.
            let pointer = UnsafeRawPointer(bytes.baseAddress ?? UnsafePointer(bitPattern: 1)!)
            _ = sqlite3_bind_text(handle, index, pointer.assumingMemoryBound(to: CChar.self), Int32(bytes.count), Self.transient)
        }
    }

    @inline(__always) func bind(_ index: Int32, blob: [UInt8]?) {
        guard let blob else {
            sqlite3_bind_null(handle, index)
            return
        }
        blob.withUnsafeBytes { bytes in
            _ = sqlite3_bind_blob(handle, index, bytes.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!, Int32(bytes.count), Self.transient)
        }
    }

    /// Runs a statement that returns no row, then resets it for the next bindings.
    func execute() throws {
        let code = sqlite3_step(handle)
        sqlite3_reset(handle)
        guard code == SQLITE_DONE else { throw error(code) }
    }

    /// The next row: true while there is one.
    func step() throws -> Bool {
        let code = sqlite3_step(handle)
        if code == SQLITE_ROW { return true }
        if code == SQLITE_DONE { return false }
        throw error(code)
    }

    /// Leaves the cached statement clean for GRDB.
    func finish() {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }

    @inline(__always) func int64(_ column: Int32) -> Int64 { sqlite3_column_int64(handle, column) }

    /// A text column; nil for NULL, and for `''` when `emptyIsNil`.
    @inline(__always) func text(_ column: Int32, emptyIsNil: Bool = false) -> String? {
        guard let pointer = sqlite3_column_text(handle, column) else { return nil }
        let count = Int(sqlite3_column_bytes(handle, column))
        if count == 0 && emptyIsNil { return nil }
        return String(decoding: UnsafeBufferPointer(start: pointer, count: count), as: UTF8.self)
    }

    /// The UTF-8 bytes of a text column (valid until the next step); nil for NULL.
    @inline(__always) func textBytes(_ column: Int32) -> UnsafeBufferPointer<UInt8>? {
        guard let pointer = sqlite3_column_text(handle, column) else { return nil }
        return UnsafeBufferPointer(start: pointer, count: Int(sqlite3_column_bytes(handle, column)))
    }


    /// The bytes of a blob column (valid until the next step); nil for NULL.
    @inline(__always) func blob(_ column: Int32) -> UnsafeRawBufferPointer? {
        let count = Int(sqlite3_column_bytes(handle, column))
        guard let pointer = sqlite3_column_blob(handle, column) else { return nil }
        return UnsafeRawBufferPointer(start: pointer, count: count)
    }

    func error(_ code: Int32) -> DatabaseError {
        DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(connection)), sql: sql)
    }
}
