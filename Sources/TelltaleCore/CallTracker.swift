import Foundation

/// Pairs JSON-RPC requests with their outcomes, in both directions, and stamps session identity.
///
/// Not thread-safe: the caller serializes access (``StdioCaptureSession`` is driven under a lock).
/// Ids of client→server and server→client requests are separate spaces. Identity (client, server,
/// protocol version) is learnt from `initialize` and from 2026-07-28 `_meta` keys and
/// `server/discover`, remembered for the session and stamped on every later Call.
public struct CallTracker: Sendable {
    struct PendingKey: Hashable {
        var direction: CallDirection
        var id: String
    }

    struct Pending {
        var call: Call
        var startNs: UInt64
        /// The client identity to stamp when neither the message nor the session names one.
        var fallbackClient: PeerInfo?

        /// Nanoseconds from the request until `instant` (0 if the clock went backwards).
        func durationNs(at instant: CaptureInstant) -> Int64 {
            Int64(clamping: instant.monotonicNs >= startNs ? instant.monotonicNs - startNs : 0)
        }

        /// The call, ended at `instant` with `outcome` and no response.
        func ended(_ outcome: CallOutcome, _ message: String?, at instant: CaptureInstant) -> Call {
            var ended = call
            ended.outcome = outcome
            ended.errorMessage = message
            ended.durationNs = durationNs(at: instant)
            return ended
        }
    }

    /// Counters of messages that did not produce a Call.
    public struct Stats: Sendable, Equatable {
        /// Responses whose id matched no open request (late after cancel/timeout, or unknown).
        public var unmatchedResponses = 0
        /// Requests replaced by a new request with the same id while still open.
        public var reusedIDs = 0
    }

    /// The session id stamped on every Call.
    public let sessionID: String
    /// Tags, payload policy, timeout and transport applied to every Call.
    public var options: CaptureOptions
    /// The client, as last identified in this session.
    public private(set) var client: PeerInfo?
    /// The server, as last identified in this session.
    public private(set) var server: PeerInfo?
    /// The protocol version in use, as last seen in this session.
    public private(set) var protocolVersion: String?
    /// Versions the server listed in its `server/discover` result.
    public private(set) var supportedVersions: [String]?
    /// Messages that produced no Call, counted.
    public private(set) var stats = Stats()
    var pending: [PendingKey: Pending] = [:]
    /// What the transport knows about the messages being observed (HTTP: client address, header
    /// trace, `User-Agent` identity, context-header tags); empty for stdio. Set before `observe`.
    package var requestContext = RequestContext()
    /// Call ids (fast; `UUID()` is too slow for the hot path on Linux).
    package var ids = CallIDGenerator()

    /// Creates a tracker for one session.
    public init(sessionID: String, options: CaptureOptions) {
        self.sessionID = sessionID
        self.options = options
    }

    /// Requests waiting for an outcome.
    public var openRequests: Int { pending.count }

    /// Processes one framed line; returns false when it holds no JSON-RPC message (pollution).
    ///
    /// - Parameters:
    ///   - line: the line's bytes (only the head when `truncated`).
    ///   - byteCount: the line's full size on the wire.
    public mutating func observe(
        line: UnsafeRawBufferPointer, byteCount: Int, truncated: Bool = false,
        from source: MessageSource, at instant: CaptureInstant, into calls: inout [Call]
    ) -> Bool {
        switch MessageScanner.scan(line, truncated: truncated) {
        case .message(let message):
            observe(message, line: line, byteCount: byteCount, from: source, at: instant, into: &calls)
            return true
        case .batch(let messages):
            for message in messages {
                observe(message, line: line, byteCount: byteCount, from: source, at: instant, into: &calls)
            }
            return true
        case .empty:
            return true
        case .notJSONRPC:
            return false
        }
    }

    /// Processes one scanned message whose ranges index into `line`.
    public mutating func observe(
        _ message: MCPMessage, line: UnsafeRawBufferPointer, byteCount: Int,
        from source: MessageSource, at instant: CaptureInstant, into calls: inout [Call]
    ) {
        learnIdentity(from: message, source: source)
        switch message.kind {
        case .request:
            startRequest(message, line: line, byteCount: byteCount, from: source, at: instant, into: &calls)
        case .notification:
            recordNotification(message, line: line, byteCount: byteCount, from: source, at: instant, into: &calls)
        case .response, .errorResponse:
            completeRequest(message, line: line, byteCount: byteCount, from: source, at: instant, into: &calls)
        }
    }

    /// Records every request open for longer than the timeout as `noResponse`.
    public mutating func expire(at instant: CaptureInstant, into calls: inout [Call]) {
        let timeout = options.requestTimeoutNs
        let expired = pending.filter { instant.monotonicNs &- $0.value.startNs >= timeout && instant.monotonicNs >= $0.value.startNs }
        guard !expired.isEmpty else { return }
        let seconds = timeout % 1_000_000_000 == 0 ? String(timeout / 1_000_000_000) : String(Double(timeout) / 1e9)
        for (key, entry) in expired.sorted(by: { $0.value.startNs < $1.value.startNs }) {
            pending[key] = nil
            calls.append(finalized(entry, entry.ended(.noResponse, "no response within \(seconds) s", at: instant)))
        }
    }

