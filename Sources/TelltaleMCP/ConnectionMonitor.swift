import Foundation
import MCP
import Synchronization
import TelltaleCapture
import TelltaleCore

/// The observing side of one monitored connection: a bounded queue the transport appends frames to,
/// and one background task that turns them into Call records and hands them to the sink.
///
/// The transport's path only takes a clock reading and appends to the ``EventQueue`` (a short lock, no
/// I/O, never waits); frames beyond ``TelltaleOptions/maxQueuedFrames`` are counted and not observed.
/// Everything else — scanning, pairing, redaction, `beforeSend`, submitting — runs on the background task. Any failure there disables this connection's monitoring
/// with one log line; the transport keeps forwarding.
final class ConnectionMonitor: Sendable {
    /// State the transport's path, the background task and readers of stats share.
    final class Shared: Sendable {
        /// Set once monitoring is off for this connection; read on the transport's path.
        let disabled = Atomic<Bool>(false)
        let counters = Mutex(TelltaleStats())
        let session: Mutex<String>
        let telltale: TelltaleContext

        init(sessionID: String, telltale: TelltaleContext) {
            session = Mutex(sessionID)
            self.telltale = telltale
        }

        var isDisabled: Bool { disabled.load(ordering: .relaxed) }
    }

    private let queue: EventQueue
    private let worker: Task<Void, Never>
    private let ticker: Task<Void, Never>
    private let shared: Shared
    private let closed = Atomic<Bool>(false)

    /// Starts the background task (and its once-a-second tick) for a connection whose calls go to
    /// `telltale`'s sink.
    init(sessionID: String, options: CaptureOptions, telltale: TelltaleContext) {
        let queue = EventQueue(capacity: telltale.maxQueuedFrames)
        self.queue = queue
        let shared = Shared(sessionID: sessionID, telltale: telltale)
        self.shared = shared
        let recorder = ConnectionRecorder(sessionID: sessionID, options: options)
        worker = Task.detached {
            await ConnectionMonitor.run(queue, recorder: recorder, shared: shared)
        }
        ticker = Task.detached {
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(1))
                if case .finished = queue.push(.tick(.now())) { return }
            }
        }
    }

    deinit {
        ticker.cancel()
        queue.finish()
    }

    /// Whether frames are still observed.
    var isActive: Bool { !shared.isDisabled }

    /// The session id the connection's calls carry (the `Mcp-Session-Id` once an HTTP request told it).
    var sessionID: String { shared.session.withLock { $0 } }

    /// A snapshot of the counters.
    var stats: TelltaleStats { shared.counters.withLock { $0 } }

    /// Queues a frame; called on the transport's path before the frame is forwarded. Never blocks.
    func observe(_ data: Data, from source: MessageSource, http: HTTPRequest? = nil) {
        guard isActive else { return }
        let frame = ObservedFrame(data: data, source: source, instant: .now(), http: http)
        switch queue.push(.frame(frame)) {
        case .accepted:
            shared.counters.withLock { $0.framesObserved += 1 }
        case .full:
            shared.counters.withLock {
                $0.framesObserved += 1
                $0.framesDropped += 1
            }
            shared.telltale.reporter.report(.queueFull, """
                the observation queue is full (\(shared.telltale.maxQueuedFrames) frames): frames are not \
                recorded until it drains (counted in stats.framesDropped); traffic unaffected
                """)
        case .finished:
            break
        }
    }

    /// Waits until every frame queued so far has been processed and its calls handed to the sink.
    func drain() async {
        await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
            if case .accepted = queue.push(.barrier(waiter)) { return }
            waiter.resume()
        }
    }

    /// Ends the connection (open requests become `noResponse`), then waits for the calls to be handed over.
    /// Idempotent; after it, frames are ignored.
    func close(reason: String = "connection closed") async {
        guard !closed.exchange(true, ordering: .relaxed) else { return }
        ticker.cancel()
        queue.push(.close(.now(), reason: reason))
        queue.finish()
        await worker.value
    }

    // MARK: - The background task

    private static func run(_ queue: EventQueue, recorder: ConnectionRecorder, shared: Shared) async {
        var recorder = recorder
        while let events = await queue.next() {
            for event in events { process(event, recorder: &recorder, shared: shared) }
        }
    }

    private static func process(_ event: MonitorEvent, recorder: inout ConnectionRecorder, shared: Shared) {
        let telltale = shared.telltale
        if case .barrier(let waiter) = event {
            if !shared.isDisabled {
                var calls: [Call] = []
                recorder.releaseHeld(into: &calls)
                deliver(calls, shared: shared)
            }
            waiter.resume()
            return
        }
        guard !shared.isDisabled else { return }
        do {
            var calls: [Call] = []
            switch event {
            case .frame(let frame):
                try telltale.faults?("observe")
                switch recorder.observe(frame, into: &calls) {
                case .lateAttach(let method)?:
                    telltale.reporter.report(.lateAttach, """
                        monitoring attached after the MCP handshake (the first message from the client \
                        was \(method), not initialize): calls of this connection are recorded in session \
                        \(recorder.sessionID) without the client identity and protocol version that \
                        initialize carries; pass the transport through Telltale.monitor before server.start
                        """)
                case .notUnderstood(let preview)?:
                    disable(.notUnderstood, """
                        the transport's first frame is not a JSON-RPC message (\(preview.debugDescription)); \
                        this swift-sdk version or transport is not understood — monitoring disabled for this \
                        connection, traffic unaffected
                        """, shared: shared)
                    return
                case nil:
                    break
                }
                let unparsed = recorder.unparsedFrames
                shared.counters.withLock { $0.framesUnparsed = unparsed }
            case .tick(let instant):
                try telltale.faults?("tick")
                recorder.tick(at: instant, into: &calls)
            case .close(let instant, let reason):
                recorder.close(at: instant, reason: reason, into: &calls)
            case .barrier:
                break
            }
            let session = recorder.sessionID
            shared.session.withLock { $0 = session }
            if !calls.isEmpty {
                try telltale.faults?("deliver")
                deliver(calls, shared: shared)
            }
        } catch {
            disable(.internalError, """
                internal error (\(error)); monitoring disabled for this connection, traffic unaffected
                """, shared: shared)
        }
    }

    /// Applies `beforeSend` and submits what is left.
    private static func deliver(_ calls: [Call], shared: Shared) {
        guard !calls.isEmpty else { return }
        let telltale = shared.telltale
        var out: [Call] = []
        out.reserveCapacity(calls.count)
        var droppedByHook = 0
        for call in calls {
            guard let hook = telltale.beforeSend else {
                out.append(call)
                continue
            }
            do {
                if let kept = try hook(call) { out.append(kept) } else { droppedByHook += 1 }
            } catch {
                telltale.reporter.report(.beforeSendFailed, """
                    beforeSend threw (\(error)); the call was sent unchanged (reported once)
                    """)
                out.append(call)
            }
        }
        shared.counters.withLock {
            $0.callsRecorded += calls.count
            $0.callsDroppedByHook += droppedByHook
            $0.callsSubmitted += out.count
        }
        if !out.isEmpty { telltale.sink.submit(out) }
    }

    private static func disable(_ kind: OnceReporter.Kind, _ message: String, shared: Shared) {
        shared.disabled.store(true, ordering: .relaxed)
        shared.counters.withLock { $0.disabledReason = message }
        shared.telltale.reporter.report(kind, message)
    }
}
