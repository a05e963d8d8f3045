/// What the scanner read from one JSON-RPC message: only the fields Telltale needs.
///
/// Byte ranges (`params`, `result`, `error`) index into the scanned line, so payloads can be
/// decoded lazily, and only when payload capture is on.
public struct MCPMessage: Sendable, Equatable {
    /// The JSON-RPC shape of the message.
    public enum Kind: Sendable, Equatable {
        /// Has `method` and `id`.
        case request
        /// Has `method`, no `id`.
        case notification
        /// Has `id` and `result`.
        case response
        /// Has `error`.
        case errorResponse
    }

    public var kind: Kind
    /// The `id` as JSON text (`1`, `"abc"`); nil for notifications and `id: null`.
    public var id: String?
    public var method: String?
    /// `params.name` of `tools/call` / `prompts/get`, `params.uri` of `resources/read`.
    public var target: String?
    /// Byte range of the `params` value in the line.
    public var params: Range<Int>?
    /// Byte range of the `result` value in the line.
    public var result: Range<Int>?
    /// Byte range of the `error` value in the line.
    public var error: Range<Int>?
    /// False when the line ended inside the message (a truncated line): ranges may be cut short.
    public var complete: Bool = true

    /// `initialize` `params.clientInfo`, or `params._meta` `io.modelcontextprotocol/clientInfo`.
    public var clientInfo: PeerInfo?
    /// `result.serverInfo`, or `result._meta` `io.modelcontextprotocol/serverInfo`.
    public var serverInfo: PeerInfo?
    /// `params._meta` `io.modelcontextprotocol/protocolVersion`, `initialize` `params.protocolVersion`
    /// or `result.protocolVersion`.
    public var protocolVersion: String?
    /// `server/discover` result: the versions the server supports.
    public var supportedVersions: [String]?
    /// `params._meta.traceparent`.
    public var traceparent: String?
    /// `params._meta.tracestate`.
    public var tracestate: String?
    /// `result.isError == true`.
    public var isError: Bool = false
    /// When `isError`: the text of the first `content` item of type `text`.
    public var toolErrorText: String?
    /// `error.code`.
    public var errorCode: Int?
    /// `error.message`.
    public var errorMessage: String?
    /// `notifications/cancelled` `params.requestId`, as JSON text.
    public var cancelledRequestId: String?
    /// `notifications/cancelled` `params.reason`.
    public var cancelReason: String?

    /// An empty message of the given kind.
    public init(kind: Kind) {
        self.kind = kind
    }
}

/// The classification of one framed line.
public enum ScannedLine: Sendable, Equatable {
    /// One JSON-RPC message.
    case message(MCPMessage)
    /// A JSON array (2025-03-26 batches); every element that is a message, in order.
    case batch([MCPMessage])
    /// Not a JSON-RPC message: not JSON at all, or JSON of another shape (stdout pollution).
    case notJSONRPC
    /// Only whitespace.
    case empty
}
