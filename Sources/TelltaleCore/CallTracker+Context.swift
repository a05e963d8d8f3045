import Foundation

extension CallTracker {
    /// What a transport knows about the messages it feeds, beyond their JSON (HTTP capture).
    package struct RequestContext: Sendable, Equatable {
        /// The downstream peer address, stamped on every Call.
        package var clientAddress: String?
        /// Client identity used when neither the message nor the session names one (`User-Agent`).
        package var fallbackClient: PeerInfo?
        /// Trace context of the transport (`traceparent`/`tracestate` headers); `_meta` wins.
        package var trace: TraceContext?
        /// Tags added to ``CaptureOptions/tags`` (context headers); these win on a clash.
        package var tags: [String: String]

        /// A context; empty by default (stdio).
        package init(clientAddress: String? = nil, fallbackClient: PeerInfo? = nil, trace: TraceContext? = nil,
                     tags: [String: String] = [:]) {
            self.clientAddress = clientAddress
            self.fallbackClient = fallbackClient
            self.trace = trace
            self.tags = tags
        }
    }

    /// One request waiting for its outcome, identified exactly (an id reused later is another request).
    package struct OpenRequest: Sendable, Hashable {
        /// Which way the request travelled.
        package var direction: CallDirection
        /// Its JSON-RPC id, as JSON text.
        package var id: String
        /// The id of the Call it will produce.
        package var callID: String
    }

    /// The open request with JSON-RPC `id` in `direction`, if any.
    package func openRequest(direction: CallDirection, id: String) -> OpenRequest? {
        pending[PendingKey(direction: direction, id: id)].map { OpenRequest(direction: direction, id: id, callID: $0.call.id) }
    }

    /// Whether `request` is still waiting for its outcome.
    package func isOpen(_ request: OpenRequest) -> Bool {
        pending[PendingKey(direction: request.direction, id: request.id)]?.call.id == request.callID
    }

    /// Ends `request` with `outcome` and `message` (no response), if it is still open; returns
    /// whether it was.
    @discardableResult
    package mutating func end(_ request: OpenRequest, outcome: CallOutcome, message: String?, at instant: CaptureInstant,
                              into calls: inout [Call]) -> Bool {
        let key = PendingKey(direction: request.direction, id: request.id)
        guard let entry = pending[key], entry.call.id == request.callID else { return false }
        pending[key] = nil
        calls.append(finalized(entry, entry.ended(outcome, message, at: instant)))
        return true
    }

    /// Applies ``requestContext`` to a Call being created.
    func applyContext(to call: inout Call, source: MessageSource) {
        let context = requestContext
        if let address = context.clientAddress { call.clientAddress = address }
        if call.trace == nil, source == .client { call.trace = context.trace }
        if !context.tags.isEmpty { call.tags.merge(context.tags) { _, fromContext in fromContext } }
    }

    /// A pending request's Call, stamped with what the session knows and its fallback identity.
    func finalized(_ entry: Pending, _ call: Call) -> Call {
        stamped(call, fallbackClient: entry.fallbackClient)
    }
}
