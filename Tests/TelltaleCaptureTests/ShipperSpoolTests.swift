import Foundation
import Testing
import TelltaleCore

@testable import TelltaleCapture

/// The shipper when the collector is away: disk spool, drain on return, bounds, flush on exit.
@Suite("Shipper spool")
struct ShipperSpoolTests {
    typealias Support = ShipperTestSupport

    @Test("collector down → calls spooled → collector up → every call arrives exactly once")
    func downThenUp() async throws {
        let port = try await ShipperTestCollector.reservePort()
        let spool = Support.temporarySpool()
        defer { Support.removeSpool(spool) }
        let lines = ReportedLines()
        let shipper = Shipper(configuration: Support.configuration(
            port: port, spool: spool, lines: lines, maxBatchCalls: 20
        ))
        var submitted: [Call] = []
        for round in 0..<10 {
            let calls = Support.calls(10, prefix: "r\(round)")
            submitted += calls
            shipper.submit(calls)
            try await Task.sleep(for: .milliseconds(30))
        }
        #expect(await Support.eventually { shipper.stats.spooled == 100 && shipper.stats.queueDepth == 0 })
        #expect(Support.spooledCalls(in: spool) == 100)
        #expect(shipper.stats.retries >= 1)

        let collector = try await ShipperTestCollector.start(port: port)
        #expect(await Support.eventually { collector.ingested.count == 100 })
        #expect(await Support.eventually { Support.spooledCalls(in: spool) == 0 })
        try await Task.sleep(for: .milliseconds(300))
        #expect(Set(collector.ingested.keys) == Set(submitted.map(\.id)))
        #expect(collector.ingestedLineCount == 100, "some calls arrived twice")
        let stats = shipper.stats
        #expect(stats.sent == 100)
        #expect(stats.dropped == 0)
        #expect(lines.count(containing: "cannot deliver calls to the collector") == 1)
        // Refused, normally; reset when, in a parallel test run, another test's server got the freed port.
        #expect(lines.count(containing: "connection refused") + lines.count(containing: "connection reset") == 1,
                "\(lines.all)")
        #expect(lines.all.last == "telltale: collector reachable again")
        #expect(lines.all.count == 2, "\(lines.all)")
        await shipper.shutdown()
        await collector.stop()
    }

    @Test("a second shipper (a later run) drains the spool the first one left")
    func laterRunDrainsSpool() async throws {
        let port = try await ShipperTestCollector.reservePort()
        let spool = Support.temporarySpool()
        defer { Support.removeSpool(spool) }
        let first = Shipper(configuration: Support.configuration(port: port, spool: spool, lines: ReportedLines()))
        let calls = Support.calls(30)
        first.submit(calls)
        await first.flush(timeout: .seconds(2))
        await first.shutdown()
        #expect(Support.spooledCalls(in: spool) == 30)
        #expect(first.stats.spooled == 30)

        let collector = try await ShipperTestCollector.start(port: port)
        let second = Shipper(configuration: Support.configuration(port: port, spool: spool, lines: ReportedLines()))
        #expect(await Support.eventually { collector.ingested.count == 30 })
        #expect(Set(collector.ingested.keys) == Set(calls.map(\.id)))
        #expect(await Support.eventually { Support.spooledCalls(in: spool) == 0 })
        #expect(second.stats.sent == 30)
        #expect(second.stats.submitted == 0)
        await second.shutdown()
        await collector.stop()
    }

    @Test("two shippers sharing a spool never send the same file twice")
    func twoShippersShareSpool() async throws {
        let spool = Support.temporarySpool()
        defer { Support.removeSpool(spool) }
        let disk = DiskSpool(directory: spool, maxBytes: .max)
        var ids: [String] = []
        for index in 0..<40 {
            let calls = Support.calls(5, prefix: "file\(index)")
            ids += calls.map(\.id)
            _ = disk.write(try ShipperWireFormat.gzip(ShipperWireFormat.encode(calls)), callCount: 5)
        }
        let collector = try await ShipperTestCollector.start()
        let one = Shipper(configuration: Support.configuration(port: collector.port, spool: spool, lines: ReportedLines()))
        let two = Shipper(configuration: Support.configuration(port: collector.port, spool: spool, lines: ReportedLines()))
        #expect(await Support.eventually { collector.ingested.count == 200 })
        #expect(await Support.eventually { Support.spooledCalls(in: spool) == 0 })
        try await Task.sleep(for: .milliseconds(500))
        #expect(Set(collector.ingested.keys) == Set(ids))
        #expect(collector.ingestedLineCount == 200, "a spool file was sent twice")
        #expect(one.stats.sent + two.stats.sent == 200)
        await one.shutdown()
        await two.shutdown()
        await collector.stop()
    }

    @Test("the spool stays under maxSpoolBytes; the oldest files go and are counted as dropped")
    func spoolBound() async throws {
        let port = try await ShipperTestCollector.reservePort()
        let spool = Support.temporarySpool()
        defer { Support.removeSpool(spool) }
        let bound = 16 * 1024
        let lines = ReportedLines()
        let shipper = Shipper(configuration: Support.configuration(
            port: port, spool: spool, lines: lines, maxBatchCalls: 10, maxSpoolBytes: bound
        ))
        var lastIDs: [String] = []
        for round in 0..<20 {
            // Random payloads do not compress: each 10-call file is ~14 KiB of gzip.
            let calls = (0..<10).map { index in
                Call(
                    id: "r\(round)-\(index)", startedAt: Date(), method: "tools/call", session: "s",
                    request: .string((0..<1000).map { _ in String(UInt8.random(in: 0...255), radix: 16) }.joined())
                )
            }
            lastIDs = calls.map(\.id)
            shipper.submit(calls)
        }
        #expect(await Support.eventually { shipper.stats.queueDepth == 0 && shipper.stats.spooled == 200 })
        let disk = DiskSpool(directory: spool, maxBytes: bound)
        #expect(disk.totalBytes() <= bound)
        let stats = shipper.stats
        let left = Support.spooledCalls(in: spool)
        #expect(stats.dropped > 0)
        #expect(stats.dropped + left == 200, "dropped \(stats.dropped), left \(left)")
        let kept = Set(try Support.spooledIDs(in: spool))
        #expect(Set(lastIDs).isSubset(of: kept), "the newest calls must survive")
        #expect(!kept.contains { $0.hasPrefix("r0-") }, "the oldest calls must go first")
        #expect(lines.count(containing: "is full") == 1)
        await shipper.shutdown()
    }

    @Test("flush on exit returns within its bound when the collector hangs, and spools what is left")
    func flushTimeoutSpools() async throws {
        let collector = try await ShipperTestCollector.start { _ in .hang }
        let spool = Support.temporarySpool()
        defer { Support.removeSpool(spool) }
        let shipper = Shipper(configuration: Support.configuration(
            port: collector.port, spool: spool, lines: ReportedLines(), maxBatchCalls: 20, requestTimeout: .seconds(30)
        ))
        let calls = Support.calls(50)
        shipper.submit(calls)
        #expect(await Support.eventually { collector.requests.count == 1 })

        let start = ContinuousClock.now
        await shipper.flush(timeout: .milliseconds(500))
        let took = ContinuousClock.now - start
        #expect(took >= .milliseconds(450))
        // Far below the 30 s request timeout it would otherwise wait for; loose enough for a loaded CI machine.
        #expect(took < .seconds(5), "flush took \(took)")
        #expect(Set(try Support.spooledIDs(in: spool)) == Set(calls.map(\.id)))

        let stopStart = ContinuousClock.now
        await shipper.shutdown()
        #expect(ContinuousClock.now - stopStart < .seconds(5))
        // Shutdown cancelled the hanging request; its calls were already spooled by the flush, not twice.
        #expect(try Support.spooledIDs(in: spool).sorted() == calls.map(\.id).sorted())
        await collector.stop()
    }

    @Test("flush with a healthy collector returns once everything is delivered")
    func flushDelivers() async throws {
        let collector = try await ShipperTestCollector.start()
        let spool = Support.temporarySpool()
        defer { Support.removeSpool(spool) }
        let shipper = Shipper(configuration: Support.configuration(
            port: collector.port, spool: spool, lines: ReportedLines(), maxBatchDelay: .seconds(60)
        ))
        shipper.submit(Support.calls(7))
        let start = ContinuousClock.now
        await shipper.flush(timeout: .seconds(30))
        // Returned once delivered, not at its timeout (the bound is loose for a loaded CI machine).
        #expect(ContinuousClock.now - start < .seconds(15))
        #expect(collector.ingested.count == 7)
        #expect(Support.spooledCalls(in: spool) == 0)
        await shipper.shutdown()
        await collector.stop()
    }

    @Test("a full queue spills to the spool instead of dropping; shutdown spools the rest")
    func queueOverflowSpills() async throws {
        let collector = try await ShipperTestCollector.start { _ in .hang }
        let spool = Support.temporarySpool()
        defer { Support.removeSpool(spool) }
        let shipper = Shipper(configuration: Support.configuration(
            port: collector.port, spool: spool, lines: ReportedLines(),
            maxBatchCalls: 10, maxQueuedCalls: 20, requestTimeout: .seconds(30)
        ))
        let calls = Support.calls(100)
        shipper.submit(Array(calls[0..<10]))
        #expect(await Support.eventually { collector.requests.count == 1 })
        let start = ContinuousClock.now
        for call in calls[10...] { shipper.submit([call]) }
        let submitTook = ContinuousClock.now - start
        #expect(shipper.stats.queueDepth <= 20)
        // The spill happens in the background; submit only moved calls around in memory.
        #expect(submitTook < .milliseconds(500), "90 submits took \(submitTook)")
        #expect(await Support.eventually { shipper.stats.spooled + shipper.stats.queueDepth == 90 })
        let stats = shipper.stats
        #expect(stats.dropped == 0)
        #expect(stats.spooled >= 70)

        await shipper.shutdown()
        #expect(try Support.spooledIDs(in: spool).sorted() == calls.map(\.id).sorted())
        #expect(shipper.stats.dropped == 0)
        await collector.stop()
    }

    @Test("calls submitted after shutdown are dropped and counted")
    func submitAfterShutdown() async throws {
        let spool = Support.temporarySpool()
        defer { Support.removeSpool(spool) }
        let port = try await ShipperTestCollector.reservePort()
        let shipper = Shipper(configuration: Support.configuration(port: port, spool: spool, lines: ReportedLines()))
        await shipper.shutdown()
        shipper.submit(Support.calls(3))
        #expect(shipper.stats.dropped == 3)
        #expect(shipper.stats.submitted == 3)
        await shipper.flush(timeout: .milliseconds(100))
    }
}

