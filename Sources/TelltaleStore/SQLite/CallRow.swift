import Foundation
import GRDB
import GRDBSQLite
import TelltaleCore

/// How a ``Call`` maps to a row of the `calls` table, in both directions.
///
/// Inserts bind through the SQLite C API on the statement GRDB prepared and caches: no
/// `DatabaseValue` boxing per column, strings copied once by SQLite (`SQLITE_TRANSIENT`).
struct CallRow: Sendable {
    /// Stored columns of a call, in binding / selection order (`project_id` first on insert).
    static let columns = [
        "id", "started_at", "duration_ns", "kind", "direction", "method", "target", "outcome",
        "error_code", "error_message", "request_id", "session", "client_name", "client_version",
        "server_name", "server_version", "protocol_version", "transport", "client_address",
        "trace_id", "span_id", "traceparent", "tracestate", "tags", "request", "response",
        "request_bytes", "response_bytes", "pollution_lines",
    ]

    static let insertSQL: String = {
        let names = (["project_id"] + columns).joined(separator: ", ")
        let marks = Array(repeating: "?", count: columns.count + 1).joined(separator: ", ")
        return "INSERT INTO calls (\(names)) VALUES (\(marks)) ON CONFLICT(project_id, id) DO NOTHING"
    }()

    static let selectColumns = columns.joined(separator: ", ")

    let call: Call
    let tags: String?
    let request: String?
    let response: String?

    /// Encodes the call's tags and payloads to JSON text (the part of an insert that can run in parallel).
    init(_ call: Call) {
        self.call = call
        tags = JSONText.encode(tags: call.tags)
        request = call.request.map(JSONText.encode)
        response = call.response.map(JSONText.encode)
    }

    /// Binds the row to `statement` (prepared from ``insertSQL``, already reset).
    /// Reads each field through `call` (binding a copy of the call first would retain every one of its strings).
    func bind(to statement: SQLiteStatement, project: ProjectID) {
        sqlite3_bind_int64(statement, 1, project)
        Self.bind(call.id, statement, 2)
        sqlite3_bind_int64(statement, 3, Self.microseconds(call.startedAt))
        sqlite3_bind_int64(statement, 4, call.durationNs)
        Self.bind(call.kind.rawValue, statement, 5)
        Self.bind(call.direction.rawValue, statement, 6)
        Self.bind(call.method, statement, 7)
        Self.bind(call.target, statement, 8)
        Self.bind(call.outcome.rawValue, statement, 9)
        Self.bind(call.errorCode.map(Int64.init), statement, 10)
        Self.bind(call.errorMessage, statement, 11)
        Self.bind(call.requestId, statement, 12)
        Self.bind(call.session, statement, 13)
        Self.bind(call.client?.name, statement, 14)
        Self.bind(call.client?.version, statement, 15)
        Self.bind(call.server?.name, statement, 16)
        Self.bind(call.server?.version, statement, 17)
        Self.bind(call.protocolVersion, statement, 18)
        Self.bind(call.transport.rawValue, statement, 19)
        Self.bind(call.clientAddress, statement, 20)
        Self.bind(call.trace?.traceId, statement, 21)
        Self.bind(call.trace?.spanId, statement, 22)
        Self.bind(call.trace?.traceparent, statement, 23)
        Self.bind(call.trace?.tracestate, statement, 24)
        Self.bind(tags, statement, 25)
        Self.bind(request, statement, 26)
        Self.bind(response, statement, 27)
        sqlite3_bind_int64(statement, 28, Int64(call.requestBytes))
        sqlite3_bind_int64(statement, 29, Int64(call.responseBytes))
        Self.bind(call.pollutionLines.map(Int64.init), statement, 30)
    }

    /// SQLite copies the bytes before `sqlite3_bind_text` returns.
    private static let transient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)

    @inline(__always)
    private static func bind(_ value: String?, _ statement: SQLiteStatement, _ index: Int32) {
        guard var value else {
            sqlite3_bind_null(statement, index)
            return
        }
        value.withUTF8 { bytes in
            // A nil pointer would bind NULL: give the empty string a real (empty) buffer.
            let pointer = UnsafeRawPointer(bytes.baseAddress ?? UnsafePointer(bitPattern: 1)!)
            _ = sqlite3_bind_text(statement, index, pointer.assumingMemoryBound(to: CChar.self), Int32(bytes.count), transient)
        }
    }

    @inline(__always)
    private static func bind(_ value: Int64?, _ statement: SQLiteStatement, _ index: Int32) {
        if let value { sqlite3_bind_int64(statement, index, value) } else { sqlite3_bind_null(statement, index) }
    }

    /// Decodes a row selected with ``selectColumns``.
    static func call(from row: Row) throws -> Call {
        let client: PeerInfo? = (row[12] as String?).map { PeerInfo(name: $0, version: row[13]) }
        let server: PeerInfo? = (row[14] as String?).map { PeerInfo(name: $0, version: row[15]) }
        var trace: TraceContext?
        if let traceId = row[19] as String?, let spanId = row[20] as String? {
            trace = TraceContext(traceId: traceId, spanId: spanId, traceparent: row[21], tracestate: row[22])
        }
        return Call(
            id: row[0],
            startedAt: date(microseconds: row[1]),
            durationNs: row[2],
            kind: try decode(CallKind.self, row[3]),
            direction: try decode(CallDirection.self, row[4]),
            method: row[5],
            target: row[6],
            outcome: try decode(CallOutcome.self, row[7]),
            errorCode: row[8],
            errorMessage: row[9],
            requestId: row[10],
            session: row[11],
            client: client,
            server: server,
            protocolVersion: row[16],
            transport: try decode(CallTransport.self, row[17]),
            clientAddress: row[18],
            trace: trace,
            tags: try JSONText.decodeTags(row[23]),
            request: try (row[24] as String?).map(JSONText.decodeValue),
            response: try (row[25] as String?).map(JSONText.decodeValue),
            requestBytes: row[26],
            responseBytes: row[27],
            pollutionLines: row[28]
        )
    }

    static func decode<T: RawRepresentable>(_: T.Type, _ raw: String) throws -> T where T.RawValue == String {
        guard let value = T(rawValue: raw) else {
            throw DatabaseError(resultCode: .SQLITE_CORRUPT, message: "unknown \(T.self) \"\(raw)\" in the calls table")
        }
        return value
    }

    /// Microseconds since 1970, the unit of every stored timestamp.
    static func microseconds(_ date: Date) -> Int64 {
        let value = (date.timeIntervalSince1970 * 1_000_000).rounded()
        guard value.isFinite else { return value > 0 ? .max : .min }
        return Int64(max(min(value, 9.2e18), -9.2e18))
    }

    static func date(microseconds: Int64) -> Date {
        Date(timeIntervalSince1970: Double(microseconds) / 1_000_000)
    }
}
