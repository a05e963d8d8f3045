import Foundation
import TelltaleCore

/// Indented JSON text of a captured payload (keys sorted), for `<pre>` blocks. Escape it before output.
enum PrettyJSON {
    static func text(_ value: JSONValue) -> String {
        var out: [UInt8] = []
        write(value, indent: 0, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    private static func write(_ value: JSONValue, indent: Int, into out: inout [UInt8]) {
        func newline(_ level: Int) {
            out.append(0x0A)
            out.append(contentsOf: repeatElement(0x20, count: level * 2))
        }
        switch value {
        case .array(let values) where !values.isEmpty:
            out.append(0x5B)
            for (offset, element) in values.enumerated() {
                if offset > 0 { out.append(0x2C) }
                newline(indent + 1)
                write(element, indent: indent + 1, into: &out)
            }
            newline(indent)
            out.append(0x5D)
        case .object(let members) where !members.isEmpty:
            out.append(0x7B)
            for (offset, key) in members.keys.sorted().enumerated() {
                if offset > 0 { out.append(0x2C) }
                newline(indent + 1)
                JSONValue.writeString(key, into: &out)
                out.append(contentsOf: ": ".utf8)
                if let member = members[key] { write(member, indent: indent + 1, into: &out) }
            }
            newline(indent)
            out.append(0x7D)
        default:
            value.writeJSON(into: &out)
        }
    }
}
