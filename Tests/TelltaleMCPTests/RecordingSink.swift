import Synchronization
import TelltaleCapture
import TelltaleCore

/// A `CallSink` that keeps what it is given (for tests about what reaches the sink, not the wire).
final class RecordingSink: CallSink {
    private let calls = Mutex([Call]())

    func submit(_ calls: [Call]) {
        self.calls.withLock { $0 += calls }
    }

    /// Everything submitted so far.
    var all: [Call] { calls.withLock { $0 } }
}
