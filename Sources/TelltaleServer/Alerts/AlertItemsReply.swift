import Foundation
import TelltaleCore

/// `{"items": [...]}`.
struct AlertItemsReply<Item: Encodable & Sendable>: Encodable, Sendable {
    var items: [Item]
}
