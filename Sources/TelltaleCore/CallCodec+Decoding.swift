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
            let name = key.escaped ? value.decodeString(key.range) : value.rawString(key.range)
            do throws(CallDecodingError) {
                try fields.read(name, &value)
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

    mutating func read(_ name: String, _ value: inout JSONCursor) throws(CallDecodingError) {
        switch name {
        case "id": id = try Self.string(name, &value)
        case "startedAt":
            let text = try Self.string(name, &value)
            guard let date = RFC3339.parse(text.utf8) else {
                throw CallDecodingError(field: name, reason: "not an RFC 3339 date-time: \"\(text)\"")
            }
            startedAt = date
        case "durationNs": durationNs = Int64(try Self.count(name, &value))
        case "kind": kind = try Self.enumeration(name, &value)
        case "direction": direction = try Self.enumeration(name, &value)
        case "method": method = try Self.string(name, &value)
        case "target": target = try Self.optionalString(name, &value)
        case "outcome": outcome = try Self.enumeration(name, &value)
        case "errorCode":
            if Self.null(&value) { errorCode = nil; return }
            guard let code = value.readInt() else { throw CallDecodingError(field: name, reason: "expected an integer") }
            errorCode = code
        case "errorMessage": errorMessage = try Self.optionalString(name, &value)
        case "requestId": requestId = try Self.optionalString(name, &value)
        case "session": session = try Self.string(name, &value)
        case "client": client = try Self.peer(name, &value)
        case "server": server = try Self.peer(name, &value)
        case "protocolVersion": protocolVersion = try Self.optionalString(name, &value)
        case "transport": transport = try Self.enumeration(name, &value)
        case "clientAddress": clientAddress = try Self.optionalString(name, &value)
        case "trace": trace = try Self.trace(name, &value)
        case "tags": tags = try Self.tags(name, &value)
        case "request": request = try Self.json(name, &value)
        case "response": response = try Self.json(name, &value)
        case "requestBytes": requestBytes = try Self.count(name, &value)
        case "responseBytes": responseBytes = try Self.count(name, &value)
        case "pollutionLines":
            pollutionLines = Self.null(&value) ? nil : try Self.count(name, &value)
        default:
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

    static func object(_ name: String, _ value: inout JSONCursor) throws(CallDecodingError) -> [String: String]? {
        if null(&value) { return nil }
        value.skipWhitespace()
        guard value.peek() == 0x7B else { throw CallDecodingError(field: name, reason: "expected an object") }
        var members: [String: String] = [:]
        var failure: CallDecodingError?
        let status = value.forEachMember { key, member in
            let memberName = key.escaped ? member.decodeString(key.range) : member.rawString(key.range)
            if null(&member) { return true }
            guard let text = member.readString() else {
                if failure == nil {
                    failure = CallDecodingError(field: "\(name).\(memberName)", reason: "expected a string")
                }
                return false
            }
            members[memberName] = text
            return true
        }
        if let failure { throw failure }
        guard status == .complete else { throw CallDecodingError(field: name, reason: "invalid JSON object") }
        return members
    }

    static func peer(_ name: String, _ value: inout JSONCursor) throws(CallDecodingError) -> PeerInfo? {
        guard let members = try object(name, &value) else { return nil }
        guard let peerName = members["name"] else { throw CallDecodingError(field: "\(name).name", reason: "missing") }
        return PeerInfo(name: peerName, version: members["version"])
    }

    static func trace(_ name: String, _ value: inout JSONCursor) throws(CallDecodingError) -> TraceContext? {
        guard let members = try object(name, &value) else { return nil }
        guard let traceId = members["traceId"] else { throw CallDecodingError(field: "\(name).traceId", reason: "missing") }
        guard let spanId = members["spanId"] else { throw CallDecodingError(field: "\(name).spanId", reason: "missing") }
        return TraceContext(traceId: traceId, spanId: spanId, traceparent: members["traceparent"],
                            tracestate: members["tracestate"])
    }

    static func tags(_ name: String, _ value: inout JSONCursor) throws(CallDecodingError) -> [String: String] {
        try object(name, &value) ?? [:]
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
