import GRDB
import Synchronization

/// Group commit for concurrent insert batches: one transaction, one fsync, for every batch waiting.
///
/// Each batch takes a ticket, then asks the pool's single writer for access. The first batch to get
/// the writer inserts every batch still pending, each inside its own savepoint (so one bad batch fails
/// alone), commits once, and publishes each batch's result. A batch whose rows a previous writer
/// already committed finds its result waiting and returns at once. Because the writer is serial, that
/// previous commit is complete before the later batch's turn starts: nothing is acknowledged before
/// it is durable. With `synchronous=FULL` on a disk where an fsync takes milliseconds, this is what
/// lets concurrent ingest requests go beyond one batch per fsync.
final class GroupCommit: Sendable {
    struct Batch: Sendable {
        var rows: [CallRow]
        var project: ProjectID
        /// The rollups of every row, valid when all of them turn out to be new.
        var rollup: RollupBatch
    }

    struct State: ~Copyable {
        var nextTicket = 0
        var pending: [(ticket: Int, batch: Batch)] = []
        var results: [Int: Result<Int, any Error>] = [:]
        /// Tickets taken by the running writer, until their results are published.
        var inFlight: Set<Int> = []
        /// Tickets whose caller left (cancelled) while its batch was in flight.
        var abandoned: Set<Int> = []
    }

    /// All mutable state, guarded by the mutex.
    private let state = Mutex(State())

    /// Inserts `batch` through `pool`, possibly together with concurrent batches; returns its new-row count
    /// after the commit that made it durable.
    /// Rollups of the new rows are written in the same transaction, once for the group; `rollups` is reset when
    /// the transaction fails.
    func insert(_ batch: Batch, pool: DatabasePool, rollups: RollupCache) async throws -> Int {
        let ticket = state.withLock { state in
            let ticket = state.nextTicket
            state.nextTicket += 1
            state.pending.append((ticket, batch))
            return ticket
        }
        let outcome: Result<Int, any Error>
        do {
            outcome = try await pool.writeWithoutTransaction { db in
                if let done = self.takeResult(ticket) { return done }
                let group = self.state.withLock { state in
                    let group = state.pending
                    state.pending.removeAll()
                    state.inFlight.formUnion(group.map(\.ticket))
                    return group
                }
                var results: [Int: Result<Int, any Error>] = [:]
                do {
                    try db.inTransaction(.immediate) {
                        // The new rows of every batch that succeeded, aggregated per project and written once
                        // for the whole group: concurrent batches share their rollup rows and sessions.
                        var rollupBatches: [ProjectID: RollupBatch] = [:]
                        for (member, batch) in group {
                            do {
                                var new: [Int] = []
                                try db.inSavepoint {
                                    new = try SQLiteCallStore.insertRows(batch.rows, project: batch.project, db: db)
                                    return .commit
                                }
                                results[member] = .success(new.count)
                                var rollup = batch.rollup
                                if new.count != batch.rows.count {
                                    // Some ids were already stored: only the new rows count.
                                    rollup = RollupBatch(project: batch.project)
                                    for index in new { rollup.add(RollupInput(batch.rows[index])) }
                                }
                                if var shared = rollupBatches.removeValue(forKey: batch.project) {
                                    shared.merge(rollup)
                                    rollupBatches[batch.project] = shared
                                } else {
                                    rollupBatches[batch.project] = rollup
                                }
                            } catch {
                                results[member] = .failure(error)
                            }
                        }
                        // A failure here fails the whole group (the transaction rolls back).
                        try SQLiteCallStore.writeRollups(rollupBatches.values, db: db, cache: rollups)
                        return .commit
                    }
                } catch {
                    // The commit itself failed: nothing of the group is durable.
                    rollups.reset()
                    for (member, _) in group { results[member] = .failure(error) }
                }
                let own = results.removeValue(forKey: ticket)
                self.publish(results, own: ticket)
                return own ?? .failure(CancellationError())
            }
        } catch {
            // No access to the writer (cancelled, closed): the batch may still be pending.
            abandon(ticket)
            throw error
        }
        return try outcome.get()
    }

    private func takeResult(_ ticket: Int) -> Result<Int, any Error>? {
        state.withLock { $0.results.removeValue(forKey: ticket) }
    }

    private func publish(_ results: [Int: Result<Int, any Error>], own: Int) {
        state.withLock { state in
            state.inFlight.remove(own)
            for (ticket, result) in results {
                state.inFlight.remove(ticket)
                if state.abandoned.remove(ticket) == nil { state.results[ticket] = result }
            }
        }
    }

    /// Forgets a ticket whose caller is leaving with an error: its batch, if still pending, is not
    /// inserted; a result that arrives later is dropped.
    private func abandon(_ ticket: Int) {
        state.withLock { state in
            if let index = state.pending.firstIndex(where: { $0.ticket == ticket }) {
                state.pending.remove(at: index)
            } else if state.inFlight.contains(ticket) {
                state.abandoned.insert(ticket)
            } else {
                state.results.removeValue(forKey: ticket)
            }
        }
    }
}
