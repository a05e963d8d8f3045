import Foundation
import Synchronization
import TelltaleCore

/// A ``RelayObserver`` that turns relayed stdio bytes into Call records for a ``CallSink``.
///
/// Holds one ``StdioCaptureSession`` behind a `Mutex`: both relay threads feed it, each with
/// `CaptureInstant.now()` taken as the chunk is handed over. Completed calls are submitted outside
/// the lock. Never throws into the relay; after ``finish()`` further bytes are ignored.
public final class TrackingObserver: RelayObserver {
    private struct State: Sendable {
        var session: StdioCaptureSession
        var clientClosed = false
        var serverClosed = false
        var finished = false
    }

    private let state: Mutex<State>
    private let sink: any CallSink

    /// The session id stamped on every Call of this connection.
    public let sessionID: String

    /// Creates an observer for one stdio connection; `sessionID` defaults to a new UUID.
    public init(options: CaptureOptions, sink: any CallSink, sessionID: String? = nil) {
        let session = StdioCaptureSession(sessionID: sessionID ?? Call.newID(), options: options)
        self.sessionID = session.sessionID
        self.state = Mutex(State(session: session))
        self.sink = sink
    }

    /// Feeds a relayed chunk to the session and submits the Calls it completed.
    public func relayed(_ bytes: UnsafeRawBufferPointer, direction: RelayDirection) {
        let now = CaptureInstant.now()
        let source: MessageSource = direction == .clientToServer ? .client : .server
        let calls = state.withLock { state -> [Call] in
            guard !state.finished else { return [] }
            return state.session.consume(bytes, from: source, at: now)
        }
        if !calls.isEmpty { sink.submit(calls) }
    }

    /// Marks a direction closed; once both are, the session is finished.
    public func closed(_ direction: RelayDirection) {
        let bothClosed = state.withLock { state -> Bool in
            switch direction {
            case .clientToServer: state.clientClosed = true
            case .serverToClient: state.serverClosed = true
            }
            return state.clientClosed && state.serverClosed
        }
        if bothClosed { finish() }
    }

    /// Emits timed-out requests and pending stdout pollution; call about once a second.
    public func tick() {
        let now = CaptureInstant.now()
        let calls = state.withLock { state -> [Call] in
            guard !state.finished else { return [] }
            return state.session.tick(at: now)
        }
        if !calls.isEmpty { sink.submit(calls) }
    }

    /// Ends the session: flushes partial lines, open requests become `noResponse`. Idempotent.
    public func finish() {
        let now = CaptureInstant.now()
        let calls = state.withLock { state -> [Call] in
            guard !state.finished else { return [] }
            state.finished = true
            return state.session.finish(at: now)
        }
        if !calls.isEmpty { sink.submit(calls) }
    }
}
