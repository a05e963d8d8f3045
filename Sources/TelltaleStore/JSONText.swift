import Foundation
import TelltaleCore

/// JSON text for payloads and tags as the store keeps them: Core's JSON writer and parser, payload
/// objects in dictionary order (no canonical form needed, cheaper on the insert path).
package enum JSONText {
    /// Compact JSON text of `value`. Integral numbers print without a fraction; NaN and ±∞ print as `null`;
    /// object members come in dictionary order.
    package static func encode(_ value: JSONValue) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        value.writeJSON(into: &out, sortedKeys: false)
        return String(decoding: out, as: UTF8.self)
    }

    /// A JSON object of the tags with keys sorted, or nil when there are none.
    package static func encode(tags: [String: String]) -> String? {
        tags.isEmpty ? nil : JSONValue.object(tags.mapValues(JSONValue.string)).jsonText
    }

    /// Decodes text stored by ``encode(_:)``.
    package static func decodeValue(_ text: String) throws -> JSONValue {
        try JSONValue(parsing: Array(text.utf8))
    }

    /// Decodes text stored by ``encode(tags:)``; empty for nil.
    package static func decodeTags(_ text: String?) throws -> [String: String] {
        guard let text else { return [:] }
        return try JSONDecoder().decode([String: String].self, from: Data(text.utf8))
    }
}
