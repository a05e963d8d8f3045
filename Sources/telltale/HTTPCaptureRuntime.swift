import Foundation
import Synchronization
import TelltaleCapture
import TelltaleCore

/// The running parts of HTTP capture (`run --port`, `proxy`): the reverse proxy, the call tracker behind it,
/// and the shipper it feeds.
///
/// Without an API key it only relays (nothing is tracked or shipped). Capture fails open: a tracker or
/// shipper problem never stops the proxy.
final class HTTPCaptureRuntime: Sendable {
    /// How long captured calls may take to flush on the way out (the rest is spooled, not lost).
    static let flushLimit = Duration.seconds(2)

    let proxy: HTTPReverseProxy
    let observer: HTTPTrackingObserver?
    let shipper: Shipper?
    let upstream: HostPort
    private let ticker = Mutex<Task<Void, Never>?>(nil)
    private let stopped = Mutex(false)

    /// Builds the proxy in front of `upstream`, listening on `bind`.
    init(capture: CaptureArguments, http: HTTPProxyArguments, upstream: HostPort, bind: HostPort) throws {
        self.upstream = upstream
        if let settings = capture.captureSettings(), let endpoint = URL(string: settings.endpoint) {
            let options = try Self.captureOptions(capture: capture, http: http)
            let shipper = Shipper(configuration: ShipperConfiguration(endpoint: endpoint, apiKey: settings.apiKey))
            self.shipper = shipper
            self.observer = HTTPTrackingObserver(options: options, sink: shipper)
        } else {
            RunDiagnostics.write("telltale: no API key (set TELLTALE_API_KEY or --api-key); relaying without recording")
            self.shipper = nil
            self.observer = nil
        }
        let configuration = HTTPProxyConfiguration(
            bindHost: bind.host, bindPort: bind.port, upstreamHost: upstream.host, upstreamPort: upstream.port,
            inspectPrefixes: http.resolvedInspectPrefixes)
        self.proxy = HTTPReverseProxy(configuration: configuration, observer: observer)
    }

    /// The tracker's options from the command line; throws a readable error for a bad header mapping.
    static func captureOptions(capture: CaptureArguments, http: HTTPProxyArguments) throws -> HTTPCaptureOptions {
        let options = try makeCaptureOptions(
            tags: (try? capture.parsedTags()) ?? [:], redactKeyPatterns: capture.redactKeys,
            capturePayloads: !capture.noPayloads, transport: .http)
        return try HTTPCaptureOptions(
            capture: options, contextHeaderSpecs: http.contextHeaders, redactHeaders: http.redactHeaders)
    }

    /// Binds the proxy and starts the once-a-second tick (timeouts, idle sessions); returns the bound port.
    func start() async throws -> Int {
        let port = try await proxy.start()
        if let observer {
            ticker.withLock { $0 = tickEverySecond(observer.tick) }
        }
        return port
    }

    /// Stops accepting, closes connections, ends open calls and flushes them (bounded). Idempotent.
    func stop() async {
        guard stopped.withLock({ state in defer { state = true }; return !state }) else { return }
        await proxy.shutdown()
        ticker.withLock { $0?.cancel() }
        observer?.finish()
        if let shipper {
            await RunCommand.bounded(Self.flushLimit) { await flushAndShutdown(shipper, within: Self.flushLimit) }
        }
    }
}
