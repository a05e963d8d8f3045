import Foundation
import TelltaleStore

/// A list reply: `{"items": [...], "from": …, "to": …}` (plus `session` for a session's calls).
struct ItemsReply<Item: Encodable & Sendable>: Encodable, Sendable {
    var items: [Item]
    var from: Date
    var to: Date
    var session: String?
}

/// `GET /api/v1/summary`: the ``SummaryStats`` fields with `from` and `to` alongside.
struct SummaryReply: Encodable, Sendable {
    var from: Date
    var to: Date
    var stats: SummaryStats

    private enum CodingKeys: String, CodingKey {
        case from, to
    }

    func encode(to encoder: any Encoder) throws {
        try stats.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(from, forKey: .from)
        try container.encode(to, forKey: .to)
    }
}
