import CompressNIO
import Foundation
import NIOCore
import Synchronization
import TelltaleCore

@testable import TelltaleCapture

/// Lines a shipper reported (instead of stderr).
final class ReportedLines: Sendable {
    private let lines = Mutex<[String]>([])
    var all: [String] { lines.withLock { $0 } }
    func append(_ line: String) { lines.withLock { $0.append(line) } }
    func count(containing text: String) -> Int { all.filter { $0.contains(text) }.count }
}

/// Shared helpers of the shipper tests.
enum ShipperTestSupport {
    /// A fresh, empty folder for one test's spool.
    static func temporarySpool() -> URL {
        FileManager.default.temporaryDirectory
            .appendingPathComponent("telltale-shipper-tests", isDirectory: true)
            .appendingPathComponent(UUID().uuidString, isDirectory: true)
    }

    static func removeSpool(_ url: URL) {
        try? FileManager.default.removeItem(at: url)
    }

    /// `count` distinct calls; `payloadBytes` > 0 adds a request payload of about that size.
    static func calls(_ count: Int, prefix: String = "call", payloadBytes: Int = 0) -> [Call] {
        (0..<count).map { index in
            Call(
                id: "\(prefix)-\(index)-\(UUID().uuidString.prefix(8))",
                startedAt: Date(timeIntervalSince1970: 1_795_601_613.123456),
                durationNs: 1_500_000,
                method: "tools/call",
                target: "echo",
                session: "session-1",
                client: PeerInfo(name: "test-client", version: "1.0"),
                request: payloadBytes > 0 ? .string(String(repeating: "x", count: payloadBytes)) : nil,
                requestBytes: payloadBytes > 0 ? payloadBytes + 50 : 300
            )
        }
    }

    /// A configuration for tests: fast timings, the given spool folder, reports captured.
    static func configuration(
        port: Int,
        spool: URL,
        lines: ReportedLines,
        apiKey: String = "test-key",
        maxBatchCalls: Int = 500,
        maxBatchDelay: Duration = .milliseconds(100),
        maxQueuedCalls: Int = 10_000,
        maxSpoolBytes: Int = 256 << 20,
        initialBackoff: Duration = .milliseconds(50),
        maxBackoff: Duration = .milliseconds(300),
        requestTimeout: Duration = .seconds(10)
    ) -> ShipperConfiguration {
        ShipperConfiguration(
            endpoint: URL(string: "http://127.0.0.1:\(port)")!,
            apiKey: apiKey,
            spoolDirectory: spool,
            maxSpoolBytes: maxSpoolBytes,
            maxBatchCalls: maxBatchCalls,
            maxBatchDelay: maxBatchDelay,
            maxQueuedCalls: maxQueuedCalls,
            initialBackoff: initialBackoff,
            maxBackoff: maxBackoff,
            requestTimeout: requestTimeout,
            spoolScanInterval: .milliseconds(200),
            report: { lines.append($0) }
        )
    }

    /// Polls `condition` every 20 ms until it holds or `timeout` passes; returns its last value.
    static func eventually(timeout: Duration = .seconds(10), _ condition: () -> Bool) async -> Bool {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while ContinuousClock.now < deadline {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return condition()
    }

    /// Calls held in the spool folder (from the batch file names).
    static func spooledCalls(in directory: URL) -> Int {
        DiskSpool(directory: directory, maxBytes: .max).files().reduce(0) { $0 + $1.callCount }
    }

    /// Ids of the calls in the spool folder (decoding every file).
    static func spooledIDs(in directory: URL) throws -> [String] {
        let spool = DiskSpool(directory: directory, maxBytes: .max)
        var ids: [String] = []
        for file in spool.files() {
            guard let body = spool.read(file) else { continue }
            ids += try ndjsonIDs(gunzip(body))
        }
        return ids
    }

    static func gunzip(_ bytes: [UInt8]) throws -> [UInt8] {
        var buffer = ByteBuffer(bytes: bytes)
        let decoded = try buffer.decompress(with: .gzip())
        return Array(decoded.readableBytesView)
    }

    static func ndjsonIDs(_ bytes: [UInt8]) throws -> [String] {
        try String(decoding: bytes, as: UTF8.self).split(separator: "\n").map { line in
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            return object?["id"] as? String ?? ""
        }
    }
}
