import Synchronization

/// The bounded queue between a transport's path and its ``ConnectionMonitor``'s background task.
///
/// ``push(_:)`` takes a lock, appends, and wakes the task only when it is waiting; the task, once woken,
/// pauses ``gatherDelay`` before it takes the whole queue, so one wake-up serves every frame of that
/// moment instead of one per frame (a thread wake-up costs more than observing a frame).
final class EventQueue: Sendable {
    /// What happened to a pushed event.
    enum Push {
        case accepted
        /// The queue holds ``capacity`` frames already: the frame was not queued.
        case full
        /// The queue was finished: nothing is queued any more.
        case finished
    }

    private struct State {
        var events: [MonitorEvent] = []
        var frames = 0
        var waiter: CheckedContinuation<Void, Never>?
        var finished = false
    }

    /// Frames held at most (control events always fit).
    let capacity: Int
    /// How long the task waits after a wake-up before it takes the queue.
    let gatherDelay: Duration
    private let state = Mutex(State())

    init(capacity: Int, gatherDelay: Duration = .milliseconds(2)) {
        self.capacity = max(1, capacity)
        self.gatherDelay = gatherDelay
    }

    /// Appends `event`; never blocks beyond the lock, never waits for the task.
    @discardableResult
    func push(_ event: MonitorEvent) -> Push {
        var isFrame = false
        if case .frame = event { isFrame = true }
        let (outcome, waiter) = state.withLock { state -> (Push, CheckedContinuation<Void, Never>?) in
            if state.finished { return (.finished, nil) }
            if isFrame {
                guard state.frames < capacity else { return (.full, nil) }
                state.frames += 1
            }
            state.events.append(event)
            let waiter = state.waiter
            state.waiter = nil
            return (.accepted, waiter)
        }
        waiter?.resume()
        return outcome
    }

    /// No more events are accepted; the task gets what is queued, then nil.
    func finish() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.finished = true
            let waiter = state.waiter
            state.waiter = nil
            return waiter
        }
        waiter?.resume()
    }

    /// The events queued so far, in order, waiting for some if there are none; nil once finished and empty.
    /// Called by one task only.
    func next() async -> [MonitorEvent]? {
        while true {
            let taken = state.withLock { state -> [MonitorEvent]? in
                guard state.events.isEmpty else {
                    let events = state.events
                    state.events = []
                    state.frames = 0
                    return events
                }
                return state.finished ? [] : nil
            }
            if let taken { return taken.isEmpty ? nil : taken }
            await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
                let ready = state.withLock { state -> Bool in
                    if !state.events.isEmpty || state.finished { return true }
                    state.waiter = waiter
                    return false
                }
                if ready { waiter.resume() }
            }
            try? await Task.sleep(for: gatherDelay)
        }
    }
}
