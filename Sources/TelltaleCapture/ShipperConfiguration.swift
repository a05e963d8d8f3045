import Foundation
import Logging

/// Settings of a ``Shipper``: where calls go, how they are batched, retried and spooled.
///
/// Only `endpoint` and `apiKey` are required; every other value has the default the
/// architecture asks for (batches of 500 calls or 1 MiB, at least every second, a queue of
/// 10,000 calls, a 256 MiB spool, backoff from 250 ms to 30 s).
public struct ShipperConfiguration: Sendable {
    /// Base URL of the collector, e.g. `http://127.0.0.1:7340`; calls go to `{endpoint}/api/v1/ingest`.
    public var endpoint: URL
    /// Ingest key, sent as `Authorization: Bearer <apiKey>` (no header when empty).
    public var apiKey: String
    /// The folder of the on-disk spool, used as given; `nil` means the default, a folder per endpoint
    /// under ``defaultSpoolRoot(environment:)`` (see ``resolvedSpoolDirectory``), so calls spooled
    /// for one collector are never sent to another one.
    public var spoolDirectory: URL?
    /// Upper bound of the spool folder in bytes; the oldest files are deleted (and counted as dropped) beyond it.
    public var maxSpoolBytes: Int
    /// A batch is sent as soon as this many calls are queued.
    public var maxBatchCalls: Int
    /// Upper bound of one batch's uncompressed NDJSON body, in bytes (a single larger call is sent alone).
    public var maxBatchBytes: Int
    /// A queued call waits at most this long before its batch is sent.
    public var maxBatchDelay: Duration
    /// Calls held in memory; beyond it, the oldest queued calls spill to the spool.
    public var maxQueuedCalls: Int
    /// First retry delay; each failed attempt doubles it (full jitter) up to ``maxBackoff``.
    public var initialBackoff: Duration
    /// Cap of the retry delay. A `Retry-After` from the collector is honoured up to 5 minutes (or this, if longer).
    public var maxBackoff: Duration
    /// Time one POST may take, from connect to the last byte of the response.
    public var requestTimeout: Duration
    /// How often a healthy shipper looks for spool files that other processes left behind.
    public var spoolScanInterval: Duration
    /// Receives the few human-readable problem lines (at most one per kind of problem). Default: stderr.
    public var report: @Sendable (String) -> Void
    /// Per-batch diagnostics (each rejected batch, each spool error, each failed attempt), all at debug level.
    public var logger: Logger

    /// Creates a configuration; every argument after `apiKey` has the documented default.
    public init(
        endpoint: URL,
        apiKey: String,
        spoolDirectory: URL? = nil,
        maxSpoolBytes: Int = 256 << 20,
        maxBatchCalls: Int = 500,
        maxBatchBytes: Int = 1 << 20,
        maxBatchDelay: Duration = .seconds(1),
        maxQueuedCalls: Int = 10_000,
        initialBackoff: Duration = .milliseconds(250),
        maxBackoff: Duration = .seconds(30),
        requestTimeout: Duration = .seconds(10),
        spoolScanInterval: Duration = .seconds(5),
        report: @escaping @Sendable (String) -> Void = ShipperConfiguration.writeToStandardError,
        logger: Logger = Logger(label: "telltale.shipper")
    ) {
        self.endpoint = endpoint
        self.apiKey = apiKey
        self.spoolDirectory = spoolDirectory
        self.maxSpoolBytes = maxSpoolBytes
        self.maxBatchCalls = max(1, maxBatchCalls)
        self.maxBatchBytes = max(1, maxBatchBytes)
        self.maxBatchDelay = maxBatchDelay
        self.maxQueuedCalls = max(1, maxQueuedCalls)
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
        self.requestTimeout = requestTimeout
        self.spoolScanInterval = spoolScanInterval
        self.report = report
        self.logger = logger
    }

    /// The ingest URL: `{endpoint}/api/v1/ingest` (a trailing slash on the endpoint is ignored).
    public var ingestURL: String {
        var base = endpoint.absoluteString
        while base.hasSuffix("/") { base.removeLast() }
        return base + "/api/v1/ingest"
    }

    /// The folder this configuration spools into: ``spoolDirectory`` when set, else
    /// `{defaultSpoolRoot}/{host}_{port}` (with the endpoint's path appended when it has one).
    public var resolvedSpoolDirectory: URL {
        if let spoolDirectory { return spoolDirectory }
        return Self.defaultSpoolRoot()
            .appendingPathComponent(Self.spoolFolderName(for: endpoint), isDirectory: true)
    }

    /// `$XDG_DATA_HOME/telltale/spool`, else `~/.local/share/telltale/spool`.
    public static func defaultSpoolRoot(
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> URL {
        if let xdg = environment["XDG_DATA_HOME"], xdg.hasPrefix("/") {
            return URL(fileURLWithPath: xdg, isDirectory: true)
                .appendingPathComponent("telltale/spool", isDirectory: true)
        }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? FileManager.default.homeDirectoryForCurrentUser.path
        return URL(fileURLWithPath: home, isDirectory: true)
            .appendingPathComponent(".local/share/telltale/spool", isDirectory: true)
    }

    /// A file-name-safe folder name for an endpoint, e.g. `127.0.0.1_7340` or `collector.example.com_443_ingest`.
    static func spoolFolderName(for endpoint: URL) -> String {
        let scheme = endpoint.scheme?.lowercased() ?? "http"
        let host = endpoint.host?.lowercased() ?? "localhost"
        let port = endpoint.port ?? (scheme == "https" ? 443 : 80)
        var name = "\(host)_\(port)"
        let path = endpoint.path.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        if !path.isEmpty { name += "_" + path }
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: ".-_"))
        return String(name.unicodeScalars.map { allowed.contains($0) ? Character($0) : "_" })
    }

    /// The default ``report``: writes the line, plus a newline, to the process's standard error.
    public static let writeToStandardError: @Sendable (String) -> Void = { line in
        FileDescriptorIO.writeLine(toStandardError: line)
    }
}
