import Foundation

/// Capture state of one HTTP exchange: what its request said, its buffered bodies, its session.
///
/// Owned by the exchange's observer and touched from one thread at a time. The byte-level work
/// (``appendRequestBody(_:)``, ``appendResponseBody(_:)``: buffering and SSE parsing) needs no
/// shared state; everything that touches sessions goes through ``HTTPCaptureState``.
package struct HTTPExchange: Sendable {
    /// How the response body is read.
    package enum ResponseReading: Sendable {
        /// No response head yet, or the exchange ended.
        case none
        /// A body capture cannot read (a `Content-Encoding` such as gzip): forwarded, not parsed.
        case ignored
        /// Buffered whole (up to the cap): a JSON reply, or an error body.
        case buffered
        /// `text/event-stream`: parsed event by event.
        case events(SSEParser)
    }

    /// The request method, upper case.
    package let method: String
    /// The request target (path and query).
    package let target: String
    /// The path part of the target.
    package let path: String
    /// The downstream connection.
    package let connectionID: UInt64
    /// The request's `Mcp-Session-Id` header.
    package let requestSessionID: String?
    /// The `sessionId` (or `session_id`) query parameter.
    package let querySessionID: String?
    /// Client address, `User-Agent` identity, header trace and context tags of the request.
    package let context: CallTracker.RequestContext

    /// Whether the request body has a `Content-Encoding` capture cannot read (it is not parsed).
    package let requestEncoded: Bool
    /// The request carries the 2026-07-28 `Mcp-Method` header.
    package let hasMethodHeader: Bool
    /// The request body (head up to the cap).
    package var requestBody: HTTPBodyBuffer
    /// When the request body ended, if it did.
    package var requestEndedAt: CaptureInstant?
    /// Whether the request body was handed to a tracker.
    package var requestFed = false
    /// The response head, once it arrived.
    package var response: HTTPResponseSummary?
    /// How the response body is read.
    package var reading = ResponseReading.none
    /// The buffered response body (when ``reading`` is `.buffered`).
    package var responseBody: HTTPBodyBuffer
    /// The session the exchange is bound to.
    package var session: HTTPSessionKey?
    /// Client→server requests this exchange carried that may still be open.
    package var openRequests: [CallTracker.OpenRequest] = []
    /// This exchange is a legacy SSE stream (it announced an endpoint).
    package var isLegacyStream = false
    /// The exchange ended (response ended or failed); later hooks are ignored.
    package var ended = false

    /// The state of a new exchange, with the request's capture context.
    package init(_ request: HTTPRequestSummary, options: HTTPCaptureOptions) {
        method = request.method.uppercased()
        target = request.target
        path = String(request.path)
        connectionID = request.connectionID
        requestSessionID = request.headers["Mcp-Session-Id"].flatMap { $0.isEmpty ? nil : $0 }
        querySessionID = HTTPExchange.queryValue(in: request.target, named: "sessionId")
            ?? HTTPExchange.queryValue(in: request.target, named: "session_id")
        let trace = request.headers["traceparent"].flatMap {
            TraceContext(traceparent: $0, tracestate: request.headers["tracestate"])
        }
        context = CallTracker.RequestContext(
            clientAddress: request.clientAddress,
            fallbackClient: request.headers["User-Agent"].flatMap(HTTPExchange.peer(userAgent:)),
            trace: trace,
            tags: options.contextTags(request.headers)
        )
        requestEncoded = HTTPExchange.isEncoded(request.headers)
        hasMethodHeader = request.headers["Mcp-Method"] != nil
        requestBody = HTTPBodyBuffer(limit: options.capture.maxLineBytes)
        responseBody = HTTPBodyBuffer(limit: options.capture.maxLineBytes)
    }

    /// Whether the request body is complete.
    package var requestEnded: Bool { requestEndedAt != nil }

    /// Buffers a part of the request body.
    package mutating func appendRequestBody(_ bytes: UnsafeRawBufferPointer) {
        guard !ended, !requestEnded, !requestEncoded else { return }
        requestBody.append(bytes)
    }

    /// Buffers or parses a part of the response body; returns the SSE events it completed.
    package mutating func appendResponseBody(_ bytes: UnsafeRawBufferPointer) -> [SSEEvent] {
        guard !ended else { return [] }
        switch reading {
        case .none, .ignored:
            return []
        case .buffered:
            responseBody.append(bytes)
            return []
        case .events(var parser):
            reading = .none
            let events = parser.events(in: bytes)
            reading = .events(parser)
            return events
        }
    }

    /// Whether the body of a message with these headers has a content coding other than identity.
    package static func isEncoded(_ headers: HTTPFields) -> Bool {
        guard let coding = headers["Content-Encoding"] else { return false }
        let trimmed = coding.trimmingCharacters(in: .whitespaces).lowercased()
        return !trimmed.isEmpty && trimmed != "identity"
    }

    /// Client identity from a `User-Agent`: `product/version` of its first token.
    package static func peer(userAgent: String) -> PeerInfo? {
        guard let token = userAgent.split(whereSeparator: { $0 == " " || $0 == "\t" }).first else { return nil }
        let parts = token.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        let name = String(parts[0].prefix(128))
        guard !name.isEmpty else { return nil }
        let version = parts.count > 1 && !parts[1].isEmpty ? String(parts[1].prefix(128)) : nil
        return PeerInfo(name: name, version: version)
    }

    /// The first value of query parameter `name` in `target`, percent-decoded.
    package static func queryValue(in target: String, named name: String) -> String? {
        guard let question = target.firstIndex(of: "?") else { return nil }
        var query = target[target.index(after: question)...]
        if let hash = query.firstIndex(of: "#") { query = query[..<hash] }
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts[0] == name, parts.count == 2, !parts[1].isEmpty else { continue }
            let raw = parts[1].replacingOccurrences(of: "+", with: " ")
            return raw.removingPercentEncoding ?? raw
        }
        return nil
    }
}
