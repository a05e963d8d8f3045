extension JSONValue {
    /// The value as compact JSON text, object keys sorted (deterministic output).
    public var jsonText: String {
        var out: [UInt8] = []
        writeJSON(into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends the value as compact JSON to `out`; object keys sorted unless `sortedKeys` is false
    /// (dictionary order: cheaper, for text that needs no canonical form, like stored payloads).
    public func writeJSON(into out: inout [UInt8], sortedKeys: Bool = true) {
        switch self {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let value): out.append(contentsOf: (value ? "true" : "false").utf8)
        case .number(let value): JSONValue.writeNumber(value, into: &out)
        case .string(let value): JSONValue.writeString(value, into: &out)
        case .array(let values):
            out.append(0x5B)
            for (offset, value) in values.enumerated() {
                if offset > 0 { out.append(0x2C) }
                value.writeJSON(into: &out, sortedKeys: sortedKeys)
            }
            out.append(0x5D)
        case .object(let members):
            out.append(0x7B)
            let keys = sortedKeys ? members.keys.sorted() : Array(members.keys)
            for (offset, key) in keys.enumerated() {
                if offset > 0 { out.append(0x2C) }
                JSONValue.writeString(key, into: &out)
                out.append(0x3A)
                members[key]?.writeJSON(into: &out, sortedKeys: sortedKeys)
            }
            out.append(0x7D)
        }
    }

    /// Writes a JSON number; integral values without a fraction, non-finite values as `null`.
    package static func writeNumber(_ value: Double, into out: inout [UInt8]) {
        guard value.isFinite else { out.append(contentsOf: "null".utf8); return }
        if value == value.rounded(), abs(value) < 1e15 {
            out.append(contentsOf: String(Int64(value)).utf8)
        } else {
            out.append(contentsOf: "\(value)".utf8)
        }
    }

    /// Writes `string` as a JSON string literal with the required escapes.
    package static func writeString(_ string: String, into out: inout [UInt8]) {
        out.append(0x22)
        for byte in string.utf8 {
            switch byte {
            case 0x22: out.append(0x5C); out.append(0x22)
            case 0x5C: out.append(0x5C); out.append(0x5C)
            case 0x0A: out.append(0x5C); out.append(0x6E)
            case 0x0D: out.append(0x5C); out.append(0x72)
            case 0x09: out.append(0x5C); out.append(0x74)
            case 0x00..<0x20:
                let hex: [UInt8] = Array("0123456789abcdef".utf8)
                out.append(contentsOf: [0x5C, 0x75, 0x30, 0x30, hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
            default: out.append(byte)
            }
        }
        out.append(0x22)
    }
}
