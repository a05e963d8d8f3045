import Foundation
import TelltaleCore

/// Fast JSON text for payloads and tags on the insert path (no `JSONEncoder`, no `Any` boxing).
package enum JSONText {
    /// Compact JSON text of `value`. Integral numbers print without a fraction; NaN and ±∞ print as `null`;
    /// object members come in dictionary order.
    package static func encode(_ value: JSONValue) -> String {
        var out = ""
        out.reserveCapacity(256)
        append(value, to: &out)
        return out
    }

    /// A JSON object of the tags with keys sorted, or nil when there are none.
    package static func encode(tags: [String: String]) -> String? {
        guard !tags.isEmpty else { return nil }
        var out = "{"
        var first = true
        for key in tags.keys.sorted() {
            if !first { out.append(",") }
            first = false
            appendString(key, to: &out)
            out.append(":")
            appendString(tags[key]!, to: &out)
        }
        out.append("}")
        return out
    }

    /// Decodes text stored by ``encode(_:)``.
    package static func decodeValue(_ text: String) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
    }

    /// Decodes text stored by ``encode(tags:)``; empty for nil.
    package static func decodeTags(_ text: String?) throws -> [String: String] {
        guard let text else { return [:] }
        return try JSONDecoder().decode([String: String].self, from: Data(text.utf8))
    }

    static func append(_ value: JSONValue, to out: inout String) {
        switch value {
        case .null: out.append("null")
        case .bool(let bool): out.append(bool ? "true" : "false")
        case .number(let number): appendNumber(number, to: &out)
        case .string(let string): appendString(string, to: &out)
        case .array(let array):
            out.append("[")
            for (index, element) in array.enumerated() {
                if index > 0 { out.append(",") }
                append(element, to: &out)
            }
            out.append("]")
        case .object(let object):
            out.append("{")
            // Dictionary order, not sorted: stored payloads need no canonical form, and this is the hot path.
            var first = true
            for (key, member) in object {
                if !first { out.append(",") }
                first = false
                appendString(key, to: &out)
                out.append(":")
                append(member, to: &out)
            }
            out.append("}")
        }
    }

    static func appendNumber(_ number: Double, to out: inout String) {
        if !number.isFinite {
            out.append("null")
        } else if number == number.rounded(), abs(number) < 9_007_199_254_740_992 {
            out.append(String(Int64(number)))
        } else {
            out.append(number.description)
        }
    }

    /// Appends `string` as a JSON string literal, escaping `"`, `\` and control characters.
    static func appendString(_ string: String, to out: inout String) {
        out.append("\"")
        let utf8 = string.utf8
        if !utf8.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C }) {
            out.append(string)
        } else {
            for scalar in string.unicodeScalars {
                switch scalar {
                case "\"": out.append("\\\"")
                case "\\": out.append("\\\\")
                case "\n": out.append("\\n")
                case "\r": out.append("\\r")
                case "\t": out.append("\\t")
                case _ where scalar.value < 0x20:
                    let hex = String(scalar.value, radix: 16)
                    out.append("\\u" + String(repeating: "0", count: 4 - hex.count) + hex)
                default: out.unicodeScalars.append(scalar)
                }
            }
        }
        out.append("\"")
    }
}