    /// The connection closed: every open request is recorded as `noResponse` with `reason`.
    public mutating func close(at instant: CaptureInstant, reason: String = "connection closed", into calls: inout [Call]) {
        for entry in pending.values.sorted(by: { $0.startNs < $1.startNs }) {
            calls.append(finalized(entry, entry.ended(.noResponse, reason, at: instant)))
        }
        pending.removeAll()
    }

    // MARK: - Internals

    private mutating func learnIdentity(from message: MCPMessage, source: MessageSource) {
        switch source {
        case .client:
            if let info = message.clientInfo, message.kind == .request || message.kind == .notification { client = info }
            if let version = message.protocolVersion, message.method != "initialize" || protocolVersion == nil {
                protocolVersion = version
            }
        case .server:
            if let info = message.serverInfo { server = info }
            if message.kind == .response, let version = message.protocolVersion { protocolVersion = version }
            if let versions = message.supportedVersions { supportedVersions = versions }
        }
    }

    private func payload(_ range: Range<Int>?, of message: MCPMessage, line: UnsafeRawBufferPointer, byteCount: Int) -> JSONValue? {
        guard options.payloads.capture, let range, range.upperBound <= line.count else { return nil }
        let bytes = UnsafeRawBufferPointer(rebasing: line[range])
        if message.complete { return options.payloads.payload(bytes) }
        return options.payloads.payload(bytes, complete: false, originalBytes: byteCount - range.lowerBound)
    }

    private mutating func newCall(_ message: MCPMessage, kind: CallKind, direction: CallDirection, line: UnsafeRawBufferPointer,
                         byteCount: Int, source: MessageSource, at instant: CaptureInstant) -> Call {
        var call = Call(
            id: ids.newID(at: instant.wall), startedAt: instant.wall, kind: kind, direction: direction, method: message.method ?? "",
            target: message.target, requestId: message.id, session: sessionID,
            transport: options.transport, tags: options.tags,
            request: payload(message.params, of: message, line: line, byteCount: byteCount),
            requestBytes: byteCount
        )
        if source == .client {
            call.client = message.clientInfo
            if message.method != "initialize" { call.protocolVersion = message.protocolVersion }
        }
        if let traceparent = message.traceparent {
            call.trace = TraceContext(traceparent: traceparent, tracestate: message.tracestate)
        }
        applyContext(to: &call, source: source)
        return call
    }

    private mutating func startRequest(_ message: MCPMessage, line: UnsafeRawBufferPointer, byteCount: Int,
                                       from source: MessageSource, at instant: CaptureInstant, into calls: inout [Call]) {
        guard let id = message.id else { return }
        let direction = source.requestDirection
        let call = newCall(message, kind: .request, direction: direction, line: line, byteCount: byteCount,
                           source: source, at: instant)
        let key = PendingKey(direction: direction, id: id)
        if let previous = pending[key] {
            stats.reusedIDs += 1
            calls.append(finalized(previous, previous.ended(.noResponse, "superseded by a new request with the same id", at: instant)))
        }
        pending[key] = Pending(call: call, startNs: instant.monotonicNs, fallbackClient: requestContext.fallbackClient)
    }

    private mutating func recordNotification(_ message: MCPMessage, line: UnsafeRawBufferPointer, byteCount: Int,
                                             from source: MessageSource, at instant: CaptureInstant, into calls: inout [Call]) {
        let direction = source.requestDirection
        if message.method == "notifications/cancelled", let id = message.cancelledRequestId,
           let entry = pending.removeValue(forKey: PendingKey(direction: direction, id: id)) {
            calls.append(finalized(entry, entry.ended(.cancelled, message.cancelReason, at: instant)))
        }
        let call = newCall(message, kind: .notification, direction: direction, line: line, byteCount: byteCount,
                           source: source, at: instant)
        calls.append(stamped(call, fallbackClient: requestContext.fallbackClient))
    }

    private mutating func completeRequest(_ message: MCPMessage, line: UnsafeRawBufferPointer, byteCount: Int,
                                          from source: MessageSource, at instant: CaptureInstant, into calls: inout [Call]) {
        // A response travels against its request: the server answers requests sent .toServer.
        let direction: CallDirection = source == .server ? .toServer : .toClient
        guard let id = message.id, let entry = pending.removeValue(forKey: PendingKey(direction: direction, id: id)) else {
            stats.unmatchedResponses += 1
            return
        }
        var call = entry.call
        call.durationNs = entry.durationNs(at: instant)
        call.responseBytes = byteCount
        if message.kind == .errorResponse {
            call.outcome = .error
            call.errorCode = message.errorCode
            call.errorMessage = message.errorMessage
            call.response = payload(message.error, of: message, line: line, byteCount: byteCount)
        } else {
            call.outcome = message.isError ? .toolError : .ok
            if message.isError { call.errorMessage = message.toolErrorText }
            call.response = payload(message.result, of: message, line: line, byteCount: byteCount)
        }
        if source == .server {
            if let info = message.serverInfo { call.server = info }
            if let version = message.protocolVersion { call.protocolVersion = version }
        }
        calls.append(finalized(entry, call))
    }

    /// Fills identity the call did not carry itself from what the session knows, then from
    /// `fallbackClient` (HTTP: the `User-Agent`).
    package func stamped(_ call: Call, fallbackClient: PeerInfo? = nil) -> Call {
        var call = call
        if call.client == nil { call.client = client ?? fallbackClient }
        if call.server == nil { call.server = server }
        if call.protocolVersion == nil { call.protocolVersion = protocolVersion }
        return call
    }
}
