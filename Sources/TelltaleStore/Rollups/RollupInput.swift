import Foundation
import TelltaleCore

/// The fields of one stored record that rollups and the sessions table are built from.
struct RollupInput {
    /// Microseconds since 1970.
    var startedAt: Int64
    var durationNs: Int64
    var kind: CallKind
    var outcome: CallOutcome
    var method: String
    var target: String?
    var session: String
    var clientName: String?
    var clientVersion: String?
    var serverName: String?
    var serverVersion: String?
    var transport: String
    /// The tags as stored in `calls.tags` (``JSONText/encode(tags:)``), nil when there are none.
    var tagsJSON: String?
    var pollutionLines: Int64?

    /// The input of a row being inserted.
    /// Reads each field through `row` (no copy of the whole call: that would retain every one of its strings).
    init(_ row: borrowing CallRow) {
        startedAt = CallRow.microseconds(row.call.startedAt)
        durationNs = row.call.durationNs
        kind = row.call.kind
        outcome = row.call.outcome
        method = row.call.method
        target = row.call.target
        session = row.call.session
        clientName = row.call.client?.name
        clientVersion = row.call.client?.version
        serverName = row.call.server?.name
        serverVersion = row.call.server?.version
        transport = row.call.transport.rawValue
        tagsJSON = row.tags
        pollutionLines = row.call.pollutionLines.map(Int64.init)
    }

    init(startedAt: Int64, durationNs: Int64, kind: CallKind, outcome: CallOutcome, method: String, target: String?,
         session: String, clientName: String?, clientVersion: String?, serverName: String?, serverVersion: String?,
         transport: String, tagsJSON: String?, pollutionLines: Int64?) {
        self.startedAt = startedAt
        self.durationNs = durationNs
        self.kind = kind
        self.outcome = outcome
        self.method = method
        self.target = target
        self.session = session
        self.clientName = clientName
        self.clientVersion = clientVersion
        self.serverName = serverName
        self.serverVersion = serverVersion
        self.transport = transport
        self.tagsJSON = tagsJSON
        self.pollutionLines = pollutionLines
    }
}
