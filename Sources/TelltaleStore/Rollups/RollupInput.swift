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
    init(_ row: CallRow) {
        let call = row.call
        startedAt = CallRow.microseconds(call.startedAt)
        durationNs = call.durationNs
        kind = call.kind
        outcome = call.outcome
        method = call.method
        target = call.target
        session = call.session
        clientName = call.client?.name
        clientVersion = call.client?.version
        serverName = call.server?.name
        serverVersion = call.server?.version
        transport = call.transport.rawValue
        tagsJSON = row.tags
        pollutionLines = call.pollutionLines.map(Int64.init)
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
