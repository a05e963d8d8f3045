import Foundation
import TelltaleCore

/// One session's share of an insert batch, upserted into the `sessions` table.
struct SessionAccumulator {
    var firstSeen = Int64.max
    var lastSeen = Int64.min
    var calls: Int64 = 0
    var errors: Int64 = 0
    var notifications: Int64 = 0
    var pollution: Int64 = 0
    /// The client and server of the latest record that names them.
    var client: (name: String, version: String?, seen: Int64)?
    var server: (name: String, version: String?, seen: Int64)?
    var transport = ""
    var transportSeen = Int64.min
    /// The tags of the latest record that has tags.
    var tagsJSON: String?
    var tagsSeen = Int64.min

    mutating func add(_ input: RollupInput) {
        let at = input.startedAt
        if at < firstSeen { firstSeen = at }
        if at > lastSeen { lastSeen = at }
        switch input.kind {
        case .request:
            calls += 1
            if input.outcome != .ok { errors += 1 }
        case .notification:
            notifications += 1
        case .pollution:
            pollution += input.pollutionLines ?? 1
        }
        if let name = input.clientName, at >= client?.seen ?? .min { client = (name, input.clientVersion, at) }
        if let name = input.serverName, at >= server?.seen ?? .min { server = (name, input.serverVersion, at) }
        if at >= transportSeen {
            transport = input.transport
            transportSeen = at
        }
        if let tags = input.tagsJSON, at >= tagsSeen {
            tagsJSON = tags
            tagsSeen = at
        }
    }

    /// Adds the records of `other`, as if they had been added after this accumulator's (on equal times the
    /// later records win, as in ``add(_:)``).
    mutating func merge(_ other: SessionAccumulator) {
        firstSeen = min(firstSeen, other.firstSeen)
        lastSeen = max(lastSeen, other.lastSeen)
        calls += other.calls
        errors += other.errors
        notifications += other.notifications
        pollution += other.pollution
        if let theirs = other.client, theirs.seen >= client?.seen ?? .min { client = theirs }
        if let theirs = other.server, theirs.seen >= server?.seen ?? .min { server = theirs }
        if other.transportSeen >= transportSeen, other.transportSeen > .min {
            transport = other.transport
            transportSeen = other.transportSeen
        }
        if let tags = other.tagsJSON, other.tagsSeen >= tagsSeen {
            tagsJSON = tags
            tagsSeen = other.tagsSeen
        }
    }
}
