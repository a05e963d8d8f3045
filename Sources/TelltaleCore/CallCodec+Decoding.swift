import Foundation

extension CallCodec {
    /// Decodes one wire line (a JSON object; surrounding whitespace and a trailing `\r` allowed).
    ///
    /// Validates: `id`, `method`, `session` non-empty strings; `startedAt` RFC 3339; `kind`,
    /// `direction`, `outcome`, `transport` known values; sizes and `durationNs` >= 0.
    public static func decode(line: some Collection<UInt8>) throws(CallDecodingError) -> Call {
        let result: Result<Call, CallDecodingError>? = line.withContiguousStorageIfAvailable { buffer in
            decodeResult(UnsafeRawBufferPointer(buffer))
        }
        if let result { return try result.get() }
        let copy = Array(line)
        return try copy.withUnsafeBytes { decodeResult($0) }.get()
    }

    private static func decodeResult(_ bytes: UnsafeRawBufferPointer) -> Result<Call, CallDecodingError> {
        do throws(CallDecodingError) {
            return .success(try decode(bytes))
        } catch {
            return .failure(error)
        }
    }

    private static func decode(_ bytes: UnsafeRawBufferPointer) throws(CallDecodingError) -> Call {
        var fields = DecodedFields()
        var cursor = JSONCursor(bytes)
        cursor.skipWhitespace()
        guard cursor.peek() == 0x7B else {
            throw CallDecodingError(reason: cursor.atEnd ? "empty line" : "not a JSON object")
        }
        let status = cursor.forEachMember { key, value in
            guard fields.failure == nil else { return false }
            do throws(CallDecodingError) {
                try fields.read(key, &value)
            } catch {
                fields.failure = error
                value.index = value.end
            }
            return true
        }
        if let failure = fields.failure { throw failure }
        guard status == .complete else { throw CallDecodingError(reason: "invalid JSON") }
        cursor.skipWhitespace()
        guard cursor.atEnd else { throw CallDecodingError(reason: "unexpected bytes after the JSON object") }
        return try fields.call()
    }
}

/// The fields of a Call as read from the wire, before validation of required ones.
private struct DecodedFields {
    var failure: CallDecodingError?
    var id: String?
    var startedAt: Date?
    var durationNs: Int64 = 0
    var kind: CallKind?
    var direction: CallDirection = .toServer
    var method: String?
    var target: String?
    var outcome: CallOutcome?
    var errorCode: Int?
    var errorMessage: String?
    var requestId: String?
    var session: String?
    var client: PeerInfo?
    var server: PeerInfo?
    var protocolVersion: String?
    var transport: CallTransport = .stdio
    var clientAddress: String?
    var trace: TraceContext?
    var tags: [String: String] = [:]
    var request: JSONValue?
    var response: JSONValue?
    var requestBytes = 0
    var responseBytes = 0
    var pollutionLines: Int?

