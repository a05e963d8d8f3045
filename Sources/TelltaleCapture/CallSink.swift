import TelltaleCore

/// Where capture hands finished Call records: the shipper, or a collector in tests.
public protocol CallSink: Sendable {
    /// Takes calls for delivery. Never blocks and never throws: capture fails open.
    func submit(_ calls: [Call])
}
