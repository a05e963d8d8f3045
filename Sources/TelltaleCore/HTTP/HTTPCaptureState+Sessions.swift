import Foundation

extension HTTPCaptureState {
    // MARK: - Session keys

    /// The session the request alone tells: its `Mcp-Session-Id`, or for a POST the legacy endpoint
    /// it targets, else its `sessionId` query parameter.
    func requestKey(_ exchange: HTTPExchange) -> HTTPSessionKey? {
        if let id = exchange.requestSessionID { return .mcp(id) }
        guard exchange.method == "POST" else { return nil }
        if let key = endpoints[exchange.target] { return key }
        return exchange.querySessionID.map { .legacy($0) }
    }

    /// The response's `Mcp-Session-Id` (the initialize reply), if any.
    func responseKey(_ exchange: HTTPExchange) -> HTTPSessionKey? {
        guard let id = exchange.response?.headers["Mcp-Session-Id"], !id.isEmpty else { return nil }
        return .mcp(id)
    }

    /// The last resorts: for 2026-07-28 traffic the trace id (`_meta` first, then the `traceparent`
    /// header), else the connection. Handshake-era sessionless requests stay grouped per connection even
    /// when they carry a trace: there a trace spans whatever the caller chose, not one client session.
    func sessionlessKey(_ exchange: HTTPExchange) -> HTTPSessionKey {
        let body = exchange.requestBody
        let scan = body.bytes.withUnsafeBytes { HTTPCaptureState.sessionlessHints(in: $0, truncated: body.truncated) }
        let modern = scan.modern || exchange.hasMethodHeader
        if modern, let trace = scan.traceID ?? exchange.context.trace?.traceId { return .trace(trace) }
        return .connection(exchange.connectionID)
    }

    /// The trace id of the first message carrying `_meta.traceparent`, and whether any request or
    /// notification other than `initialize` carries the 2026-07-28 `_meta` protocol version.
    static func sessionlessHints(in body: UnsafeRawBufferPointer, truncated: Bool) -> (traceID: String?, modern: Bool) {
        var traceID: String?
        var modern = false
        for message in HTTPSession.messages(in: body, truncated: truncated) {
            if traceID == nil, let traceparent = message.traceparent, let trace = TraceContext(traceparent: traceparent) {
                traceID = trace.traceId
            }
            if message.kind == .request || message.kind == .notification,
               message.method != "initialize", message.protocolVersion != nil {
                modern = true
            }
        }
        return (traceID, modern)
    }

    // MARK: - Binding

    /// Binds an unbound exchange when its session can be told. The last resorts (trace,
    /// connection) apply once the response head is there and the request body is complete and
    /// not empty, or when `final` (a message must be fed now).
    mutating func bindIfPossible(_ exchange: inout HTTPExchange, at instant: CaptureInstant, final: Bool) {
        guard exchange.session == nil else { return }
        if let key = requestKey(exchange) ?? responseKey(exchange) {
            bind(&exchange, to: key, at: instant)
        } else if final || (exchange.response != nil && exchange.requestEnded && !exchange.requestBody.isEmpty) {
            bind(&exchange, to: sessionlessKey(exchange), at: instant)
        }
    }

    /// Binds (or re-binds) the exchange to `key`, creating the session if needed.
    mutating func bind(_ exchange: inout HTTPExchange, to key: HTTPSessionKey, at instant: CaptureInstant) {
        guard exchange.session != key else { return }
        if let old = exchange.session { release(old) }
        exchange.session = key
        ensureSession(key, at: instant)
        sessions[key]?.activeExchanges += 1
        sessions[key]?.touch(at: instant)
    }

    /// One exchange bound to `key` is gone.
    private mutating func release(_ key: HTTPSessionKey) {
        if let count = sessions[key]?.activeExchanges, count > 0 { sessions[key]?.activeExchanges = count - 1 }
    }

    /// Creates the session of `key` if it does not exist.
    mutating func ensureSession(_ key: HTTPSessionKey, at instant: CaptureInstant) {
        guard sessions[key] == nil else { return }
        let id: String
        switch key {
        case .mcp(let value), .legacy(let value), .trace(let value): id = value
        case .connection: id = ids.newID(at: instant.wall)
        }
        var capture = options.capture
        capture.transport = key.transport
        var session = HTTPSession(id: id, options: capture, at: instant)
        if case .legacy = key { session.keepsEarlyResponses = true }
        sessions[key] = session
    }

    // MARK: - Feeding

