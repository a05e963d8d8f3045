import Synchronization
import TelltaleCapture
import TelltaleCore

/// A test's own ``HTTPProxyObserver``: records every hook call, in order, and lets the test await
/// a condition on the record.
final class HTTPRecordingObserver: HTTPProxyObserver {
    enum Event: Equatable, CustomStringConvertible {
        case begin(HTTPRequestSummary)
        case requestBody(String)
        case requestEnded
        case responseHead(HTTPResponseSummary)
        case responseBody(String)
        case responseEnded
        case failed(HTTPExchangeFailure)
        case connectionClosed(UInt64)

        var description: String {
            switch self {
            case .begin(let request): "begin(\(request.method) \(request.target))"
            case .requestBody(let text): "requestBody(\(text.count) bytes)"
            case .requestEnded: "requestEnded"
            case .responseHead(let response): "responseHead(\(response.status))"
            case .responseBody(let text): "responseBody(\(text.count) bytes)"
            case .responseEnded: "responseEnded"
            case .failed(let failure): "failed(\(failure))"
            case .connectionClosed(let id): "connectionClosed(\(id))"
            }
        }
    }

    private struct State {
        var events: [Event] = []
        var waiters: [(condition: @Sendable ([Event]) -> Bool, continuation: CheckedContinuation<Void, Never>)] = []
    }

    private let state = Mutex(State())
    /// Whether to observe exchanges (false: beginExchange returns nil).
    let observing: Bool

    init(observing: Bool = true) {
        self.observing = observing
    }

    var events: [Event] { state.withLock { $0.events } }

    /// Events with consecutive body parts joined (the proxy may split bodies arbitrarily).
    var coalescedEvents: [Event] {
        var result: [Event] = []
        for event in events {
            switch (result.last, event) {
            case (.requestBody(let a)?, .requestBody(let b)): result[result.count - 1] = .requestBody(a + b)
            case (.responseBody(let a)?, .responseBody(let b)): result[result.count - 1] = .responseBody(a + b)
            default: result.append(event)
            }
        }
        return result
    }

    func record(_ event: Event) {
        let ready = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.events.append(event)
            let events = state.events
            var ready: [CheckedContinuation<Void, Never>] = []
            state.waiters.removeAll { waiter in
                guard waiter.condition(events) else { return false }
                ready.append(waiter.continuation)
                return true
            }
            return ready
        }
        for continuation in ready { continuation.resume() }
    }

    /// Returns once `condition` holds for the recorded events.
    func wait(until condition: @escaping @Sendable ([Event]) -> Bool) async {
        await withCheckedContinuation { continuation in
            let now = state.withLock { state -> Bool in
                if condition(state.events) { return true }
                state.waiters.append((condition, continuation))
                return false
            }
            if now { continuation.resume() }
        }
    }

    func beginExchange(_ request: HTTPRequestSummary) -> (any HTTPExchangeObserver)? {
        record(.begin(request))
        return observing ? Exchange(parent: self) : nil
    }

    func connectionClosed(_ connectionID: UInt64) {
        record(.connectionClosed(connectionID))
    }

    private final class Exchange: HTTPExchangeObserver {
        let parent: HTTPRecordingObserver
        init(parent: HTTPRecordingObserver) { self.parent = parent }

        func requestBodyPart(_ bytes: UnsafeRawBufferPointer) {
            parent.record(.requestBody(String(decoding: bytes, as: UTF8.self)))
        }
        func requestEnded() { parent.record(.requestEnded) }
        func responseHead(_ response: HTTPResponseSummary) { parent.record(.responseHead(response)) }
        func responseBodyPart(_ bytes: UnsafeRawBufferPointer) {
            parent.record(.responseBody(String(decoding: bytes, as: UTF8.self)))
        }
        func responseEnded() { parent.record(.responseEnded) }
        func failed(_ failure: HTTPExchangeFailure) { parent.record(.failed(failure)) }
    }
}
