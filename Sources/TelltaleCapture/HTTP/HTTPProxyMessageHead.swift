import NIOCore

/// One HTTP/1.x message head (request or response) as received: the raw bytes plus the offsets of
/// its parts, and what the proxy needs to know about it (framing, persistence, hop-by-hop fields).
///
/// Nothing is copied into strings on the hot path; ``summaryFields()`` builds them for the observer.
struct HTTPProxyMessageHead {
    /// Requests are parsed from clients, responses from the upstream server.
    enum Kind { case request, response }

    /// How the body that follows the head is delimited.
    enum Framing: Equatable {
        case none
        case length(Int)
        case chunked
        case untilClose
    }

    /// One field line: the whole line (with its line ending), the name, and the trimmed value.
    struct Field {
        var line: Range<Int>
        var name: Range<Int>
        var value: Range<Int>
        var hopByHop = false
    }

    /// The head bytes, start line to the empty line included (reader index 0).
    private(set) var raw: ByteBuffer
    /// The start line with its line ending.
    private(set) var startLine: Range<Int> = 0..<0
    private(set) var fields: [Field] = []
    /// Request method (requests only).
    private(set) var method: Range<Int> = 0..<0
    /// Request target (requests only).
    private(set) var target: Range<Int> = 0..<0
    /// Status code (responses only).
    private(set) var status = 0
    /// Reason phrase (responses only; may be empty).
    private(set) var reason: Range<Int> = 0..<0
    private(set) var framing: Framing = .none
    /// The connection ends after this message (`Connection: close`, or HTTP/1.0 without keep-alive).
    private(set) var closesConnection = false
    /// A `Connection` field named something other than `close`/`keep-alive` and had `close` in it:
    /// the rewritten head carries a plain `Connection: close`.
    private var needsCloseLine = false
    private var hasHopByHop = false

    /// Parses a complete head. `noBody` says the response answers a HEAD request.
    init(raw: ByteBuffer, kind: Kind, noBody: Bool = false) throws(HTTPProxyParseError) {
        self.raw = raw
        var parsed = self
        try raw.withUnsafeReadableBytes { (bytes) throws(HTTPProxyParseError) in
            try parsed.parse(bytes, kind: kind, noBody: noBody)
        }
        self = parsed
    }

    /// Whether the response is interim (1xx other than 101): another head follows.
    var isInterim: Bool { status >= 100 && status < 200 && status != 101 }

    /// The bytes to forward: the raw head, or a copy without the hop-by-hop fields.
    func forwardBytes(allocator: ByteBufferAllocator) -> ByteBuffer {
        guard hasHopByHop else { return raw }
        var out = allocator.buffer(capacity: raw.readableBytes)
        out.writeBytes(raw.readableBytesView[startLine])
        for field in fields where !field.hopByHop {
            out.writeBytes(raw.readableBytesView[field.line])
        }
        if needsCloseLine { out.writeStaticString("Connection: close\r\n") }
        let end = fields.last?.line.upperBound ?? startLine.upperBound
        out.writeBytes(raw.readableBytesView[end...])
        return out
    }

    /// The fields as name/value strings, in order, repeats kept.
    func summaryFields() -> [(name: String, value: String)] {
        fields.map { (name: string(at: $0.name), value: string(at: $0.value)) }
    }

    /// The text of `range` (lossless for ASCII; other bytes are decoded as UTF-8).
    func string(at range: Range<Int>) -> String {
        String(decoding: raw.readableBytesView[range], as: UTF8.self)
    }

    // MARK: - Parsing

    private mutating func parse(_ bytes: UnsafeRawBufferPointer, kind: Kind, noBody: Bool) throws(HTTPProxyParseError) {
        var lines = LineIterator(bytes: bytes)
        guard let first = lines.next() else { throw .malformed("empty head") }
        startLine = first.line
        let http10: Bool
        switch kind {
        case .request: http10 = try parseRequestLine(bytes, first.content)
        case .response: http10 = try parseStatusLine(bytes, first.content)
        }
        var fieldList: [Field] = []
        while let line = lines.next(), !line.content.isEmpty {
            fieldList.append(try Self.parseField(bytes, line))
        }
        fields = fieldList
        try classify(bytes, kind: kind, noBody: noBody, http10: http10)
    }

    private mutating func parseRequestLine(_ bytes: UnsafeRawBufferPointer, _ line: Range<Int>) throws(HTTPProxyParseError) -> Bool {
        guard let firstSpace = line.first(where: { bytes[$0] == HTTPProxyBytes.space }),
              let lastSpace = line.last(where: { bytes[$0] == HTTPProxyBytes.space }), lastSpace > firstSpace + 1
        else { throw .malformed("request line") }
        method = line.lowerBound..<firstSpace
        target = (firstSpace + 1)..<lastSpace
        guard !method.isEmpty else { throw .malformed("request line") }
        return try Self.version(bytes, (lastSpace + 1)..<line.upperBound)
    }

    private mutating func parseStatusLine(_ bytes: UnsafeRawBufferPointer, _ line: Range<Int>) throws(HTTPProxyParseError) -> Bool {
        let start = line.lowerBound
        guard line.count >= 12, bytes[start + 8] == HTTPProxyBytes.space else { throw .malformed("status line") }
        let http10 = try Self.version(bytes, start..<(start + 8))
        var code = 0
        for index in (start + 9)..<(start + 12) {
            let digit = bytes[index]
            guard digit >= UInt8(ascii: "0"), digit <= UInt8(ascii: "9") else { throw .malformed("status code") }
            code = code * 10 + Int(digit - UInt8(ascii: "0"))
        }
        status = code
        if line.count > 12 {
            guard bytes[start + 12] == HTTPProxyBytes.space else { throw .malformed("status line") }
            reason = (start + 13)..<line.upperBound
        } else {
            reason = line.upperBound..<line.upperBound
        }
        return http10
    }

