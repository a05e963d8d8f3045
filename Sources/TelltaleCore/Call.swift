import Foundation
import Synchronization

/// One MCP exchange as Telltale records it: a request paired with its outcome, or a notification.
///
/// This is the one schema every part of Telltale speaks: capture produces it, the shipper sends it
/// as one line of newline-delimited JSON, the server stores and aggregates it.
public struct Call: Codable, Sendable, Equatable, Identifiable {
    /// Unique id generated at capture; ingest is idempotent on it.
    public var id: String
    /// When the request (or notification) was seen.
    public var startedAt: Date
    /// Nanoseconds from the request until its outcome; 0 for notifications and pollution records.
    public var durationNs: Int64
    public var kind: CallKind
    public var direction: CallDirection
    /// The JSON-RPC method, e.g. `tools/call`.
    public var method: String
    /// Tool or prompt name for `tools/call` / `prompts/get`, URI for `resources/read`.
    public var target: String?
    public var outcome: CallOutcome
    /// JSON-RPC error code, when `outcome == .error`.
    public var errorCode: Int?
    /// JSON-RPC error message, or the tool's error text for `.toolError`, or why there was no response.
    public var errorMessage: String?
    /// The JSON-RPC id of the request, as JSON text (`1`, `"abc"`).
    public var requestId: String?
    /// `Mcp-Session-Id`, else a capture-generated id per stdio connection.
    public var session: String
    public var client: PeerInfo?
    public var server: PeerInfo?
    public var protocolVersion: String?
    public var transport: CallTransport
    public var clientAddress: String?
    public var trace: TraceContext?
    public var tags: [String: String]
    /// Redacted, size-capped params (see ``PayloadPolicy``); nil when payload capture is off.
    public var request: JSONValue?
    /// Redacted, size-capped result or error object; nil when payload capture is off or there was none.
    public var response: JSONValue?
    /// Size of the request message on the wire, in bytes.
    public var requestBytes: Int
    /// Size of the response message on the wire, in bytes (0 when there was none).
    public var responseBytes: Int
    /// For `kind == .pollution`: how many non-JSON lines this record stands for.
    public var pollutionLines: Int?

    public init(
        id: String = Call.newID(),
        startedAt: Date,
        durationNs: Int64 = 0,
        kind: CallKind = .request,
        direction: CallDirection = .toServer,
        method: String,
        target: String? = nil,
        outcome: CallOutcome = .ok,
        errorCode: Int? = nil,
        errorMessage: String? = nil,
        requestId: String? = nil,
        session: String,
        client: PeerInfo? = nil,
        server: PeerInfo? = nil,
        protocolVersion: String? = nil,
        transport: CallTransport = .stdio,
        clientAddress: String? = nil,
        trace: TraceContext? = nil,
        tags: [String: String] = [:],
        request: JSONValue? = nil,
        response: JSONValue? = nil,
        requestBytes: Int = 0,
        responseBytes: Int = 0,
        pollutionLines: Int? = nil
    ) {
        self.id = id
        self.startedAt = startedAt
        self.durationNs = durationNs
        self.kind = kind
        self.direction = direction
        self.method = method
        self.target = target
        self.outcome = outcome
        self.errorCode = errorCode
        self.errorMessage = errorMessage
        self.requestId = requestId
        self.session = session
        self.client = client
        self.server = server
        self.protocolVersion = protocolVersion
        self.transport = transport
        self.clientAddress = clientAddress
        self.trace = trace
        self.tags = tags
        self.request = request
        self.response = response
        self.requestBytes = requestBytes
        self.responseBytes = responseBytes
        self.pollutionLines = pollutionLines
    }

    /// A new call id: a time-ordered UUID (version 7), lower case.
    public static func newID() -> String {
        sharedIDs.withLock { $0.newID() }
    }

    private static let sharedIDs = Mutex(CallIDGenerator())
}

/// Whether a record is a request/response pair, a notification, or a run of stdout pollution.
public enum CallKind: String, Codable, Sendable, CaseIterable {
    case request
    case notification
    /// Non-JSON lines a stdio server wrote to stdout (they break framing for strict clients).
    case pollution
}

/// Which way the request travelled.
public enum CallDirection: String, Codable, Sendable, CaseIterable {
    /// Client → server (tools/call, resources/read …).
    case toServer
    /// Server → client (sampling/createMessage, elicitation/create, roots/list).
    case toClient
}

/// The outcome taxonomy of MCP-NOTES.md.
public enum CallOutcome: String, Codable, Sendable, CaseIterable {
    /// A `result` without `isError: true`.
    case ok
    /// A `tools/call` result with `isError: true`: a JSON-RPC success that is a failure.
    case toolError
    /// A JSON-RPC `error` object.
    case error
    /// `notifications/cancelled` was sent for the request.
    case cancelled
    /// The connection closed, or the timeout passed, with the request open.
    case noResponse
}

/// The transport the call was captured on.
public enum CallTransport: String, Codable, Sendable, CaseIterable {
    /// Newline-delimited JSON-RPC over a child process's stdin/stdout.
    case stdio
    /// Streamable HTTP (and the stateless 2026-07-28 HTTP binding).
    case http
    /// The legacy HTTP+SSE transport (GET `/sse` plus POST `/messages`).
    case sse
    /// Seen in-process by an SDK on a transport it cannot name (in-memory pairs, custom transports).
    case memory
}

/// Name and version of an MCP client or server.
public struct PeerInfo: Codable, Sendable, Hashable {
    public var name: String
    public var version: String?

    public init(name: String, version: String? = nil) {
        self.name = name
        self.version = version
    }
}

/// W3C trace context found on the request.
public struct TraceContext: Codable, Sendable, Hashable {
    public var traceId: String
    public var spanId: String
    public var traceparent: String?
    public var tracestate: String?

    public init(traceId: String, spanId: String, traceparent: String? = nil, tracestate: String? = nil) {
        self.traceId = traceId
        self.spanId = spanId
        self.traceparent = traceparent
        self.tracestate = tracestate
    }

    /// Parses a `traceparent` header value (`00-<32 hex>-<16 hex>-<2 hex>`); nil when malformed.
    public init?(traceparent: String, tracestate: String? = nil) {
        let parts = traceparent.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count >= 4,
              parts[0].count == 2, parts[1].count == 32, parts[2].count == 16,
              parts[1].allSatisfy(\.isHexDigit), parts[2].allSatisfy(\.isHexDigit),
              parts[1] != String(repeating: "0", count: 32),
              parts[2] != String(repeating: "0", count: 16)
        else { return nil }
        self.init(
            traceId: parts[1].lowercased(),
            spanId: parts[2].lowercased(),
            traceparent: traceparent,
            tracestate: tracestate
        )
    }
}
