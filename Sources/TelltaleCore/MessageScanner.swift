/// Classifies a framed line as JSON-RPC message(s) and reads only the fields Telltale needs.
///
/// Hand-written and allocation-light for the relay's hot path: values Telltale does not need
/// (tool arguments, results) are skipped without being decoded. Any bytes are accepted: garbage
/// is classified ``ScannedLine/notJSONRPC``, never a crash or a hang.
public enum MessageScanner {
    /// Scans one line (without its terminator).
    ///
    /// - Parameter truncated: the line is only the head of a longer line; a message cut short
    ///   is then reported with what the head holds (``MCPMessage/complete`` false) instead of
    ///   being classified as not JSON.
    public static func scan(_ line: UnsafeRawBufferPointer, truncated: Bool = false) -> ScannedLine {
        var cursor = JSONCursor(line)
        cursor.skipWhitespace()
        guard let first = cursor.peek() else { return .empty }
        switch first {
        case 0x7B:
            var message: MCPMessage?
            let status = scanObject(&cursor, into: &message)
            guard accept(status, &cursor, truncated: truncated), var message else { return .notJSONRPC }
            message.complete = status == .complete
            return .message(message)
        case 0x5B:
            var messages: [MCPMessage] = []
            let status = cursor.forEachElement { element in
                guard element.peek() == 0x7B else { return false }
                var message: MCPMessage?
                let status = scanObject(&element, into: &message)
                if var message, status != .malformed {
                    message.complete = status == .complete
                    messages.append(message)
                }
                return status == .complete
            }
            guard accept(status, &cursor, truncated: truncated) else { return .notJSONRPC }
            return .batch(messages)
        default:
            return .notJSONRPC
        }
    }

    /// Scans a line held in any contiguous byte collection (tests, off-path callers).
    public static func scan(_ line: [UInt8], truncated: Bool = false) -> ScannedLine {
        line.withUnsafeBytes { scan($0, truncated: truncated) }
    }

    private static func accept(_ status: JSONScanStatus, _ cursor: inout JSONCursor, truncated: Bool) -> Bool {
        switch status {
        case .malformed: return false
        case .eof: return truncated
        case .complete:
            cursor.skipWhitespace()
            return cursor.atEnd
        }
    }

    /// Scans one message object at the cursor; `message` is nil when it is no JSON-RPC message.
    private static func scanObject(_ cursor: inout JSONCursor, into message: inout MCPMessage?) -> JSONScanStatus {
        var id: String?
        var method: String?
        var params: Range<Int>?
        var result: Range<Int>?
        var error: Range<Int>?
        let status = cursor.forEachMember { key, value in
            if value.key(key, is: "id") {
                id = value.readScalarText()
            } else if value.key(key, is: "method") {
                method = value.readString()
            } else if value.key(key, is: "params") {
                params = value.valueRange()
            } else if value.key(key, is: "result") {
                result = value.valueRange()
            } else if value.key(key, is: "error") {
                error = value.valueRange()
            } else {
                return false
            }
            return true
        }
        guard status != .malformed else { return status }
        var scanned: MCPMessage
        if let method {
            scanned = MCPMessage(kind: id == nil ? .notification : .request)
            scanned.method = method
        } else if error != nil {
            scanned = MCPMessage(kind: .errorResponse)
        } else if result != nil {
            scanned = MCPMessage(kind: .response)
        } else {
            return status
        }
        scanned.id = id
        scanned.params = params
        scanned.result = result
        scanned.error = error
        let bytes = cursor.bytes
        if let params { scanParams(bytes, params, into: &scanned) }
        if let result { scanResult(bytes, result, into: &scanned) }
        if let error { scanError(bytes, error, into: &scanned) }
        message = scanned
        return status
    }

    private static func scanParams(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>, into message: inout MCPMessage) {
        var cursor = JSONCursor(bytes, from: range.lowerBound, to: range.upperBound)
        let method = message.method ?? ""
        let wantsName = method == "tools/call" || method == "prompts/get"
        let wantsURI = method == "resources/read"
        let isCancel = method == "notifications/cancelled"
        let isInitialize = method == "initialize"
        _ = cursor.forEachMember { key, value in
            if value.key(key, is: "_meta") {
                scanMeta(&value, into: &message)
            } else if wantsName && value.key(key, is: "name") {
                message.target = value.readString()
            } else if wantsURI && value.key(key, is: "uri") {
                message.target = value.readString()
            } else if isCancel && value.key(key, is: "requestId") {
                message.cancelledRequestId = value.readScalarText()
            } else if isCancel && value.key(key, is: "reason") {
                message.cancelReason = value.readString()
            } else if isInitialize && value.key(key, is: "clientInfo") {
                if message.clientInfo == nil { message.clientInfo = value.readPeerInfo() }
            } else if isInitialize && value.key(key, is: "protocolVersion") {
                if message.protocolVersion == nil { message.protocolVersion = value.readString() }
            } else {
                return false
            }
            return true
        }
    }

