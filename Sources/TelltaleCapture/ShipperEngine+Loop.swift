import Foundation
import Logging
import TelltaleCore

extension ShipperEngine {
    /// What the background loop remembers between iterations (owned by the loop alone).
    struct LoopState {
        var backoff: Backoff
        /// Set while the collector is failing: nothing is sent before this instant, and the queue
        /// goes to the spool. Cleared by the next acknowledged batch.
        var outageUntil: ContinuousClock.Instant?
        /// When to look for spool files left by other processes (or earlier runs).
        var nextSpoolScan: ContinuousClock.Instant
        /// Spool files this loop is draining (it holds the drain lock), oldest first.
        var drainList: [SpoolFile] = []
        /// Whether the spool may have files to drain now.
        var spoolMayHaveFiles = true
        /// The collector refused this process's key: leave the spool for a process that has a valid one.
        var drainDisabled = false
        /// Alternates queue batches and spool files when both are waiting.
        var spoolTurn = false
    }

    /// How one attempt ended, as far as the loop is concerned.
    enum SendOutcome {
        case delivered
        case refused(status: Int)
        case retryLater
        case cancelled
    }

    /// The single background loop: sends queue batches and spool files, spools while the collector is away.
    func run() async {
        let now = clock.now
        var loop = LoopState(
            backoff: Backoff(base: configuration.initialBackoff, cap: configuration.maxBackoff),
            nextSpoolScan: now
        )
        let maxBatchCalls = configuration.maxBatchCalls
        let maxBatchDelay = configuration.maxBatchDelay
        let maxBatchBytes = configuration.maxBatchBytes
        while true {
            let now = clock.now
            let (stopping, queueReady, nextBatchAt) = state.withLock { s in
                let dirty = s.spoolDirty
                s.spoolDirty = false
                if dirty { loop.spoolMayHaveFiles = true }
                return (
                    s.stopping,
                    s.isQueueReady(
                        now: now, maxBatchCalls: maxBatchCalls, maxBatchBytes: maxBatchBytes, maxBatchDelay: maxBatchDelay
                    ),
                    s.oldestArrival.map { $0.advanced(by: maxBatchDelay) }
                )
            }
            if stopping || Task.isCancelled { break }

            if let outageUntil = loop.outageUntil, now < outageUntil {
                // Collector away: the queue goes to disk at the usual batch boundaries.
                if queueReady, let (id, calls) = takeEntry() {
                    if claimForSpool(id) { spoolCalls(calls) }
                    _ = state.withLock { $0.inFlight.removeValue(forKey: id) }
                    notifyIdleWaiters()
                    continue
                }
                notifyIdleWaiters()
                await waitForWork(until: min(outageUntil, nextBatchAt ?? outageUntil))
                continue
            }

            let spoolWork = !loop.drainDisabled && (loop.spoolMayHaveFiles || now >= loop.nextSpoolScan)
            if queueReady, !spoolWork || !loop.spoolTurn {
                loop.spoolTurn = true
                await sendQueueEntry(&loop)
                continue
            }
            if spoolWork {
                loop.spoolTurn = false
                await drainOneSpoolFile(&loop)
                continue
            }
            notifyIdleWaiters()
            let scanAt = loop.drainDisabled ? now.advanced(by: .seconds(3600)) : loop.nextSpoolScan
            await waitForWork(until: min(nextBatchAt ?? scanAt, scanAt))
        }
        await finish()
    }

    /// Takes up to one batch of calls from the queue and registers them as in flight.
    private func takeEntry() -> (Int, [Call])? {
        let maxBatchCalls = configuration.maxBatchCalls
        return state.withLock { s -> (Int, [Call])? in
            let calls = s.removeFirst(maxBatchCalls)
            guard !calls.isEmpty else { return nil }
            return (s.addInFlight(calls), calls)
        }
    }

    /// Takes responsibility for spooling an in-flight entry; false when a flush timeout already did.
    private func claimForSpool(_ id: Int) -> Bool {
        state.withLock { s -> Bool in
            guard let entry = s.inFlight[id], !entry.claimedForSpool else { return false }
            s.inFlight[id]?.claimedForSpool = true
            return true
        }
    }

    /// Sends one queue entry (one or more encoded batches); on a retryable failure the rest goes to the spool.
    private func sendQueueEntry(_ loop: inout LoopState) async {
        guard let (id, calls) = takeEntry() else { return }
        let batches = makeBatches(calls)
        var allDelivered = true
        for (index, batch) in batches.enumerated() {
            let result = await transport.post(batch.body)
            switch record(result, callCount: batch.callCount, loop: &loop) {
            case .delivered:
                continue
            case .refused:
                state.withLock { $0.stats.dropped += batch.callCount }
                allDelivered = false
                continue
            case .retryLater, .cancelled:
                allDelivered = false
                if claimForSpool(id) {
                    for rest in batches[index...] { spoolBatch(rest) }
                }
            }
            break
        }
        let flushCopies = state.withLock { $0.inFlight.removeValue(forKey: id)?.spooledAs ?? [] }
        if allDelivered {
            // A flush timed out while this was in flight and spooled a copy: it is not needed any more.
            for file in flushCopies { spool.remove(file) }
        }
        notifyIdleWaiters()
    }