    mutating func read(_ key: JSONKey, _ value: inout JSONCursor) throws(CallDecodingError) {
        // Compares key bytes in place: no String per key, no chain of String comparisons.
        func field(_ name: StaticString) -> Bool { value.key(key, is: name) }
        if field("id") {
            id = try Self.string("id", &value)
        } else if field("startedAt") {
            let text = try Self.string("startedAt", &value)
            guard let date = RFC3339.parse(text.utf8) else {
                throw CallDecodingError(field: "startedAt", reason: "not an RFC 3339 date-time: \"\(text)\"")
            }
            startedAt = date
        } else if field("durationNs") {
            durationNs = Int64(try Self.count("durationNs", &value))
        } else if field("kind") {
            kind = try Self.enumeration("kind", &value)
        } else if field("direction") {
            direction = try Self.enumeration("direction", &value)
        } else if field("method") {
            method = try Self.string("method", &value)
        } else if field("target") {
            target = try Self.optionalString("target", &value)
        } else if field("outcome") {
            outcome = try Self.enumeration("outcome", &value)
        } else if field("errorCode") {
            if Self.null(&value) { errorCode = nil; return }
            guard let code = value.readInt() else { throw CallDecodingError(field: "errorCode", reason: "expected an integer") }
            errorCode = code
        } else if field("errorMessage") {
            errorMessage = try Self.optionalString("errorMessage", &value)
        } else if field("requestId") {
            requestId = try Self.optionalString("requestId", &value)
        } else if field("session") {
            session = try Self.string("session", &value)
        } else if field("client") {
            client = try Self.peer("client", &value)
        } else if field("server") {
            server = try Self.peer("server", &value)
        } else if field("protocolVersion") {
            protocolVersion = try Self.optionalString("protocolVersion", &value)
        } else if field("transport") {
            transport = try Self.enumeration("transport", &value)
        } else if field("clientAddress") {
            clientAddress = try Self.optionalString("clientAddress", &value)
        } else if field("trace") {
            trace = try Self.trace("trace", &value)
        } else if field("tags") {
            tags = try Self.tags("tags", &value)
        } else if field("request") {
            request = try Self.json("request", &value)
        } else if field("response") {
            response = try Self.json("response", &value)
        } else if field("requestBytes") {
            requestBytes = try Self.count("requestBytes", &value)
        } else if field("responseBytes") {
            responseBytes = try Self.count("responseBytes", &value)
        } else if field("pollutionLines") {
            pollutionLines = Self.null(&value) ? nil : try Self.count("pollutionLines", &value)
        } else {
            let name = key.escaped ? value.decodeString(key.range) : value.rawString(key.range)
            guard value.skipValue() == .complete else { throw CallDecodingError(field: name, reason: "invalid JSON value") }
        }
    }

    func call() throws(CallDecodingError) -> Call {
        guard let id else { throw CallDecodingError(field: "id", reason: "missing") }
        guard !id.isEmpty else { throw CallDecodingError(field: "id", reason: "must not be empty") }
        guard let startedAt else { throw CallDecodingError(field: "startedAt", reason: "missing") }
        guard let kind else { throw CallDecodingError(field: "kind", reason: "missing") }
        guard let method else { throw CallDecodingError(field: "method", reason: "missing") }
        guard !method.isEmpty else { throw CallDecodingError(field: "method", reason: "must not be empty") }
        guard let outcome else { throw CallDecodingError(field: "outcome", reason: "missing") }
        guard let session else { throw CallDecodingError(field: "session", reason: "missing") }
        guard !session.isEmpty else { throw CallDecodingError(field: "session", reason: "must not be empty") }
        return Call(
            id: id, startedAt: startedAt, durationNs: durationNs, kind: kind, direction: direction, method: method,
            target: target, outcome: outcome, errorCode: errorCode, errorMessage: errorMessage, requestId: requestId,
            session: session, client: client, server: server, protocolVersion: protocolVersion,
            transport: transport, clientAddress: clientAddress, trace: trace, tags: tags, request: request,
            response: response, requestBytes: requestBytes, responseBytes: responseBytes, pollutionLines: pollutionLines
        )
    }

    // MARK: - Typed readers

    static func null(_ value: inout JSONCursor) -> Bool {
        value.skipWhitespace()
        guard value.peek() == 0x6E else { return false }
        return value.skipValue() == .complete
    }

    static func string(_ name: String, _ value: inout JSONCursor) throws(CallDecodingError) -> String {
        value.skipWhitespace()
        guard value.peek() == 0x22 else { throw CallDecodingError(field: name, reason: "expected a string") }
        let scanned = value.scanString()
        guard scanned.status == .complete else { throw CallDecodingError(field: name, reason: "unterminated string") }
        return scanned.escaped ? value.decodeString(scanned.range) : value.rawString(scanned.range)
    }

    static func optionalString(_ name: String, _ value: inout JSONCursor) throws(CallDecodingError) -> String? {
        if null(&value) { return nil }
        return try string(name, &value)
    }

    static func count(_ name: String, _ value: inout JSONCursor) throws(CallDecodingError) -> Int {
        guard let number = value.readInt() else { throw CallDecodingError(field: name, reason: "expected an integer") }
        guard number >= 0 else { throw CallDecodingError(field: name, reason: "must be >= 0, got \(number)") }
        return number
    }