extension ShipperSpoolTests {
    @Test("a refused key leaves an earlier run's spool alone")
    func refusedKeyKeepsSpool() async throws {
        let spool = Support.temporarySpool()
        defer { Support.removeSpool(spool) }
        let disk = DiskSpool(directory: spool, maxBytes: .max)
        for index in 0..<3 {
            let calls = Support.calls(4, prefix: "old\(index)")
            _ = disk.write(try ShipperWireFormat.gzip(ShipperWireFormat.encode(calls)), callCount: 4)
        }
        let collector = try await ShipperTestCollector.start { _ in .status(403, body: #"{"error":"key lacks ingest scope"}"#) }
        let lines = ReportedLines()
        let shipper = Shipper(configuration: Support.configuration(port: collector.port, spool: spool, lines: lines))
        #expect(await Support.eventually { collector.requests.count == 1 })
        try await Task.sleep(for: .milliseconds(600))
        #expect(collector.requests.count == 1, "kept trying the spool with a refused key")
        #expect(Support.spooledCalls(in: spool) == 12)
        #expect(shipper.stats.dropped == 0)
        #expect(lines.all == ["telltale: collector rejected calls: 403 key lacks ingest scope — calls are not being recorded"])
        await shipper.shutdown()
        // The drain lock is free again for a process with a valid key.
        #expect(disk.tryAcquireDrainLock())
        await collector.stop()
    }
}
