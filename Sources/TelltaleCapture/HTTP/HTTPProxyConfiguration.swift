/// Where the HTTP reverse proxy listens, where it forwards to, and which paths it inspects.
public struct HTTPProxyConfiguration: Sendable {
    /// The address to listen on (`127.0.0.1`).
    public var bindHost: String
    /// The port to listen on; 0 picks any free port (``HTTPReverseProxy/start()`` returns it).
    public var bindPort: Int
    /// The upstream server's host (an IP address or a name).
    public var upstreamHost: String
    /// The upstream server's port.
    public var upstreamPort: Int
    /// Path prefixes whose exchanges are handed to the observer; matched on a segment boundary
    /// (`/mcp` matches `/mcp`, `/mcp/x` and `/mcp?x`, not `/mcpx`).
    public var inspectPrefixes: [String]
    /// How long a connection attempt to the upstream server may take.
    public var connectTimeout: Duration

    /// A configuration; only the ports and the upstream host are required.
    public init(
        bindHost: String = "127.0.0.1", bindPort: Int, upstreamHost: String, upstreamPort: Int,
        inspectPrefixes: [String] = ["/mcp", "/sse", "/messages"], connectTimeout: Duration = .seconds(10)
    ) {
        self.bindHost = bindHost
        self.bindPort = bindPort
        self.upstreamHost = upstreamHost
        self.upstreamPort = upstreamPort
        self.inspectPrefixes = inspectPrefixes
        self.connectTimeout = connectTimeout
    }
}
