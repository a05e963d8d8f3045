import Foundation
import Synchronization
import TelltaleCore

/// The ``HTTPProxyObserver`` that turns inspected HTTP exchanges into Call records for a ``CallSink``.
///
/// Shared state (one ``CallTracker`` per session, legacy endpoints) sits behind a `Mutex`. Each
/// exchange gets its own observer that buffers bodies and parses SSE outside the lock, and takes
/// the lock only to feed complete messages and HTTP events; Calls are submitted to the sink
/// outside the lock. Every hook takes `CaptureInstant.now()`. Never throws into the proxy; after
/// ``finish()`` everything is ignored. Call ``tick()`` about once a second (timeouts, eviction).
public final class HTTPTrackingObserver: HTTPProxyObserver {
    private struct State: Sendable {
        var capture: HTTPCaptureState
        var finished = false
    }

    private let state: Mutex<State>
    private let sink: any CallSink
    private let captured = Atomic<Int>(0)
    /// Mirrors `State.finished` so that new exchanges are refused without taking the lock.
    private let finishing = Atomic<Bool>(false)
    /// The options every exchange is captured with.
    public let options: HTTPCaptureOptions

    /// An observer capturing with `options` into `sink`.
    public init(options: HTTPCaptureOptions, sink: any CallSink) {
        self.options = options
        self.sink = sink
        self.state = Mutex(State(capture: HTTPCaptureState(options: options)))
    }

    /// Calls handed to the sink so far.
    public var callsCaptured: Int { captured.load(ordering: .relaxed) }

    /// Sessions currently tracked (live or waiting for eviction).
    public var sessionCount: Int { state.withLock { $0.capture.sessions.count } }

    /// Returns the observer of a new exchange (nil once finished).
    public func beginExchange(_ request: HTTPRequestSummary) -> (any HTTPExchangeObserver)? {
        guard !finishing.load(ordering: .relaxed) else { return nil }
        return ExchangeObserver(owner: self, exchange: HTTPExchange(request, options: options))
    }

    /// Ends the per-connection session of a closed downstream connection.
    public func connectionClosed(_ connectionID: UInt64) {
        update { $0.connectionClosed(connectionID, at: $1) }
    }

    /// Records requests open past the timeout as `noResponse` and evicts idle sessions.
    public func tick() {
        update { $0.tick(at: $1) }
    }

    /// Ends capture: open requests become `noResponse`; later hooks are ignored. Idempotent.
    public func finish() {
        finishing.store(true, ordering: .relaxed)
        let now = CaptureInstant.now()
        let calls = state.withLock { state -> [Call] in
            guard !state.finished else { return [] }
            state.finished = true
            return state.capture.finish(at: now)
        }
        submit(calls)
    }

    /// Runs `body` on the shared state under the lock (unless finished) and submits its Calls.
    fileprivate func update(_ body: (inout HTTPCaptureState, CaptureInstant) -> [Call]) {
        let now = CaptureInstant.now()
        let calls = state.withLock { state -> [Call] in
            guard !state.finished else { return [] }
            return body(&state.capture, now)
        }
        submit(calls)
    }

    private func submit(_ calls: [Call]) {
        guard !calls.isEmpty else { return }
        captured.add(calls.count, ordering: .relaxed)
        sink.submit(calls)
    }
}

/// The hooks of one exchange: bytes are buffered or parsed here, outside the shared lock.
///
/// The proxy calls one exchange's hooks from one event loop, in order, so the exchange state
/// needs no lock of its own.
private final class ExchangeObserver: HTTPExchangeObserver {
    private let owner: HTTPTrackingObserver
    private var exchange: HTTPExchange

    init(owner: HTTPTrackingObserver, exchange: HTTPExchange) {
        self.owner = owner
        self.exchange = exchange
    }

    func requestBodyPart(_ bytes: UnsafeRawBufferPointer) {
        exchange.appendRequestBody(bytes)
    }

    func requestEnded() {
        owner.update { $0.requestEnded(&exchange, at: $1) }
    }

    func responseHead(_ response: HTTPResponseSummary) {
        owner.update { $0.responseHead(response, exchange: &exchange, at: $1) }
    }

    func responseBodyPart(_ bytes: UnsafeRawBufferPointer) {
        let events = exchange.appendResponseBody(bytes)
        guard !events.isEmpty else { return }
        owner.update { $0.responseEvents(events, exchange: &exchange, at: $1) }
    }

    func responseEnded() {
        owner.update { $0.responseEnded(&exchange, at: $1) }
    }

    func failed(_ failure: HTTPExchangeFailure) {
        owner.update { $0.failed(failure, exchange: &exchange, at: $1) }
    }
}