    /// Sends the oldest spool file (taking the drain lock first), or notes that there is nothing to drain.
    private func drainOneSpoolFile(_ loop: inout LoopState) async {
        let interval = configuration.spoolScanInterval
        if loop.drainList.isEmpty {
            guard spool.tryAcquireDrainLock() else {
                // Another process drains this spool.
                loop.spoolMayHaveFiles = false
                loop.nextSpoolScan = clock.now.advanced(by: interval)
                return
            }
            spool.removeStaleTemporaryFiles()
            loop.drainList = spool.files()
            if loop.drainList.isEmpty {
                spool.releaseDrainLock()
                loop.spoolMayHaveFiles = false
                loop.nextSpoolScan = clock.now.advanced(by: interval)
                return
            }
        }
        let file = loop.drainList.removeFirst()
        loop.spoolMayHaveFiles = true
        guard let body = spool.read(file) else { return }  // evicted or drained meanwhile
        let result = await transport.post(body)
        switch record(result, callCount: file.callCount, loop: &loop) {
        case .delivered:
            spool.remove(file)
        case .retryLater, .cancelled:
            loop.drainList.insert(file, at: 0)
        case .refused(let status) where status == 401 || status == 403:
            // This process's key is refused; the spool may hold calls of a run that had a valid one.
            loop.drainList = []
            loop.drainDisabled = true
            spool.releaseDrainLock()
        case .refused:
            spool.remove(file)
            state.withLock { $0.stats.dropped += file.callCount }
        }
    }

    /// Counts, reports and schedules after one attempt.
    private func record(_ result: IngestResult, callCount: Int, loop: inout LoopState) -> SendOutcome {
        switch result {
        case .acknowledged(let reply):
            let rejections = reply?.rejected ?? []
            let rejected = min(rejections.count, callCount)
            state.withLock { s in
                s.stats.sent += callCount - rejected
                s.stats.rejected += rejected
                s.stats.batchesSent += 1
            }
            if rejected > 0 { logRejections(rejections, callCount: callCount) }
            loop.backoff.reset()
            if loop.outageUntil != nil {
                loop.outageUntil = nil
                reporter.report(.recovered, "collector reachable again")
            }
            return .delivered
        case .retryable(let reason, let retryAfter):
            state.withLock { $0.stats.retries += 1 }
            let jittered = loop.backoff.nextDelay()
            // Retry-After is honoured up to 5 minutes (or maxBackoff when that is longer).
            let delay = retryAfter.map { min($0, max(configuration.maxBackoff, .seconds(300))) } ?? jittered
            loop.outageUntil = clock.now.advanced(by: delay)
            configuration.logger.debug("telltale shipper: attempt failed (\(reason)); next attempt in \(delay)")
            reporter.report(
                .unreachable,
                "cannot deliver calls to the collector at \(configuration.endpoint.absoluteString) (\(reason)) "
                    + "— keeping them in \(spool.directory.path) and retrying"
            )
            return .retryLater
        case .refused(let status, let message):
            reporter.report(.refused, "collector rejected calls: \(status) \(message) — calls are not being recorded")
            return .refused(status: status)
        case .cancelled:
            return .cancelled
        }
    }

    private func logRejections(_ rejections: [IngestReply.Rejection], callCount: Int) {
        let sample = rejections.prefix(3).map { "line \($0.line): \($0.reason)" }.joined(separator: "; ")
        let more = rejections.count > 3 ? "; …" : ""
        let summary = "collector rejected \(rejections.count) of \(callCount) calls in a batch (\(sample)\(more))"
        configuration.logger.debug("telltale shipper: \(summary)")
        reporter.report(.rejectedLines, summary)
    }

    /// Leaves nothing behind: spools the queue and unfinished batches, releases the drain lock, shuts the client down.
    private func finish() async {
        state.withLock { $0.stopping = true }
        spoolLeftovers()
        // Overflow spills still being written by background tasks must land before the process exits.
        // (An unstructured task: the loop task itself is cancelled by now, which would end the wait at once.)
        _ = await Task { await self.waitUntilIdle(timeout: .seconds(10)) }.value
        spool.releaseDrainLock()
        await transport.shutdown()
        state.withLock { $0.loopFinished = true }
        notifyIdleWaiters(force: true)
    }
}
