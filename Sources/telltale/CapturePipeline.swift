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
    let options: CaptureOptions
    do {
        options = try makeCaptureOptions(
            tags: settings.tags, redactKeyPatterns: settings.redactKeyPatterns, capturePayloads: settings.capturePayloads)
    } catch {
        RunDiagnostics.write("telltale: \(error); relaying without recording")
        return .relayOnly
    }
    let shipper = Shipper(configuration: ShipperConfiguration(endpoint: endpoint, apiKey: settings.apiKey))
    let observer = TrackingObserver(options: options, sink: shipper, sessionID: settings.sessionID)
    // Timeouts (noResponse) and stdout pollution are emitted on a tick, not only when bytes flow.
    let ticker = tickEverySecond(observer.tick)
    return CapturePipeline(observer: observer, finish: {
        ticker.cancel()
        observer.finish()
        await flushAndShutdown(shipper, within: RunCommand.flushLimit)
    })
}

/// Capture options from the command line's values (throws for a `--redact-key` the redactor refuses).
func makeCaptureOptions(
    tags: [String: String], redactKeyPatterns: [String], capturePayloads: Bool, transport: CallTransport = .stdio
) throws -> CaptureOptions {
    let redactor = try Redactor(extraKeyPatterns: redactKeyPatterns)
    return CaptureOptions(tags: tags, payloads: PayloadPolicy(capture: capturePayloads, redactor: redactor), transport: transport)
}

/// Calls `tick` once a second until the returned task is cancelled (timeouts and periodic records are
/// emitted even when no bytes flow).
func tickEverySecond(_ tick: @escaping @Sendable () -> Void) -> Task<Void, Never> {
    Task {
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(1))
            tick()
        }
    }
}

/// Sends what is queued and stops the shipper; what cannot be sent within `limit` is spooled to disk,
/// not lost (the flush leaves 300 ms of the limit for the shutdown).
func flushAndShutdown(_ shipper: Shipper, within limit: Duration) async {
    await shipper.flush(timeout: limit - .milliseconds(300))
    await shipper.shutdown()
}
