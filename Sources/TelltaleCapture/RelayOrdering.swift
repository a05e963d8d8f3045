#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// Makes the observer see the two directions in causal order, without ever delaying a forward.
///
/// Each direction forwards first and observes after, on its own thread, so without help a fast server's
/// response could reach the observer before the request that caused it (the request's thread may be
/// descheduled between its `write` and its observer call). Every chunk therefore takes a ticket when its
/// `read` returns, before it is written; a response is read after its request was, so it holds a later
/// ticket. After writing its chunk, a direction waits, before observing, for the other direction to
/// finish observing an earlier ticket:
/// - if the other direction has written its earlier chunk and is observing it, the wait lasts as long
///   as that observer call (observers are quick by contract);
/// - if the other direction is still inside `write` (the pipe is full: its reader is not reading),
///   the wait is bounded by ``writeWaitLimit`` once per chunk, so a peer that stops reading can never
///   stall the other direction.
/// Waits only ever go to earlier tickets, so the two directions cannot wait for each other.
package final class RelayOrdering: Sendable {
    /// How long a direction waits for the other's earlier chunk that is still being written.
    package static let writeWaitLimit: UInt64 = 2_000_000  // ns

    /// Per direction: `idle`, or `ticket << 1 | 1` while writing, or `ticket << 1` while observing.
    private let clientToServer = Atomic<Int>(RelayOrdering.idle)
    private let serverToClient = Atomic<Int>(RelayOrdering.idle)
    private let nextTicket = Atomic<Int>(0)
    private static let idle = Int.max

    package init() {}

    /// A chunk was just read in `direction`: takes its ticket and marks it as being written.
    @inline(__always)
    package func willWrite(_ direction: RelayDirection) -> Int {
        let ticket = nextTicket.wrappingAdd(1, ordering: .sequentiallyConsistent).oldValue
        store(direction, ticket << 1 | 1)
        return ticket
    }

    /// The chunk with `ticket` was written; waits until the other direction has no earlier chunk
    /// left to observe (see the type's rules), then returns: the caller may observe.
    ///
    /// - Parameter skippedTicket: the other direction's ticket this direction already gave up waiting
    ///   for (kept by the caller across chunks).
    @inline(__always)
    package func waitToObserve(_ direction: RelayDirection, ticket: Int, skippedTicket: inout Int) {
        store(direction, ticket << 1)
        let other: RelayDirection = direction == .clientToServer ? .serverToClient : .clientToServer
        var deadline: UInt64 = 0
        var spins = 0
        while true {
            let state = load(other)
            if state == Self.idle || state >> 1 > ticket { return }
            if state & 1 == 1 {
                // The other direction is still writing its earlier chunk.
                let otherTicket = state >> 1
                if otherTicket == skippedTicket { return }
                let now = Self.nanoseconds()
                if deadline == 0 {
                    deadline = now + Self.writeWaitLimit
                } else if now >= deadline {
                    skippedTicket = otherTicket
                    return
                }
            }
            // Yield for a short while, then sleep in small steps: a long observer call on the other
            // side (a huge message) must not burn a core the server may need.
            spins += 1
            if spins < 64 { sched_yield() } else { usleep(50) }
        }
    }

    /// The chunk was observed (or the direction ended): the other direction need not wait for it.
    @inline(__always)
    package func didObserve(_ direction: RelayDirection) {
        store(direction, Self.idle)
    }

    @inline(__always)
    private func store(_ direction: RelayDirection, _ value: Int) {
        switch direction {
        case .clientToServer: clientToServer.store(value, ordering: .sequentiallyConsistent)
        case .serverToClient: serverToClient.store(value, ordering: .sequentiallyConsistent)
        }
    }

    @inline(__always)
    private func load(_ direction: RelayDirection) -> Int {
        switch direction {
        case .clientToServer: clientToServer.load(ordering: .sequentiallyConsistent)
        case .serverToClient: serverToClient.load(ordering: .sequentiallyConsistent)
        }
    }

    private static func nanoseconds() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }
}
