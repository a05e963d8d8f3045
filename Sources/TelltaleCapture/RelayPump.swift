#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Synchronization

/// One direction of a relay: blocking `read` → `write` all → hand the written bytes to the observer.
///
/// Runs on its own thread (``start()``). Nothing is added, removed or reordered: the bytes of each
/// read are written in full before the next read. The observer sees them only after they were written.
package final class RelayPump: Sendable {
    /// Where the pump's loop is; moves `reading` ⇄ `busy`, then to `finished`, or to `abandoned` when
    /// the waiter gave up on more output (see ``abandonIfIdle()``).
    private enum Phase: Int {
        case reading = 0, busy = 1, abandoned = 2, finished = 3
    }

    /// The direction this pump carries.
    package let direction: RelayDirection
    private let source: Int32
    private let destination: Int32
    private let closesSource: Bool
    private let closesDestination: Bool
    private let observer: (any RelayObserver)?
    private let ordering: RelayOrdering?
    private let bufferSize: Int
    private let phase = Atomic<Int>(Phase.reading.rawValue)
    private let done = DispatchSemaphore(value: 0)

    /// Creates a pump from `source` to `destination`.
    ///
    /// - Parameters:
    ///   - closesSource: close `source` when the pump ends (the child's stdout: the child then gets
    ///     `EPIPE` on its next write, as it would with its client gone). When `false` and the destination
    ///     failed, `source` is replaced by `/dev/null` so that its writer gets `EPIPE`.
    ///   - closesDestination: close `destination` when the pump ends (the child's stdin: it sees EOF).
    ///   - ordering: shared with the other direction's pump so the observer sees both in causal order.
    package init(
        direction: RelayDirection, from source: Int32, to destination: Int32,
        closesSource: Bool, closesDestination: Bool, observer: (any RelayObserver)?,
        ordering: RelayOrdering?, bufferSize: Int
    ) {
        self.direction = direction
        self.source = source
        self.destination = destination
        self.closesSource = closesSource
        self.closesDestination = closesDestination
        self.observer = observer
        self.ordering = observer == nil ? nil : ordering
        self.bufferSize = max(bufferSize, 1)
    }

    /// Starts the loop on a new thread. Returns `false` if no thread could be created.
    package func start() -> Bool {
        let name = direction == .clientToServer ? "telltale-in" : "telltale-out"
        return RelayThread.start(name: name) { [self] in run() }
    }

    /// Waits up to `timeout` for the pump to end; `true` if it ended.
    package func waitUntilFinished(timeout: DispatchTime) -> Bool {
        guard done.wait(timeout: timeout) == .success else { return false }
        done.signal()
        return true
    }

    /// Whether the pump is blocked in `read` with nothing to read right now.
    package var isIdle: Bool {
        phase.load(ordering: .acquiring) == Phase.reading.rawValue && !FileDescriptorIO.isReadable(source)
    }

    /// Stops observing if the pump is idle in `read` (its source is held open by someone else and quiet):
    /// tells the observer the direction closed and returns `true`. Bytes that still come are forwarded,
    /// not observed.
    package func abandonIfIdle() -> Bool {
        guard !FileDescriptorIO.isReadable(source) else { return false }
        let (exchanged, _) = phase.compareExchange(
            expected: Phase.reading.rawValue, desired: Phase.abandoned.rawValue, ordering: .acquiringAndReleasing)
        guard exchanged else { return false }
        observer?.closed(direction)
        return true
    }

    private func run() {
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: bufferSize, alignment: 16)
        defer { buffer.deallocate() }
        var observing = true
        var destinationFailed = false
        var skippedTicket = -1
        relay: while true {
            let result = FileDescriptorIO.readSome(source, into: buffer, capacity: bufferSize)
            if observing {
                observing = phase.compareExchange(
                    expected: Phase.reading.rawValue, desired: Phase.busy.rawValue, ordering: .acquiringAndReleasing
                ).exchanged
            }
            switch result {
            case .bytes(let count):
                let ticket = observing ? ordering?.willWrite(direction) : nil
                if FileDescriptorIO.writeAll(destination, buffer, count: count) != 0 {
                    destinationFailed = true
                    break relay
                }
                if observing {
                    if let ticket { ordering?.waitToObserve(direction, ticket: ticket, skippedTicket: &skippedTicket) }
                    observer?.relayed(UnsafeRawBufferPointer(start: buffer, count: count), direction: direction)
                    ordering?.didObserve(direction)
                    phase.store(Phase.reading.rawValue, ordering: .releasing)
                }
            case .endOfFile, .failed:
                break relay
            }
        }
        ordering?.didObserve(direction)
        if closesSource {
            close(source)
        } else if destinationFailed {
            FileDescriptorIO.detach(source)
        }
        if closesDestination { close(destination) }
        if observing {
            observer?.closed(direction)
            phase.store(Phase.finished.rawValue, ordering: .releasing)
        }
        done.signal()
    }
}