    /// Reads `_meta` of params or result: identity and trace keys.
    private static func scanMeta(_ cursor: inout JSONCursor, into message: inout MCPMessage) {
        _ = cursor.forEachMember { key, value in
            if value.key(key, is: "io.modelcontextprotocol/clientInfo") {
                message.clientInfo = value.readPeerInfo()
            } else if value.key(key, is: "io.modelcontextprotocol/protocolVersion") {
                message.protocolVersion = value.readString()
            } else if value.key(key, is: "io.modelcontextprotocol/serverInfo") {
                message.serverInfo = value.readPeerInfo()
            } else if value.key(key, is: "traceparent") {
                message.traceparent = value.readString()
            } else if value.key(key, is: "tracestate") {
                message.tracestate = value.readString()
            } else {
                return false
            }
            return true
        }
    }

    private static func scanResult(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>, into message: inout MCPMessage) {
        var cursor = JSONCursor(bytes, from: range.lowerBound, to: range.upperBound)
        var content: Range<Int>?
        _ = cursor.forEachMember { key, value in
            if value.key(key, is: "isError") {
                message.isError = value.readBool() ?? false
            } else if value.key(key, is: "content") {
                content = value.valueRange()
            } else if value.key(key, is: "_meta") {
                scanMeta(&value, into: &message)
            } else if value.key(key, is: "serverInfo") {
                if message.serverInfo == nil { message.serverInfo = value.readPeerInfo() }
            } else if value.key(key, is: "protocolVersion") {
                if message.protocolVersion == nil { message.protocolVersion = value.readString() }
            } else if value.key(key, is: "supportedVersions") {
                message.supportedVersions = value.readStringArray()
            } else {
                return false
            }
            return true
        }
        if message.isError, let content {
            message.toolErrorText = firstText(bytes, content)
        }
    }

    /// The `text` of the first `content` item whose `type` is `text`.
    private static func firstText(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> String? {
        var cursor = JSONCursor(bytes, from: range.lowerBound, to: range.upperBound)
        var found: String?
        _ = cursor.forEachElement { element in
            guard found == nil, element.peek() == 0x7B else { return false }
            var isText = false
            var text: String?
            let status = element.forEachMember { key, value in
                if value.key(key, is: "type") {
                    isText = value.readString() == "text"
                } else if value.key(key, is: "text") {
                    text = value.readString()
                } else {
                    return false
                }
                return true
            }
            if isText, let text { found = text }
            return status == .complete
        }
        return found
    }

    private static func scanError(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>, into message: inout MCPMessage) {
        var cursor = JSONCursor(bytes, from: range.lowerBound, to: range.upperBound)
        _ = cursor.forEachMember { key, value in
            if value.key(key, is: "code") {
                message.errorCode = value.readInt()
            } else if value.key(key, is: "message") {
                message.errorMessage = value.readString()
            } else {
                return false
            }
            return true
        }
    }
}

extension JSONCursor {
    /// Skips the value at the cursor and returns its byte range (cut short at end of input).
    mutating func valueRange() -> Range<Int>? {
        skipWhitespace()
        let start = index
        let status = skipValue()
        guard status != .malformed else { index = start; return nil }
        return start..<index
    }

    /// Reads `{name, version}`; nil without a string `name`.
    mutating func readPeerInfo() -> PeerInfo? {
        guard peek() == 0x7B else { return nil }
        var name: String?
        var version: String?
        _ = forEachMember { key, value in
            if value.key(key, is: "name") {
                name = value.readString()
            } else if value.key(key, is: "version") {
                version = value.readString()
            } else {
                return false
            }
            return true
        }
        return name.map { PeerInfo(name: $0, version: version) }
    }

    /// Reads an array of strings (non-strings are skipped).
    mutating func readStringArray() -> [String]? {
        guard peek() == 0x5B else { return nil }
        var out: [String] = []
        _ = forEachElement { element in
            guard let string = element.readString() else { return false }
            out.append(string)
            return true
        }
        return out
    }
}
