import Foundation

/// A moment of capture: wall-clock time for `startedAt`, a monotonic reading for durations.
///
/// Core never reads clocks on its own; callers pass instants in (``now()`` for live capture,
/// constructed values in tests).
public struct CaptureInstant: Sendable, Equatable {
    /// Wall-clock time.
    public var wall: Date
    /// Monotonic nanoseconds (any fixed origin); only differences are meaningful.
    public var monotonicNs: UInt64

    /// An instant from explicit clock readings.
    public init(wall: Date, monotonicNs: UInt64) {
        self.wall = wall
        self.monotonicNs = monotonicNs
    }

    /// The current wall-clock time and monotonic uptime.
    public static func now() -> CaptureInstant {
        CaptureInstant(wall: Date(), monotonicNs: DispatchTime.now().uptimeNanoseconds)
    }
}
