/// Why an HTTP exchange ended without a complete response from the upstream server.
public enum HTTPExchangeFailure: Sendable, Equatable, CustomStringConvertible {
    /// The upstream server could not be reached (connection refused, no route, connect timeout).
    /// The request never reached it.
    case upstreamUnreachable(String)
    /// The upstream connection failed after the request was (partly) sent: reset, closed before or in
    /// the middle of the response.
    case upstreamFailed(String)
    /// The client went away (closed or reset its connection) before the response was complete.
    case clientGone

    public var description: String {
        switch self {
        case .upstreamUnreachable(let reason): "upstream unreachable: \(reason)"
        case .upstreamFailed(let reason): "upstream connection failed: \(reason)"
        case .clientGone: "client disconnected"
        }
    }
}
