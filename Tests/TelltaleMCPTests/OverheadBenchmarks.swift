import Foundation
import MCP
import TelltaleCore
@testable import TelltaleMCP
import Testing

/// Per-call overhead of monitoring, measured with the real client and server over `InMemoryTransport`
/// (monitored calls shipped to a real `telltale serve` in its own process, so the process CPU time measured
/// here is the client's, the server's and Telltale's only). Run with `TELLTALE_MCP_BENCH=1`; prints, and
/// asserts only that every call was delivered.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["TELLTALE_MCP_BENCH"] != nil), .serialized)
struct OverheadBenchmarks {
    static let calls = 2000
    static let rounds = 5

    /// Wall-clock and process CPU time (all threads) of one `tools/call`, in µs, averaged over `count`
    /// sequential calls.
    static func meanCall(_ client: Client, count: Int) async throws -> (wall: Double, cpu: Double) {
        let started = ContinuousClock.now
        let cpuStarted = processCPUMicroseconds()
        for index in 0..<count {
            _ = try await client.callTool(name: "add", arguments: ["a": .int(index), "b": 1])
        }
        let cpu = (processCPUMicroseconds() - cpuStarted) / Double(count)
        return (microseconds((ContinuousClock.now - started) / count), cpu)
    }

    static func processCPUMicroseconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now)
        return Double(now.tv_sec) * 1e6 + Double(now.tv_nsec) / 1e3
    }

    static func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }

    static func microseconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) * 1e6 + Double(duration.components.attoseconds) / 1e12
    }

    /// What is compared with the unmonitored server.
    enum Variant: String, CaseIterable, Sendable {
        /// Monitoring on, payloads captured (the default).
        case monitored
        /// Monitoring on, `capturePayloads: false`.
        case noPayloads
        /// The decorator alone: no collector configured, so monitoring is disabled.
        case decoratorOnly
    }

    @Test(arguments: Variant.allCases)
    func perCallOverheadOverInMemory(_ variant: Variant) async throws {
        let collector = try await TelltaleServeTests.Serve.start()
        defer { collector.stop() }
        do {
            let telltale = Telltale(TelltaleOptions(
                endpoint: variant == .decoratorOnly ? nil : URL(string: collector.endpoint), apiKey: collector.ingestKey,
                capturePayloads: variant != .noPayloads, spoolDirectory: collector.directory.appendingPathComponent("spool"),
                log: { _ in }, environment: [:]))
            let monitored = try await TestServer.connect(telltale)
            let (clientSide, serverSide) = await InMemoryTransport.createConnectedPair()
            let plainServer = await TestServer.make()
            try await plainServer.start(transport: serverSide)
            let plainClient = Client(name: "plain", version: "1")
            _ = try await plainClient.connect(transport: clientSide)

            _ = try await Self.meanCall(monitored.client, count: 200)   // warm-up
            _ = try await Self.meanCall(plainClient, count: 200)
            var plain: [(wall: Double, cpu: Double)] = []
            var watched: [(wall: Double, cpu: Double)] = []
            for _ in 0..<Self.rounds {
                plain.append(try await Self.meanCall(plainClient, count: Self.calls))
                watched.append(try await Self.meanCall(monitored.client, count: Self.calls))
            }
            func line(_ name: String, _ plain: [Double], _ watched: [Double]) -> String {
                let (p, w) = (Self.median(plain), Self.median(watched))
                return String(format: "%@ unmonitored %.1f µs, monitored %.1f µs, overhead %.1f µs (%.1f %%)",
                              name, p, w, w - p, (w / p - 1) * 100)
                    + " [rounds \(plain.map { Int($0) }) vs \(watched.map { Int($0) })]"
            }
            print("TelltaleMCP overhead per tools/call, \(variant) (in-memory, \(Self.calls) sequential calls × \(Self.rounds) rounds, medians):")
            print(line("  wall:", plain.map(\.wall), watched.map(\.wall)))
            print(line("  CPU (all threads):", plain.map(\.cpu), watched.map(\.cpu)))
            await monitored.client.disconnect()
            await monitored.server.stop()
            await plainClient.disconnect()
            await plainServer.stop()
            await telltale.shutdown()
            let expected = 2 + 200 + Self.calls * Self.rounds
            #expect(telltale.shipperStats?.sent == (variant == .decoratorOnly ? nil : expected))
            #expect(monitored.transport.stats.framesDropped == 0)
        }
    }

    @Test func costOfHandingOneFrameToTheMonitor() async throws {
        let sink = RecordingSink()
        let telltale = Telltale(options: TelltaleOptions(maxQueuedFrames: 1_000_000, environment: [:]), sink: sink, faults: nil)
        let monitor = try #require(telltale.startConnection(transport: .memory))
        let frame = Data(#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"add","arguments":{"a":1,"b":2}}}"#.utf8)
        let count = 200_000
        let started = ContinuousClock.now
        for _ in 0..<count { monitor.observe(frame, from: .client) }
        let perFrame = Self.microseconds((ContinuousClock.now - started) / count)
        await telltale.endConnection(monitor, reason: "done")
        print("TelltaleMCP hot path: \(String(format: "%.3f", perFrame)) µs per frame handed to the monitor (\(count) frames)")
        #expect(monitor.stats.framesObserved == count)
    }
}
