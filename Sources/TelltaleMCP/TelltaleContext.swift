import TelltaleCapture
import TelltaleCore

/// What every connection of one ``Telltale`` shares: the sink, the once-only log lines and the hooks.
struct TelltaleContext: Sendable {
    /// Where finished calls go (the ``Shipper``).
    var sink: any CallSink
    var reporter: OnceReporter
    var beforeSend: (@Sendable (Call) throws -> Call?)?
    var maxQueuedFrames: Int
    /// Test hook: called at named points of the background task; a thrown error simulates a bug in Telltale.
    var faults: (@Sendable (String) throws -> Void)?
}
