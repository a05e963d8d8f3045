import Foundation
import TelltaleCore

/// Delivers Call records to the collector: batched, gzip NDJSON, retried with backoff, spooled to disk
/// while the collector is away — and never in the host's way.
///
/// - ``submit(_:)`` only appends to a bounded in-memory queue (10,000 calls by default); beyond it the
///   oldest calls spill to the disk spool; they are dropped (and counted) only when the spool is full.
/// - One background loop sends `POST {endpoint}/api/v1/ingest` with `Authorization: Bearer <key>`,
///   `Content-Type: application/x-ndjson`, `Content-Encoding: gzip`, whenever 500 calls (or 1 MiB) are
///   queued or the oldest queued call is a second old.
/// - Network errors, 5xx, 408 and 429 are retried with exponential backoff and full jitter (250 ms → 30 s),
///   honouring `Retry-After`; meanwhile batches go to the spool, which is drained, oldest first,
///   when the collector answers again — by this process or any later one using the same spool folder.
/// - Other 4xx are not retried: the batch is dropped (counted) and one line says so on stderr.
/// - Nothing throws into the host; problems are reported at most once per kind (see
///   ``ShipperConfiguration/report``), plus "collector reachable again" once after a reported outage.
///
/// Call ``flush(timeout:)`` then ``shutdown()`` before the process exits.
public final class Shipper: CallSink, Sendable {
    private let engine: ShipperEngine
    private let loop: Task<Void, Never>

    /// Creates the shipper and starts its background loop (which first drains any spool left by earlier runs).
    public init(configuration: ShipperConfiguration) {
        let engine = ShipperEngine(configuration: configuration)
        self.engine = engine
        self.loop = Task { await engine.run() }
    }

    deinit {
        // Without `shutdown()`: the loop still spools what is left and shuts its HTTP client down.
        engine.state.withLock { $0.stopping = true }
        loop.cancel()
    }

    /// The settings this shipper runs with.
    public var configuration: ShipperConfiguration { engine.configuration }

    /// The folder this shipper spools into (``ShipperConfiguration/resolvedSpoolDirectory``).
    public var spoolDirectory: URL { engine.spool.directory }

    /// Queues calls for delivery. Never blocks on the network and never throws.
    ///
    /// Only when the queue is over its bound does the caller's thread write the oldest batch to the spool.
    public func submit(_ calls: [Call]) {
        engine.submit(calls)
    }

    /// A snapshot of the counters (submitted, sent, spooled, dropped, rejected, retries, queue depth).
    public var stats: ShipperStats { engine.stats }

    /// Sends everything queued now and waits until it is delivered (or spooled because the collector is
    /// away); if `timeout` passes first, writes what is left to the spool and returns. Never throws.
    public func flush(timeout: Duration) async {
        let idle = await engine.waitUntilIdle(timeout: timeout)
        if !idle { engine.spoolLeftovers() }
    }

    /// Stops the loop: an in-flight request is cancelled, and queued or unfinished calls go to the spool;
    /// then the HTTP client is shut down. Calls submitted afterwards are dropped (counted). Idempotent.
    public func shutdown() async {
        engine.state.withLock { $0.stopping = true }
        engine.wakeLoop()
        loop.cancel()
        await loop.value
    }
}