    private static func version(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) throws(HTTPProxyParseError) -> Bool {
        guard range.count == 8, HTTPProxyBytes.equals(bytes, range.prefix(7), "HTTP/1.") else { throw .malformed("version") }
        switch bytes[range.lowerBound + 7] {
        case UInt8(ascii: "1"): return false
        case UInt8(ascii: "0"): return true
        default: throw .malformed("version")
        }
    }

    private static func parseField(_ bytes: UnsafeRawBufferPointer, _ line: LineIterator.Line) throws(HTTPProxyParseError) -> Field {
        let content = line.content
        guard let colon = content.first(where: { bytes[$0] == UInt8(ascii: ":") }), colon > content.lowerBound,
              !HTTPProxyBytes.isWhitespace(bytes[content.lowerBound]), !HTTPProxyBytes.isWhitespace(bytes[colon - 1])
        else { throw .malformed("header field") }
        let value = HTTPProxyBytes.trimmed(bytes, (colon + 1)..<content.upperBound)
        return Field(line: line.line, name: content.lowerBound..<colon, value: value)
    }

    /// Framing, persistence and hop-by-hop marking (RFC 9110 §7.6.1, RFC 9112 §6).
    private mutating func classify(
        _ bytes: UnsafeRawBufferPointer, kind: Kind, noBody: Bool, http10: Bool
    ) throws(HTTPProxyParseError) {
        var close = false
        var keepAlive = false
        var namedByConnection: [Range<Int>] = []
        var contentLength: Int?
        var transferEncoding: Range<Int>?
        for index in fields.indices {
            let name = fields[index].name
            let value = fields[index].value
            if HTTPProxyBytes.equalsIgnoringCase(bytes, name, "connection") {
                fields[index].hopByHop = true
                var onlyManagement = true
                for token in HTTPProxyBytes.tokens(bytes, value) {
                    if HTTPProxyBytes.equalsIgnoringCase(bytes, token, "close") {
                        close = true
                    } else if HTTPProxyBytes.equalsIgnoringCase(bytes, token, "keep-alive") {
                        keepAlive = true
                    } else {
                        onlyManagement = false
                        namedByConnection.append(token)
                    }
                }
                // close/keep-alive concern both hops alike (one upstream per client): kept verbatim.
                if onlyManagement { fields[index].hopByHop = false } else { hasHopByHop = true }
            } else if HTTPProxyBytes.isHopByHopName(bytes, name) {
                fields[index].hopByHop = true
                hasHopByHop = true
            } else if HTTPProxyBytes.equalsIgnoringCase(bytes, name, "transfer-encoding") {
                transferEncoding = value
            } else if HTTPProxyBytes.equalsIgnoringCase(bytes, name, "content-length") {
                // One plain number (the usual case) needs no token list.
                let values = HTTPProxyBytes.decimal(bytes, value).map { _ in [value] } ?? HTTPProxyBytes.tokens(bytes, value)
                for token in values {
                    guard let length = HTTPProxyBytes.decimal(bytes, token), contentLength == nil || contentLength == length
                    else { throw .malformed("content-length") }
                    contentLength = length
                }
            }
        }
        if !namedByConnection.isEmpty {
            for index in fields.indices where !fields[index].hopByHop {
                let name = fields[index].name
                if namedByConnection.contains(where: { HTTPProxyBytes.equalsIgnoringCase(bytes, name, $0) }) {
                    fields[index].hopByHop = true
                }
            }
        }
        needsCloseLine = close && hasHopByHop && !fields.contains {
            !$0.hopByHop && HTTPProxyBytes.equalsIgnoringCase(bytes, $0.name, "connection")
        }
        closesConnection = close || (http10 && !keepAlive)
        let chunked = transferEncoding.map { HTTPProxyBytes.lastTokenIsChunked(bytes, $0) }
        switch kind {
        case .request:
            if let chunked {
                // Both framings in one request is how requests are smuggled (RFC 9112 §6.3): refused.
                guard chunked, contentLength == nil else { throw .malformed("transfer-encoding") }
                framing = .chunked
            } else if let contentLength, contentLength > 0 {
                framing = .length(contentLength)
            }
        case .response:
            if noBody || (status >= 100 && status < 200) || status == 204 || status == 304 {
                framing = .none
            } else if let chunked {
                framing = chunked ? .chunked : .untilClose
            } else if let contentLength {
                framing = contentLength > 0 ? .length(contentLength) : .none
            } else {
                framing = .untilClose
            }
            if framing == .untilClose { closesConnection = true }
        }
    }
}

/// A message that is not valid HTTP/1.x.
struct HTTPProxyParseError: Error, CustomStringConvertible {
    let description: String
    static func malformed(_ what: String) -> HTTPProxyParseError { HTTPProxyParseError(description: "malformed \(what)") }
    static let headTooLarge = HTTPProxyParseError(description: "head too large")
}

/// Splits a head into lines ending in LF (CR LF or bare LF).
private struct LineIterator {
    struct Line {
        /// With the line ending.
        var line: Range<Int>
        /// Without it.
        var content: Range<Int>
    }

    let bytes: UnsafeRawBufferPointer
    var position = 0

    mutating func next() -> Line? {
        guard position < bytes.count else { return nil }
        var index = position
        while index < bytes.count, bytes[index] != HTTPProxyBytes.lineFeed { index += 1 }
        guard index < bytes.count else { return nil }
        let contentEnd = index > position && bytes[index - 1] == HTTPProxyBytes.carriageReturn ? index - 1 : index
        let line = Line(line: position..<(index + 1), content: position..<contentEnd)
        position = index + 1
        return line
    }
}
