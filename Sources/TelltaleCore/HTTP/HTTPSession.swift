/// One capture session of HTTP traffic: its tracker and what keeps it alive.
package struct HTTPSession: Sendable {
    /// Pairs the session's messages.
    package var tracker: CallTracker
    /// When the session last saw traffic (monotonic ns).
    package var lastActivityNs: UInt64
    /// Exchanges bound to the session that have not ended (an open SSE stream keeps it alive).
    package var activeExchanges = 0
    /// The legacy message endpoint (`/messages/?session_id=…`) announced for the session.
    package var endpoint: String?
    /// Whether server responses that match no open request are kept briefly (legacy sessions:
    /// a reply on the SSE stream can be observed before the end of the POST that carried its request).
    package var keepsEarlyResponses = false
    /// Server responses waiting for their request (see ``keepsEarlyResponses``).
    package var earlyResponses: [EarlyResponse] = []

    /// A session with a fresh tracker.
    package init(id: String, options: CaptureOptions, at instant: CaptureInstant) {
        tracker = CallTracker(sessionID: id, options: options)
        lastActivityNs = instant.monotonicNs
    }

    /// Notes traffic at `instant`.
    package mutating func touch(at instant: CaptureInstant) {
        lastActivityNs = max(lastActivityNs, instant.monotonicNs)
    }

    /// Whether the session can be forgotten: idle for `idleNs`, nothing open.
    package func evictable(at instant: CaptureInstant, idleNs: UInt64) -> Bool {
        activeExchanges <= 0 && tracker.openRequests == 0
            && instant.monotonicNs >= lastActivityNs && instant.monotonicNs - lastActivityNs >= idleNs
    }

    /// Feeds scanned `messages` (ranges index into `body`) to the tracker under `context`;
    /// returns the client→server requests they opened.
    package mutating func feed(
        _ messages: [MCPMessage], body: UnsafeRawBufferPointer, byteCount: Int, from source: MessageSource,
        context: CallTracker.RequestContext, at instant: CaptureInstant, into calls: inout [Call]
    ) -> [CallTracker.OpenRequest] {
        touch(at: instant)
        tracker.requestContext = context
        defer { tracker.requestContext = CallTracker.RequestContext() }
        var opened: [CallTracker.OpenRequest] = []
        for message in messages {
            if keepsEarlyResponses, source == .server, let id = message.id,
               message.kind == .response || message.kind == .errorResponse,
               tracker.openRequest(direction: .toServer, id: id) == nil {
                keepEarlyResponse(id: id, body: body, byteCount: byteCount, truncated: !message.complete, at: instant)
                continue
            }
            tracker.observe(message, line: body, byteCount: byteCount, from: source, at: instant, into: &calls)
            if source == .client, message.kind == .request, let id = message.id,
               let open = tracker.openRequest(direction: .toServer, id: id) {
                opened.append(open)
                replayEarlyResponse(id: id, into: &calls)
            }
        }
        return opened
    }

    /// The JSON-RPC messages of a body (one message or a batch); empty when it holds none.
    package static func messages(in body: UnsafeRawBufferPointer, truncated: Bool) -> [MCPMessage] {
        switch MessageScanner.scan(body, truncated: truncated) {
        case .message(let message): [message]
        case .batch(let batch): batch
        case .empty, .notJSONRPC: []
        }
    }
}