    /// Feeds the request body once the exchange is bound and the body complete (or `force`: the
    /// exchange ends, what arrived is fed, marked truncated if the body did not end).
    mutating func feedRequest(_ exchange: inout HTTPExchange, at instant: CaptureInstant, force: Bool,
                              into calls: inout [Call]) {
        guard !exchange.requestFed, exchange.requestEnded || force else { return }
        guard !exchange.requestBody.isEmpty else {
            exchange.requestFed = true
            return
        }
        bindIfPossible(&exchange, at: instant, final: false)
        // When forced, `feed` binds the last resorts itself, and only if the body holds messages.
        guard exchange.session != nil || force else { return }
        exchange.requestFed = true
        let body = exchange.requestBody
        let truncated = body.truncated || !exchange.requestEnded
        let startedAt = exchange.requestEndedAt ?? instant
        body.bytes.withUnsafeBytes { bytes in
            feed(bytes, byteCount: body.byteCount, truncated: truncated, from: .client, exchange: &exchange,
                 at: startedAt, into: &calls)
        }
        exchange.requestBody = HTTPBodyBuffer(limit: body.limit)
    }

    /// Feeds one message body (a JSON reply, an SSE event's data) into the exchange's session.
    mutating func feed(_ bytes: UnsafeRawBufferPointer, byteCount: Int, truncated: Bool, from source: MessageSource,
                       exchange: inout HTTPExchange, at instant: CaptureInstant, into calls: inout [Call]) {
        let messages = HTTPSession.messages(in: bytes, truncated: truncated)
        guard !messages.isEmpty else { return }
        bindIfPossible(&exchange, at: instant, final: true)
        guard let key = exchange.session else { return }
        ensureSession(key, at: instant)
        let opened = sessions[key]?.feed(messages, body: bytes, byteCount: byteCount, from: source,
                                         context: exchange.context, at: instant, into: &calls) ?? []
        if source == .client { exchange.openRequests += opened }
    }

    // MARK: - Ending

    /// Ends the exchange's still-open requests with `outcome`.
    mutating func endOpenRequests(_ exchange: inout HTTPExchange, _ outcome: CallOutcome, _ message: String,
                                  at instant: CaptureInstant, into calls: inout [Call]) {
        defer { exchange.openRequests = [] }
        guard let key = exchange.session, !exchange.openRequests.isEmpty else { return }
        for request in exchange.openRequests {
            sessions[key]?.tracker.end(request, outcome: outcome, message: message, at: instant, into: &calls)
        }
    }

    /// The exchange is over: a legacy SSE stream closes its session with `reason`; any other
    /// exchange just stops keeping its session alive.
    mutating func endExchange(_ exchange: inout HTTPExchange, reason: String, at instant: CaptureInstant,
                              into calls: inout [Call]) {
        exchange.ended = true
        exchange.openRequests = []
        exchange.reading = .none
        guard let key = exchange.session else { return }
        if exchange.isLegacyStream {
            closeSession(key, reason: reason, at: instant, into: &calls)
        } else {
            release(key)
            sessions[key]?.touch(at: instant)
        }
    }

    /// Removes a session; its open requests become `noResponse` with `reason`.
    mutating func closeSession(_ key: HTTPSessionKey, reason: String, at instant: CaptureInstant,
                               into calls: inout [Call]) {
        guard var session = sessions.removeValue(forKey: key) else { return }
        session.tracker.close(at: instant, reason: reason, into: &calls)
        if let endpoint = session.endpoint, endpoints[endpoint] == key { endpoints[endpoint] = nil }
    }

    // MARK: - Legacy endpoints

    /// `event: endpoint` on a GET stream: the stream becomes the legacy session's reply channel.
    mutating func registerEndpoint(_ event: SSEEvent, exchange: inout HTTPExchange, at instant: CaptureInstant) {
        guard let endpoint = HTTPCaptureState.endpointTarget(event.text, streamPath: exchange.path) else { return }
        let id = HTTPExchange.queryValue(in: endpoint, named: "sessionId")
            ?? HTTPExchange.queryValue(in: endpoint, named: "session_id")
            ?? ids.newID(at: instant.wall)
        let key = HTTPSessionKey.legacy(id)
        bind(&exchange, to: key, at: instant)
        exchange.isLegacyStream = true
        if let previous = sessions[key]?.endpoint, previous != endpoint { endpoints[previous] = nil }
        sessions[key]?.endpoint = endpoint
        endpoints[endpoint] = key
    }

    /// The path and query of an announced endpoint (absolute URLs lose scheme and authority;
    /// relative references resolve against the stream's path).
    static func endpointTarget(_ announced: String, streamPath: String) -> String? {
        let text = announced.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { return nil }
        if let scheme = text.range(of: "://") {
            let rest = text[scheme.upperBound...]
            guard let slash = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) else { return "/" }
            let target = String(rest[slash...])
            return target.hasPrefix("?") ? "/" + target : target
        }
        if text.hasPrefix("/") { return text }
        let directory = streamPath.lastIndex(of: "/").map { String(streamPath[...$0]) } ?? "/"
        return directory + text
    }
}
