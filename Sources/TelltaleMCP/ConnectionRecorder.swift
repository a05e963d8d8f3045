import Foundation
import MCP
import TelltaleCore

/// Turns the frames of one connection into Call records with TelltaleCore's ``CallTracker``, and decides
/// the session id they carry.
///
/// Owned by one ``ConnectionMonitor``'s background task (never shared). Pairing, outcomes, identity,
/// trace context, redaction and payload caps are the tracker's; this type adds what only an in-process
/// observer knows: the HTTP request behind a frame, the late-attach check and the shape check.
struct ConnectionRecorder: Sendable {
    /// What processing one frame found, beyond the calls it produced.
    enum Finding: Equatable {
        /// The first frame from the client was not the start of a connection.
        case lateAttach(firstMethod: String)
        /// The first frame holds no JSON-RPC message: the frames are not understood.
        case notUnderstood(preview: String)
    }

    /// How long calls wait for an HTTP session id before they go out under the synthetic one.
    static let sessionWait: UInt64 = 10_000_000_000

    private(set) var tracker: CallTracker
    /// `Mcp-Session-Id` learnt from the HTTP requests, stamped instead of the synthetic session id.
    private(set) var httpSessionID: String?
    /// False while an HTTP connection may still reveal its `Mcp-Session-Id`: calls are held until it does.
    private var sessionResolved: Bool
    private var held: [Call] = []
    private var heldSince: UInt64 = 0
    private var sawClientMessage = false
    private var sawMessage = false
    /// Frames without a JSON-RPC message after valid ones.
    private(set) var unparsedFrames = 0
    /// A session decision taken while observing a frame (`.some(nil)`: no session header, stateless),
    /// applied once the frame is processed.
    private var pendingSession: String?? = .none

    init(sessionID: String, options: CaptureOptions) {
        tracker = CallTracker(sessionID: sessionID, options: options)
        sessionResolved = options.transport != .http
    }

    /// The session id the connection's calls carry now.
    var sessionID: String { httpSessionID ?? tracker.sessionID }

    /// Observes one frame; appends the Call records ready to go out to `calls`.
    mutating func observe(_ frame: ObservedFrame, into calls: inout [Call]) -> Finding? {
        var finding: Finding?
        var produced: [Call] = []
        frame.data.withUnsafeBytes { (line: UnsafeRawBufferPointer) in
            let messages: [MCPMessage]
            switch MessageScanner.scan(line) {
            case .message(let message): messages = [message]
            case .batch(let batch): messages = batch
            case .empty: return
            case .notJSONRPC:
                if sawMessage {
                    unparsedFrames += 1
                } else {
                    let head = line.prefix(64)
                    finding = .notUnderstood(preview: String(decoding: head, as: UTF8.self))
                }
                return
            }
            guard let first = messages.first else { return }
            sawMessage = true
            if frame.source == .client {
                if !sawClientMessage, !ConnectionRecorder.startsConnection(first) {
                    finding = .lateAttach(firstMethod: first.method ?? "a response")
                }
                sawClientMessage = true
                applyHTTPContext(frame.http, first: first)
            } else {
                tracker.requestContext = CallTracker.RequestContext()
            }
            for message in messages {
                tracker.observe(message, line: line, byteCount: frame.data.count, from: frame.source,
                                at: frame.instant, into: &produced)
            }
        }
        if let decision = pendingSession {
            pendingSession = .none
            if !sessionResolved { resolveSession(decision, into: &calls) }
        }
        if !produced.isEmpty { release(produced, at: frame.instant, into: &calls) }
        return finding
    }

    /// Timeouts, and held calls whose session was not told within ``sessionWait``.
    mutating func tick(at instant: CaptureInstant, into calls: inout [Call]) {
        var produced: [Call] = []
        tracker.expire(at: instant, into: &produced)
        if !produced.isEmpty { release(produced, at: instant, into: &calls) }
        if !held.isEmpty, instant.monotonicNs &- heldSince >= ConnectionRecorder.sessionWait {
            resolveSession(nil, into: &calls)
        }
    }

    /// End of the connection: open requests become `noResponse`, held calls go out.
    mutating func close(at instant: CaptureInstant, reason: String, into calls: inout [Call]) {
        var produced: [Call] = []
        tracker.close(at: instant, reason: reason, into: &produced)
        release(produced, at: instant, into: &calls)
        releaseHeld(into: &calls)
    }

    /// Sends held calls now (a flush), under the session id known so far.
    mutating func releaseHeld(into calls: inout [Call]) {
        guard !held.isEmpty else { return }
        calls.append(contentsOf: held.map(stamped))
        held.removeAll()
    }

    // MARK: - Internals

    /// Whether `message`, the first one from the client, is how a connection starts: `initialize`,
    /// the 2026-07-28 probe `server/discover`, or any request carrying the 2026-07-28 `_meta` version.
    static func startsConnection(_ message: MCPMessage) -> Bool {
        switch message.method {
        case "initialize", "server/discover": return true
        default: return (message.kind == .request || message.kind == .notification) && message.protocolVersion != nil
        }
    }

    /// Sets the tracker's request context from the HTTP request, and learns the session from its headers.
    private mutating func applyHTTPContext(_ http: HTTPRequest?, first: MCPMessage) {
        guard let http else {
            tracker.requestContext = CallTracker.RequestContext()
            return
        }
        let trace = http.header("traceparent").flatMap { TraceContext(traceparent: $0, tracestate: http.header("tracestate")) }
        tracker.requestContext = CallTracker.RequestContext(
            fallbackClient: http.header("User-Agent").flatMap(HTTPExchange.peer(userAgent:)),
            trace: trace
        )
        if let session = http.header("Mcp-Session-Id"), !session.isEmpty {
            if httpSessionID == nil { pendingSession = session }
        } else if first.method != "initialize" {
            // A request after the handshake without a session header: a stateless server.
            pendingSession = .some(nil)
        }
    }

    private mutating func release(_ produced: [Call], at instant: CaptureInstant, into calls: inout [Call]) {
        if sessionResolved {
            calls.append(contentsOf: produced.map(stamped))
        } else {
            if held.isEmpty { heldSince = instant.monotonicNs }
            held.append(contentsOf: produced)
        }
    }

    private mutating func resolveSession(_ session: String?, into calls: inout [Call]) {
        httpSessionID = session
        sessionResolved = true
        releaseHeld(into: &calls)
    }

    private func stamped(_ call: Call) -> Call {
        guard let httpSessionID else { return call }
        var call = call
        call.session = httpSessionID
        return call
    }
}
