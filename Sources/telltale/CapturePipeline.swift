import Foundation
import TelltaleCapture
import TelltaleCore

/// What `telltale run` records with, resolved from its options and environment.
struct CaptureSettings: Sendable, Equatable {
    /// Collector base URL (`--endpoint`, `TELLTALE_ENDPOINT`, default `http://127.0.0.1:7340`).
    var endpoint: String
    /// Ingest key; never empty here (without one, nothing is recorded and no pipeline is built).
    var apiKey: String
    /// `--tag key=value`, stamped on every Call.
    var tags: [String: String]
    /// `--redact-key REGEX`: extra key patterns whose values are redacted.
    var redactKeyPatterns: [String]
    /// `false` with `--no-payloads`: request/response payloads are not captured.
    var capturePayloads: Bool
    /// `--session-id`; `nil` lets capture generate one per stdio connection.
    var sessionID: String?
    /// The wrapped command, for naming the server when it does not say.
    var command: [String]
}

/// The observer the relay feeds, and how to flush what it captured once the child exited.
struct CapturePipeline: Sendable {
    /// Sees every relayed chunk; `nil` relays without recording.
    var observer: (any RelayObserver)?
    /// Flushes captured calls to the collector. `telltale run` bounds it to ``RunCommand/flushLimit``.
    var finish: @Sendable () async -> Void
    /// Relays without recording anything.
    static let relayOnly = CapturePipeline(observer: nil, finish: {})
}

/// Builds the capture pipeline of `telltale run`: the call tracker feeding the shipper.
///
/// Only called with an API key. Must not throw: capture fails open, so anything that cannot be built
/// is reported on stderr and the relay runs without it.
func makeCapturePipeline(_ settings: CaptureSettings) -> CapturePipeline {
    guard let endpoint = URL(string: settings.endpoint) else {
        RunDiagnostics.write("telltale: invalid endpoint '\(settings.endpoint)'; relaying without recording")
        return .relayOnly
    }
    let redactor: Redactor
    do {
        redactor = try Redactor(extraKeyPatterns: settings.redactKeyPatterns)
    } catch {
        RunDiagnostics.write("telltale: \(error); relaying without recording")
        return .relayOnly
    }
    let options = CaptureOptions(
        tags: settings.tags,
        payloads: PayloadPolicy(capture: settings.capturePayloads, redactor: redactor)
    )
    let shipper = Shipper(configuration: ShipperConfiguration(endpoint: endpoint, apiKey: settings.apiKey))
    let observer = TrackingObserver(options: options, sink: shipper, sessionID: settings.sessionID)
    // Timeouts (noResponse) and stdout pollution are emitted on a tick, not only when bytes flow.
    let ticker = Task {
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(1))
            observer.tick()
        }
    }
    return CapturePipeline(observer: observer, finish: {
        ticker.cancel()
        observer.finish()
        // Sends what is queued; what cannot be sent in time is spooled to disk, not lost.
        await shipper.flush(timeout: RunCommand.flushLimit - .milliseconds(300))
        await shipper.shutdown()
    })
}