    static func enumeration<E: RawRepresentable & CaseIterable>(
        _ name: String, _ value: inout JSONCursor
    ) throws(CallDecodingError) -> E where E.RawValue == String {
        let text = try string(name, &value)
        guard let parsed = E(rawValue: text) else {
            let allowed = E.allCases.map(\.rawValue).joined(separator: ", ")
            throw CallDecodingError(field: name, reason: "unknown value \"\(text)\" (expected one of: \(allowed))")
        }
        return parsed
    }

    /// Reads `{name, version}` without an intermediate dictionary.
    static func peer(_ name: String, _ value: inout JSONCursor) throws(CallDecodingError) -> PeerInfo? {
        var peerName: String?
        var version: String?
        guard try members(name, &value, { key, member throws(CallDecodingError) in
            if member.key(key, is: "name") {
                peerName = try string("\(name).name", &member)
            } else if member.key(key, is: "version") {
                version = try optionalString("\(name).version", &member)
            } else {
                return false
            }
            return true
        }) else { return nil }
        guard let peerName else { throw CallDecodingError(field: "\(name).name", reason: "missing") }
        return PeerInfo(name: peerName, version: version)
    }

    /// Reads `{traceId, spanId, traceparent?, tracestate?}` without an intermediate dictionary.
    static func trace(_ name: String, _ value: inout JSONCursor) throws(CallDecodingError) -> TraceContext? {
        var traceId: String?
        var spanId: String?
        var traceparent: String?
        var tracestate: String?
        guard try members(name, &value, { key, member throws(CallDecodingError) in
            if member.key(key, is: "traceId") {
                traceId = try string("\(name).traceId", &member)
            } else if member.key(key, is: "spanId") {
                spanId = try string("\(name).spanId", &member)
            } else if member.key(key, is: "traceparent") {
                traceparent = try optionalString("\(name).traceparent", &member)
            } else if member.key(key, is: "tracestate") {
                tracestate = try optionalString("\(name).tracestate", &member)
            } else {
                return false
            }
            return true
        }) else { return nil }
        guard let traceId else { throw CallDecodingError(field: "\(name).traceId", reason: "missing") }
        guard let spanId else { throw CallDecodingError(field: "\(name).spanId", reason: "missing") }
        return TraceContext(traceId: traceId, spanId: spanId, traceparent: traceparent, tracestate: tracestate)
    }

    /// Iterates an object's members with a throwing body; false when the value is `null`.
    static func members(
        _ name: String, _ value: inout JSONCursor,
        _ body: (JSONKey, inout JSONCursor) throws(CallDecodingError) -> Bool
    ) throws(CallDecodingError) -> Bool {
        if null(&value) { return false }
        value.skipWhitespace()
        guard value.peek() == 0x7B else { throw CallDecodingError(field: name, reason: "expected an object") }
        var failure: CallDecodingError?
        let status = value.forEachMember { key, member in
            guard failure == nil else { return false }
            do throws(CallDecodingError) {
                return try body(key, &member)
            } catch {
                failure = error
                return false
            }
        }
        if let failure { throw failure }
        guard status == .complete else { throw CallDecodingError(field: name, reason: "invalid JSON object") }
        return true
    }

    /// Reads an object of string values (`null` members are left out); empty for `null`.
    static func tags(_ name: String, _ value: inout JSONCursor) throws(CallDecodingError) -> [String: String] {
        var tags: [String: String] = [:]
        _ = try members(name, &value) { key, member throws(CallDecodingError) in
            let memberName = key.escaped ? member.decodeString(key.range) : member.rawString(key.range)
            if null(&member) { return true }
            guard let text = member.readString() else {
                throw CallDecodingError(field: "\(name).\(memberName)", reason: "expected a string")
            }
            tags[memberName] = text
            return true
        }
        return tags
    }

    static func json(_ name: String, _ value: inout JSONCursor) throws(CallDecodingError) -> JSONValue? {
        if null(&value) { return nil }
        guard let range = value.valueRange(), value.bytes.count >= range.upperBound else {
            throw CallDecodingError(field: name, reason: "invalid JSON value")
        }
        do throws(JSONParseError) {
            return try JSONValue(parsing: UnsafeRawBufferPointer(rebasing: value.bytes[range]))
        } catch {
            throw CallDecodingError(field: name, reason: error.description)
        }
    }
}
