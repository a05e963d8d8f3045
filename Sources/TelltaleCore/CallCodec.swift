import Foundation

/// Why a wire line is not a valid Call record.
public struct CallDecodingError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The offending field, when the problem is one field.
    public var field: String?
    public var reason: String

    public init(field: String? = nil, reason: String) {
        self.field = field
        self.reason = reason
    }

    public var description: String {
        if let field { return "field '\(field)': \(reason)" }
        return reason
    }
}

/// The wire codec: newline-delimited JSON, one ``Call`` per line.
///
/// `startedAt` is written as RFC 3339 UTC with microseconds (`2026-11-25T10:13:33.123456Z`);
/// any RFC 3339 date-time is accepted when decoding. Optional fields are omitted when nil.
/// Decoding is hand-written for ingest speed; unknown fields are ignored (forward compatible);
/// `durationNs`, `direction`, `transport`, `tags` and the byte counts default when absent.
public enum CallCodec {
    /// Encodes calls as NDJSON, each line `\n`-terminated.
    public static func encode(_ calls: [Call]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(calls.count * 512)
        for call in calls {
            encode(call, into: &out)
            out.append(0x0A)
        }
        return out
    }

    /// Appends one call as a JSON object (no newline).
    public static func encode(_ call: Call, into out: inout [UInt8]) {
        var first = true
        func key(_ name: StaticString) {
            out.append(first ? 0x7B : 0x2C)
            first = false
            out.append(0x22)
            out.append(contentsOf: UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
            out.append(0x22)
            out.append(0x3A)
        }
        func string(_ name: StaticString, _ value: String?) {
            guard let value else { return }
            key(name)
            JSONValue.writeString(value, into: &out)
        }
        func integer(_ name: StaticString, _ value: Int64?) {
            guard let value else { return }
            key(name)
            out.append(contentsOf: String(value).utf8)
        }
        /// Writes `{"k1":"v1",…}`, members in the given (sorted) order, nil values left out.
        func object(_ members: [(StaticString, String?)]) {
            out.append(0x7B)
            var first = true
            for (name, value) in members {
                guard let value else { continue }
                if !first { out.append(0x2C) }
                first = false
                JSONValue.writeString(name.description, into: &out)
                out.append(0x3A)
                JSONValue.writeString(value, into: &out)
            }
            out.append(0x7D)
        }
        func peer(_ name: StaticString, _ value: PeerInfo?) {
            guard let value else { return }
            key(name)
            object([("name", value.name), ("version", value.version)])
        }
        string("id", call.id)
        key("startedAt")
        out.append(0x22)
        RFC3339.format(call.startedAt, into: &out)
        out.append(0x22)
        integer("durationNs", call.durationNs)
        string("kind", call.kind.rawValue)
        string("direction", call.direction.rawValue)
        string("method", call.method)
        string("target", call.target)
        string("outcome", call.outcome.rawValue)
        integer("errorCode", call.errorCode.map(Int64.init))
        string("errorMessage", call.errorMessage)
        string("requestId", call.requestId)
        string("session", call.session)
        peer("client", call.client)
        peer("server", call.server)
        string("protocolVersion", call.protocolVersion)
        string("transport", call.transport.rawValue)
        string("clientAddress", call.clientAddress)
        if let trace = call.trace {
            key("trace")
            object([("spanId", trace.spanId), ("traceId", trace.traceId),
                    ("traceparent", trace.traceparent), ("tracestate", trace.tracestate)])
        }
        key("tags")
        JSONValue.object(call.tags.mapValues(JSONValue.string)).writeJSON(into: &out)
        if let request = call.request { key("request"); request.writeJSON(into: &out) }
        if let response = call.response { key("response"); response.writeJSON(into: &out) }
        integer("requestBytes", Int64(call.requestBytes))
        integer("responseBytes", Int64(call.responseBytes))
        integer("pollutionLines", call.pollutionLines.map(Int64.init))
        out.append(0x7D)
    }

    /// A `JSONEncoder` writing the same date format (for other Codable types of the wire).
    public static func makeEncoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(RFC3339.string(date))
        }
        return encoder
    }

    /// A `JSONDecoder` accepting any RFC 3339 date-time.
    public static func makeDecoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let date = RFC3339.parse(text.utf8) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "not an RFC 3339 date-time: \(text)")
            }
            return date
        }
        return decoder
    }
}
