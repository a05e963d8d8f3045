/// Which way bytes travelled through a relay.
public enum RelayDirection: Sendable {
    /// From the MCP client to the MCP server (the wrapper's stdin → the child's stdin).
    case clientToServer
    /// From the MCP server to the MCP client (the child's stdout → the wrapper's stdout).
    case serverToClient
}

/// Sees a copy of every chunk a relay forwarded, after it was written to the other side.
///
/// Called on the relay's own threads: one thread per direction, so calls for one direction are
/// serial but the two directions may call concurrently. Implementations must be quick and must
/// never throw or block for long: the relay is waiting to read the next chunk.
public protocol RelayObserver: Sendable {
    /// `bytes` were just written to the other side. The buffer is only valid during the call.
    func relayed(_ bytes: UnsafeRawBufferPointer, direction: RelayDirection)
    /// The direction reached end of file (or failed); no more bytes will come from it.
    func closed(_ direction: RelayDirection)
}
