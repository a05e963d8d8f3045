/// What groups HTTP exchanges into one capture session (one ``CallTracker``).
package enum HTTPSessionKey: Sendable, Hashable {
    /// The `Mcp-Session-Id` header (request, else the initialize reply's response header).
    case mcp(String)
    /// A legacy HTTP+SSE session: the `sessionId` of its message endpoint, else a generated id.
    case legacy(String)
    /// 2026-07-28 sessionless traffic grouped by trace id.
    case trace(String)
    /// Sessionless traffic of one downstream connection.
    case connection(UInt64)

    /// The transport stamped on the session's Calls.
    package var transport: CallTransport {
        if case .legacy = self { return .sse }
        return .http
    }
}
