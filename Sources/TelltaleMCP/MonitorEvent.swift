import Foundation
import MCP
import TelltaleCore

/// One thing a ``ConnectionMonitor`` processes, in the order the transport saw it.
enum MonitorEvent: Sendable {
    /// A message frame, seen before it was forwarded.
    case frame(ObservedFrame)
    /// About once a second: request timeouts, session decisions that waited too long.
    case tick(CaptureInstant)
    /// The connection ended: open requests become `noResponse` with `reason`.
    case close(CaptureInstant, reason: String)
    /// Everything queued before it has been processed and handed to the sink.
    case barrier(CheckedContinuation<Void, Never>)
}

/// A frame handed over by the transport's send or receive path.
struct ObservedFrame: Sendable {
    /// The frame's bytes as the transport carries them (one JSON-RPC message or batch, no newline).
    var data: Data
    /// Who wrote it: `.client` for frames received by the monitored server, `.server` for frames it sends.
    var source: MessageSource
    /// When it was handed over.
    var instant: CaptureInstant
    /// The HTTP request that carried it, when the transport provides one (HTTP server transports).
    var http: HTTPRequest?
}
