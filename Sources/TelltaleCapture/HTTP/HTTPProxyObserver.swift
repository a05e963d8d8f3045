import TelltaleCore

/// What the HTTP reverse proxy tells capture: one ``HTTPExchangeObserver`` per inspected exchange.
///
/// The proxy forwards first and observes after: every hook is called after the bytes it reports were
/// handed to the other side. Hooks must be cheap and must never throw or block.
public protocol HTTPProxyObserver: Sendable {
    /// A request head arrived on a path the proxy inspects; returns the observer of this exchange,
    /// or nil to relay it unobserved. Called on the downstream connection's event loop.
    func beginExchange(_ request: HTTPRequestSummary) -> (any HTTPExchangeObserver)?

    /// A downstream (client) connection closed. Sessions keyed by it can be finished.
    func connectionClosed(_ connectionID: UInt64)
}

/// The hooks of one HTTP exchange (request + response), in order.
///
/// All calls for one exchange come from the same event loop, in this order: request body parts,
/// ``requestEnded()``, ``responseHead(_:)``, response body parts, then exactly one of
/// ``responseEnded()`` or ``failed(_:)``. A failure may come at any point (e.g. before the response head,
/// or even before the request ended). The response head may arrive before the request ended. When the
/// upstream cannot be reached, the rest of the request body the client sends (within a second) is still
/// reported, then `requestEnded()` and `failed(.upstreamUnreachable)`.
public protocol HTTPExchangeObserver: AnyObject {
    /// Bytes of the request body, as forwarded upstream.
    func requestBodyPart(_ bytes: UnsafeRawBufferPointer)
    /// The request body is complete.
    func requestEnded()
    /// The response head, as forwarded to the client.
    func responseHead(_ response: HTTPResponseSummary)
    /// Bytes of the response body (de-chunked), as forwarded to the client; SSE frames arrive as the
    /// upstream wrote them, possibly split or joined arbitrarily.
    func responseBodyPart(_ bytes: UnsafeRawBufferPointer)
    /// The response is complete.
    func responseEnded()
    /// The exchange ended without a complete response.
    func failed(_ failure: HTTPExchangeFailure)
}
