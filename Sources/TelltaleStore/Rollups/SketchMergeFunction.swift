import Foundation
import GRDB
import GRDBSQLite
import TelltaleCore

/// The SQL function `tt_sketch_merge(a, b)`: the serialized sum of two serialized ``LatencySketch``es.
///
/// Rollup upserts merge the stored sketch with the batch's in one `ON CONFLICT DO UPDATE`, so a rollup row is
/// written without reading it into Swift first. NULL stands for an empty sketch.
enum SketchMergeFunction {
    static let name = "tt_sketch_merge"

    /// Registers the function on a connection (every connection of the pool, from `prepareDatabase`).
    static func register(_ db: Database) throws {
        let code = sqlite3_create_function_v2(
            db.sqliteConnection, name, 2, SQLITE_UTF8 | SQLITE_DETERMINISTIC, nil,
            { context, _, arguments in SketchMergeFunction.evaluate(context, arguments) },
            nil, nil, nil)
        guard code == SQLITE_OK else {
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: "cannot register \(name)")
        }
    }

    private static func evaluate(_ context: OpaquePointer?, _ arguments: UnsafeMutablePointer<OpaquePointer?>?) {
        guard let arguments else { return }
        let lhs = bytes(arguments[0])
        let rhs = bytes(arguments[1])
        switch (lhs, rhs) {
        case (nil, nil):
            sqlite3_result_null(context)
        case let (one?, nil), let (nil, one?):
            sqlite3_result_blob(context, one.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!, Int32(one.count), RawStatement.transient)
        case let (lhs?, rhs?):
            do {
                let merged = try LatencySketch.mergeSerialized(lhs, rhs)
                merged.withUnsafeBytes { out in
                    sqlite3_result_blob(context, out.baseAddress!, Int32(out.count), RawStatement.transient)
                }
            } catch {
                sqlite3_result_error(context, "\(name): \(error)", -1)
            }
        }
    }

    private static func bytes(_ value: OpaquePointer?) -> UnsafeRawBufferPointer? {
        guard sqlite3_value_type(value) != SQLITE_NULL, let pointer = sqlite3_value_blob(value) else { return nil }
        return UnsafeRawBufferPointer(start: pointer, count: Int(sqlite3_value_bytes(value)))
    }
}
