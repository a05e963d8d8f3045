import Foundation

/// The shared state of HTTP capture: one ``CallTracker`` per session, and the rules that bind
/// exchanges to sessions and turn HTTP events into Call outcomes.
///
/// Not thread-safe: the caller serializes access (the adapter holds it in a `Mutex`). Each
/// exchange's own state lives in an ``HTTPExchange`` the caller passes in; byte-level work
/// (buffering, SSE parsing) happens on the exchange outside this state. No clocks: every method
/// takes the ``CaptureInstant`` of the event.
///
/// Session key, first match: the request's `Mcp-Session-Id`; for a POST, the session of the legacy
/// endpoint it targets, else its `sessionId`/`session_id` query parameter; the response's
/// `Mcp-Session-Id` (initialize reply); the trace id (`_meta` traceparent, else the header); the
/// downstream connection (a generated session id, never added to any traffic). A request whose
/// session the request alone does not tell is fed when the response head arrives.
package struct HTTPCaptureState: Sendable {
    /// Options of every session.
    package let options: HTTPCaptureOptions
    /// Live sessions by key.
    package internal(set) var sessions: [HTTPSessionKey: HTTPSession] = [:]
    /// Announced legacy message endpoints (path and query) → their session.
    package internal(set) var endpoints: [String: HTTPSessionKey] = [:]
    var ids = CallIDGenerator()

    /// Empty state.
    package init(options: HTTPCaptureOptions) {
        self.options = options
    }

    /// Requests waiting for an outcome, over all sessions.
    package var openRequests: Int { sessions.values.reduce(0) { $0 + $1.tracker.openRequests } }

    // MARK: - Exchange events

    /// The request body is complete: feeds it now when the request tells its session.
    package mutating func requestEnded(_ exchange: inout HTTPExchange, at instant: CaptureInstant) -> [Call] {
        guard !exchange.ended, !exchange.requestEnded else { return [] }
        exchange.requestEndedAt = instant
        var calls: [Call] = []
        bindIfPossible(&exchange, at: instant, final: false)
        feedRequest(&exchange, at: instant, force: false, into: &calls)
        return calls
    }

    /// The response head arrived: binds the exchange (initialize reply's `Mcp-Session-Id`), feeds a
    /// deferred request, prepares the body reading; a successful DELETE closes its session.
    package mutating func responseHead(_ response: HTTPResponseSummary, exchange: inout HTTPExchange,
                                       at instant: CaptureInstant) -> [Call] {
        guard !exchange.ended, exchange.response == nil else { return [] }
        exchange.response = response
        let contentType = response.headers["Content-Type"]?.lowercased() ?? ""
        if HTTPExchange.isEncoded(response.headers) {
            exchange.reading = .ignored
        } else if contentType.hasPrefix("text/event-stream") {
            exchange.reading = .events(SSEParser(maxEventBytes: options.capture.maxLineBytes))
        } else {
            exchange.reading = .buffered
        }
        var calls: [Call] = []
        bindIfPossible(&exchange, at: instant, final: false)
        feedRequest(&exchange, at: instant, force: false, into: &calls)
        if exchange.method == "DELETE", response.status < 400, let key = exchange.session, case .mcp = key {
            closeSession(key, reason: "session deleted", at: instant, into: &calls)
        }
        return calls
    }

    /// SSE events of the response: `endpoint` announces a legacy session; every other event's data
    /// is fed as server message(s).
    package mutating func responseEvents(_ events: [SSEEvent], exchange: inout HTTPExchange,
                                         at instant: CaptureInstant) -> [Call] {
        guard !exchange.ended else { return [] }
        var calls: [Call] = []
        for event in events {
            if event.type == "endpoint" {
                registerEndpoint(event, exchange: &exchange, at: instant)
                continue
            }
            event.data.withUnsafeBytes { data in
                feed(data, byteCount: event.dataByteCount, truncated: event.truncated, from: .server,
                     exchange: &exchange, at: instant, into: &calls)
            }
        }
        return calls
    }

    /// The response is complete: feeds a buffered reply; an unanswered status ≥ 400 ends the
    /// exchange's requests as `error`; the end of a legacy SSE stream closes its session.
    package mutating func responseEnded(_ exchange: inout HTTPExchange, at instant: CaptureInstant) -> [Call] {
        guard !exchange.ended else { return [] }
        var calls: [Call] = []
        feedRequest(&exchange, at: instant, force: true, into: &calls)
        if case .buffered = exchange.reading, !exchange.responseBody.isEmpty {
            let body = exchange.responseBody
            body.bytes.withUnsafeBytes { bytes in
                feed(bytes, byteCount: body.byteCount, truncated: body.truncated, from: .server,
                     exchange: &exchange, at: instant, into: &calls)
            }
        }
        if let message = exchange.statusErrorMessage {
            endOpenRequests(&exchange, .error, message, at: instant, into: &calls)
        }
        endExchange(&exchange, reason: "SSE stream closed", at: instant, into: &calls)
        return calls
    }

    /// The exchange failed: unreachable → its requests `error`; upstream failure or client gone →
    /// its open requests `noResponse`; a failed legacy SSE stream closes its session.
    package mutating func failed(_ failure: HTTPExchangeFailure, exchange: inout HTTPExchange,
                                 at instant: CaptureInstant) -> [Call] {
        guard !exchange.ended else { return [] }
        var calls: [Call] = []
        feedRequest(&exchange, at: instant, force: true, into: &calls)
        switch failure {
        case .upstreamUnreachable:
            endOpenRequests(&exchange, .error, failure.description, at: instant, into: &calls)
        case .upstreamFailed, .clientGone:
            endOpenRequests(&exchange, .noResponse, failure.description, at: instant, into: &calls)
        }
        endExchange(&exchange, reason: failure.description, at: instant, into: &calls)
        return calls
    }

    /// A downstream connection closed: its per-connection session ends ("connection closed").
    package mutating func connectionClosed(_ connectionID: UInt64, at instant: CaptureInstant) -> [Call] {
        var calls: [Call] = []
        closeSession(.connection(connectionID), reason: "connection closed", at: instant, into: &calls)
        return calls
    }

    /// Timeouts of open requests in every session, then eviction of idle sessions (nothing open,
    /// no live exchange, idle for ``HTTPCaptureOptions/sessionIdleTimeout``; beyond
    /// ``HTTPCaptureOptions/maxSessions``, the least recently active of those with nothing open).
    package mutating func tick(at instant: CaptureInstant) -> [Call] {
        var calls: [Call] = []
        var evicted: [HTTPSessionKey] = []
        let idleNs = options.sessionIdleTimeoutNs
        var idle: [(key: HTTPSessionKey, lastActivityNs: UInt64)] = []
        for index in sessions.indices {
            if sessions.values[index].tracker.openRequests > 0 {
                sessions.values[index].tracker.expire(at: instant, into: &calls)
            }
            sessions.values[index].expireEarlyResponses(at: instant)
            let session = sessions.values[index]
            if session.evictable(at: instant, idleNs: idleNs) {
                evicted.append(sessions.keys[index])
            } else if session.evictable(at: instant, idleNs: 0) {
                idle.append((sessions.keys[index], session.lastActivityNs))
            }
        }
        // Over the cap, the least recently active sessions with nothing open go first.
        let excess = sessions.count - evicted.count - options.maxSessions
        if excess > 0 {
            evicted += idle.sorted { $0.lastActivityNs < $1.lastActivityNs }.prefix(excess).map(\.key)
        }
        for key in evicted {
            if let endpoint = sessions.removeValue(forKey: key)?.endpoint, endpoints[endpoint] == key {
                endpoints[endpoint] = nil
            }
        }
        return calls
    }

    /// Ends capture: every open request of every session becomes `noResponse` ("capture stopped").
    package mutating func finish(at instant: CaptureInstant) -> [Call] {
        var calls: [Call] = []
        for key in Array(sessions.keys) {
            closeSession(key, reason: "capture stopped", at: instant, into: &calls)
        }
        endpoints.removeAll()
        return calls
    }
}
