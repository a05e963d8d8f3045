import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif
import TelltaleCore

@testable import TelltaleCapture

/// Measurements, not timed assertions: run with `TELLTALE_SHIPPER_BENCH=1 swift test --filter ShipperThroughput`.
@Suite("Shipper throughput", .serialized, .enabled(if: ProcessInfo.processInfo.environment["TELLTALE_SHIPPER_BENCH"] != nil))
struct ShipperThroughputTests {
    typealias Support = ShipperTestSupport

    @Test("submit cost and end-to-end delivery rate against a local collector")
    func throughput() async throws {
        let total = Int(ProcessInfo.processInfo.environment["TELLTALE_SHIPPER_BENCH_CALLS"] ?? "") ?? 100_000
        let collector = try await ShipperTestCollector.start()
        let spool = Support.temporarySpool()
        defer { Support.removeSpool(spool) }
        var configuration = Support.configuration(port: collector.port, spool: spool, lines: ReportedLines())
        configuration.maxBatchDelay = .seconds(1)
        let shipper = Shipper(configuration: configuration)
        let calls = Support.calls(total)

        let start = ContinuousClock.now
        for call in calls { shipper.submit([call]) }
        let submitted = ContinuousClock.now
        await shipper.flush(timeout: .seconds(120))
        #expect(await Support.eventually(timeout: .seconds(120)) { shipper.stats.sent + Support.spooledCalls(in: spool) == total })
        let done = ContinuousClock.now

        let submitNs = Double((submitted - start).saturatingNanoseconds) / Double(total)
        let seconds = Double((done - start).saturatingNanoseconds) / 1e9
        let stats = shipper.stats
        print("shipper bench: \(total) calls, submit \(String(format: "%.0f", submitNs)) ns/call, "
            + "all sent or spooled in \(String(format: "%.2f", seconds)) s = \(String(format: "%.0f", Double(total) / seconds)) calls/s; \(stats)")
        #expect(stats.dropped == 0)
        await shipper.shutdown()
        await collector.stop()
    }
}

extension ShipperThroughputTests {
    @Test("submit cost alone: lock + append, no spill, no wake-ups")
    func submitCost() async throws {
        let total = 200_000
        let spool = Support.temporarySpool()
        defer { Support.removeSpool(spool) }
        let port = try await ShipperTestCollector.reservePort()
        var configuration = Support.configuration(
            port: port, spool: spool, lines: ReportedLines(),
            maxBatchCalls: total * 2, maxBatchDelay: .seconds(600), maxQueuedCalls: total * 2
        )
        configuration.maxBatchBytes = Int.max
        let shipper = Shipper(configuration: configuration)
        let calls = Support.calls(total)
        shipper.submit([calls[0]])  // the first submit wakes the loop; measure the rest
        let start = ContinuousClock.now
        let cpuStart = threadCPUNanoseconds()
        for call in calls.dropFirst() { shipper.submit([call]) }
        let cpu = threadCPUNanoseconds() - cpuStart
        let took = ContinuousClock.now - start
        let wallNs = Double(took.saturatingNanoseconds) / Double(total - 1)
        print("shipper bench: submit of one call into the queue: \(String(format: "%.0f", wallNs)) ns/call wall, "
            + "\(String(format: "%.0f", Double(cpu) / Double(total - 1))) ns/call CPU of the submitting thread")
        #expect(shipper.stats.queueDepth == total)
        await shipper.shutdown()
    }
}

/// CPU time of the calling thread (not disturbed by other processes on a busy machine).
private func threadCPUNanoseconds() -> Int64 {
    var time = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
    return Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec)
}
