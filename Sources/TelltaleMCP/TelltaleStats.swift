import TelltaleCapture

/// Counters of one monitored connection (a snapshot; read it again for news).
public struct TelltaleStats: Sendable, Equatable, CustomStringConvertible {
    /// Frames handed to the monitor by the transport (both directions).
    public var framesObserved = 0
    /// Frames not observed because the observation queue was full (the transport was never blocked).
    public var framesDropped = 0
    /// Frames that held no JSON-RPC message after the connection had carried valid ones.
    public var framesUnparsed = 0
    /// Call records produced (before `beforeSend`).
    public var callsRecorded = 0
    /// Call records `beforeSend` dropped (returned nil).
    public var callsDroppedByHook = 0
    /// Call records handed to the shipper.
    public var callsSubmitted = 0
    /// Why monitoring is off for this connection, or nil while it is on.
    public var disabledReason: String?

    /// A zero snapshot.
    public init() {}

    public var description: String {
        "framesObserved=\(framesObserved) framesDropped=\(framesDropped) framesUnparsed=\(framesUnparsed) "
            + "callsRecorded=\(callsRecorded) callsDroppedByHook=\(callsDroppedByHook) "
            + "callsSubmitted=\(callsSubmitted) disabled=\(disabledReason ?? "no")"
    }
}
