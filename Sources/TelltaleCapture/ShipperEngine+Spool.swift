import Foundation
import Logging
import TelltaleCore

/// A gzip NDJSON request body and how many calls it holds.
struct EncodedBatch: Sendable {
    var body: [UInt8]
    var callCount: Int
}

extension ShipperEngine {
    /// Encodes calls into gzip batches of at most `maxBatchBytes` uncompressed NDJSON each (a single
    /// larger line is a batch of its own). Unencodable calls are counted as dropped.
    func makeBatches(_ calls: [Call]) -> [EncodedBatch] {
        guard !calls.isEmpty else { return [] }
        let ndjson = ShipperWireFormat.encode(calls)
        let limit = configuration.maxBatchBytes
        var chunks: [(range: Range<Int>, lines: Int)] = []
        var chunkStart = 0
        var lineStart = 0
        var lines = 0
        var lineCount = 0
        // JSON never contains a raw newline, so every `\n` ends one call.
        for index in ndjson.indices where ndjson[index] == UInt8(ascii: "\n") {
            let lineEnd = index + 1
            if lines > 0, lineEnd - chunkStart > limit {
                chunks.append((chunkStart..<lineStart, lines))
                chunkStart = lineStart
                lines = 0
            }
            lines += 1
            lineCount += 1
            lineStart = lineEnd
        }
        if lines > 0 { chunks.append((chunkStart..<lineStart, lines)) }

        var batches: [EncodedBatch] = []
        var lost = calls.count - lineCount
        for chunk in chunks {
            do {
                batches.append(EncodedBatch(body: try ShipperWireFormat.gzip(ndjson[chunk.range]), callCount: chunk.lines))
            } catch {
                lost += chunk.lines
                configuration.logger.debug("telltale shipper: gzip failed: \(error)")
            }
        }
        if lost > 0 {
            state.withLock { $0.stats.dropped += lost }
            reporter.report(.dropped, "\(lost) calls could not be encoded and were dropped")
        }
        return batches
    }

    /// Encodes and spools calls; returns the files written (calls that could not be spooled are counted as dropped).
    @discardableResult
    func spoolCalls(_ calls: [Call]) -> [SpoolFile] {
        makeBatches(calls).compactMap { spoolBatch($0) }
    }

    /// Writes one encoded batch to the spool and keeps the counters; nil when it could not be kept.
    @discardableResult
    func spoolBatch(_ batch: EncodedBatch) -> SpoolFile? {
        let outcome = spool.write(batch.body, callCount: batch.callCount)
        let evicted = outcome.evictedCalls
        state.withLock { s in
            if outcome.error == nil {
                s.stats.spooled += batch.callCount
                s.spoolDirty = true
            } else {
                s.stats.dropped += batch.callCount
            }
            s.stats.dropped += evicted
        }
        if let error = outcome.error {
            configuration.logger.debug("telltale shipper: \(error)")
            reporter.report(.spoolIO, "\(error) — calls are being dropped while the collector is unreachable")
        }
        if evicted > 0 {
            reporter.report(
                .spoolFull,
                "spool \(spool.directory.path) is full (\(spool.maxBytes) bytes) — deleting the oldest spooled calls"
            )
        }
        return outcome.file
    }
}
