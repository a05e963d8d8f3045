extension HTTPSession {
    /// A server response that arrived before its request was seen.
    package struct EarlyResponse: Sendable {
        /// The response's JSON-RPC id.
        package var id: String
        /// The body (message or batch) that held it, as captured.
        package var body: [UInt8]
        /// The body's full size on the wire.
        package var byteCount: Int
        /// Whether `body` is only the head of the message.
        package var truncated: Bool
        /// When it arrived.
        package var instant: CaptureInstant
    }

    /// Early responses kept per session at most (the oldest goes first).
    package static let maxEarlyResponses = 8
    /// Bytes of an early response's body kept at most.
    package static let maxEarlyResponseBytes = 1 << 20
    /// How long an early response waits for its request.
    package static let earlyResponseWindowNs: UInt64 = 5_000_000_000

    /// Keeps a response whose request is not open (yet).
    mutating func keepEarlyResponse(id: String, body: UnsafeRawBufferPointer, byteCount: Int, truncated: Bool,
                                    at instant: CaptureInstant) {
        if earlyResponses.count >= HTTPSession.maxEarlyResponses { earlyResponses.removeFirst() }
        let kept = min(body.count, HTTPSession.maxEarlyResponseBytes)
        earlyResponses.append(EarlyResponse(id: id, body: Array(body[0..<kept]), byteCount: byteCount,
                                            truncated: truncated || kept < body.count, instant: instant))
    }

    /// A request with `id` just opened: feeds the response that overtook it, if one did.
    mutating func replayEarlyResponse(id: String, into calls: inout [Call]) {
        guard let index = earlyResponses.firstIndex(where: { $0.id == id }) else { return }
        let early = earlyResponses.remove(at: index)
        early.body.withUnsafeBytes { body in
            for message in HTTPSession.messages(in: body, truncated: early.truncated)
            where message.id == id && (message.kind == .response || message.kind == .errorResponse) {
                tracker.observe(message, line: body, byteCount: early.byteCount, from: .server, at: early.instant,
                                into: &calls)
                return
            }
        }
    }

    /// Forgets early responses older than the window (they answered nothing).
    package mutating func expireEarlyResponses(at instant: CaptureInstant) {
        guard !earlyResponses.isEmpty else { return }
        earlyResponses.removeAll {
            instant.monotonicNs >= $0.instant.monotonicNs
                && instant.monotonicNs - $0.instant.monotonicNs >= HTTPSession.earlyResponseWindowNs
        }
    }
}
