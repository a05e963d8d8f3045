import Foundation
import GRDB
import TelltaleCore

/// How a ``Call`` maps to a row of the `calls` table, in both directions.
enum CallRow {
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

    /// The insert arguments of `call`: encodes its payloads and tags to JSON text.
    static func arguments(_ call: Call, project: ProjectID) -> StatementArguments {
        let values: [(any DatabaseValueConvertible)?] = [
            project,
            call.id,
            microseconds(call.startedAt),
            call.durationNs,
            call.kind.rawValue,
            call.direction.rawValue,
            call.method,
            call.target,
            call.outcome.rawValue,
            call.errorCode,
            call.errorMessage,
            call.requestId,
            call.session,
            call.client?.name,
            call.client?.version,
            call.server?.name,
            call.server?.version,
            call.protocolVersion,
            call.transport.rawValue,
            call.clientAddress,
            call.trace?.traceId,
            call.trace?.spanId,
            call.trace?.traceparent,
            call.trace?.tracestate,
            JSONText.encode(tags: call.tags),
            call.request.map(JSONText.encode),
            call.response.map(JSONText.encode),
            call.requestBytes,
            call.responseBytes,
            call.pollutionLines,
        ]
        return StatementArguments(values)
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
