import Foundation
import Logging
import Synchronization
import TelltaleCore

/// The shipper's shared state and the operations on it; ``ShipperEngine/run()`` (in
/// `ShipperEngine+Loop.swift`) is the single background loop that sends.
///
/// All mutable state lives in `state` (a `Mutex`); the lock is held only for short, non-blocking
/// sections: no I/O, no encoding and no continuation is resumed under it.
final class ShipperEngine: Sendable {
    let configuration: ShipperConfiguration
    let spool: DiskSpool
    let transport: ShipperTransport
    let reporter: ShipperReporter
    let clock = ContinuousClock()
    let state = Mutex(ShipperState())

    init(configuration: ShipperConfiguration) {
        self.configuration = configuration
        self.spool = DiskSpool(directory: configuration.resolvedSpoolDirectory, maxBytes: configuration.maxSpoolBytes)
        self.transport = ShipperTransport(configuration: configuration)
        self.reporter = ShipperReporter(sink: configuration.report)
    }

    // MARK: Submitting

    /// Appends to the queue; when the queue is over its bound, the oldest calls spill to the spool.
    ///
    /// The spill runs in a background task while fewer than `maxQueuedCalls` calls are being spilled;
    /// beyond that (the host produces calls faster than the disk takes them) the caller's thread
    /// writes them itself: back-pressure rather than unbounded memory or silent loss.
    func submit(_ calls: [Call]) {
        guard !calls.isEmpty else { return }
        let now = clock.now
        let maxQueued = configuration.maxQueuedCalls
        let maxBatch = configuration.maxBatchCalls
        let maxBytes = configuration.maxBatchBytes
        let (wake, spill, spillInBackground, stopped) = state.withLock { s -> (Bool, [Call], Bool, Bool) in
            s.stats.submitted += calls.count
            if s.stopping {
                s.stats.dropped += calls.count
                return (false, [], false, true)
            }
            let wasEmpty = s.queue.isEmpty
            let before = s.queue.count
            let bytesBefore = s.queuedBytesEstimate
            s.append(calls, at: now)
            var spill: [Call] = []
            var inBackground = false
            if s.queue.count > maxQueued {
                let excess = s.queue.count - maxQueued
                spill = s.removeFirst(min(s.queue.count, max(excess, maxBatch)))
                inBackground = s.spillingCalls + spill.count <= maxQueued
                if inBackground { s.spillingCalls += spill.count }
            }
            let crossed = (before < maxBatch && s.queue.count >= maxBatch)
                || (bytesBefore < maxBytes && s.queuedBytesEstimate >= maxBytes)
            return (wasEmpty || crossed, spill, inBackground, false)
        }
        if stopped {
            reporter.report(.dropped, "calls submitted after the shipper stopped were dropped")
            return
        }
        if wake { wakeLoop() }
        if spillInBackground {
            Task.detached(priority: .utility) {
                self.spoolCalls(spill)
                self.state.withLock { $0.spillingCalls -= spill.count }
                self.notifyIdleWaiters()
            }
        } else if !spill.isEmpty {
            spoolCalls(spill)
        }
    }

    /// A snapshot of the counters.
    var stats: ShipperStats {
        state.withLock { s in
            var stats = s.stats
            stats.queueDepth = s.queue.count
            return stats
        }
    }

    // MARK: Waking the loop

    /// Wakes the loop if it waits, else makes its next wait return at once.
    func wakeLoop() {
        let waiter = state.withLock { s -> CheckedContinuation<Void, Never>? in
            if let waiter = s.loopWaiter {
                s.loopWaiter = nil
                return waiter.continuation
            }
            s.wakePending = true
            return nil
        }
        waiter?.resume()
    }

    /// Waits until `deadline`, a ``wakeLoop()``, or cancellation of the loop task.
    func waitForWork(until deadline: ContinuousClock.Instant) async {
        let id = state.withLock { s -> Int in
            s.nextWaiterID += 1
            return s.nextWaiterID
        }
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                try? await Task.sleep(until: deadline, clock: .continuous)
                self.expireLoopWait(id)
            }
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { s -> Bool in
                    if s.wakePending || s.stopping || s.expiredLoopWait == id {
                        s.wakePending = false
                        return true
                    }
                    s.loopWaiter = (id, continuation)
                    return false
                }
                if resumeNow { continuation.resume() }
            }
            group.cancelAll()
        }
    }

    private func expireLoopWait(_ id: Int) {
        let waiter = state.withLock { s -> CheckedContinuation<Void, Never>? in
            if let waiter = s.loopWaiter, waiter.id == id {
                s.loopWaiter = nil
                return waiter.continuation
            }
            s.expiredLoopWait = id
            return nil
        }
        waiter?.resume()
    }

    // MARK: Flushing

    /// Waits until the queue is empty and nothing is in flight (true), or `timeout` passes (false).
    /// While anyone waits here, the loop treats the queue as ready to send.
    func waitUntilIdle(timeout: Duration) async -> Bool {
        let id: Int? = state.withLock { s -> Int? in
            if s.isIdle { return nil }
            s.nextWaiterID += 1
            s.idleWaiters[s.nextWaiterID] = .pending
            return s.nextWaiterID
        }
        guard let id else { return true }
        wakeLoop()
        return await withTaskGroup(of: Void.self) { group -> Bool in
            group.addTask {
                try? await Task.sleep(for: timeout)
                self.expireIdleWait(id)
            }
            let idle = await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                let immediate = state.withLock { s -> Bool? in
                    switch s.idleWaiters[id] {
                    case .expired?:
                        s.idleWaiters[id] = nil
                        return false
                    case .pending?:
                        if s.isIdle || s.loopFinished {
                            s.idleWaiters[id] = nil
                            return true
                        }
                        s.idleWaiters[id] = .waiting(continuation)
                        return nil
                    case .waiting?, nil:
                        return true
                    }
                }
                if let immediate { continuation.resume(returning: immediate) }
            }
            group.cancelAll()
            return idle
        }
    }

    private func expireIdleWait(_ id: Int) {
        let waiter = state.withLock { s -> CheckedContinuation<Bool, Never>? in
            switch s.idleWaiters[id] {
            case .pending?:
                s.idleWaiters[id] = .expired
                return nil
            case .waiting(let continuation)?:
                s.idleWaiters[id] = nil
                return continuation
            case .expired?, nil:
                return nil
            }
        }
        waiter?.resume(returning: false)
    }

    /// Resumes every flush waiting for idleness, if the shipper is idle (or `force`).
    func notifyIdleWaiters(force: Bool = false) {
        let waiters = state.withLock { s -> [CheckedContinuation<Bool, Never>] in
            guard force || s.isIdle else { return [] }
            var ready: [CheckedContinuation<Bool, Never>] = []
            for (id, slot) in s.idleWaiters {
                if case .waiting(let continuation) = slot {
                    ready.append(continuation)
                    s.idleWaiters[id] = nil
                }
            }
            return ready
        }
        for waiter in waiters { waiter.resume(returning: true) }
    }

    /// After a flush timed out: spools the queue and every in-flight batch not spooled yet.
    func spoolLeftovers() {
        let (queued, claimed) = state.withLock { s -> ([Call], [(Int, [Call])]) in
            let queued = s.removeFirst(s.queue.count)
            var claimed: [(Int, [Call])] = []
            for (id, entry) in s.inFlight where !entry.claimedForSpool {
                s.inFlight[id]?.claimedForSpool = true
                claimed.append((id, entry.calls))
            }
            return (queued, claimed)
        }
        spoolCalls(queued)
        for (id, calls) in claimed {
            let files = spoolCalls(calls)
            state.withLock { s in s.inFlight[id]?.spooledAs = files }
        }
        notifyIdleWaiters()
    }
}
