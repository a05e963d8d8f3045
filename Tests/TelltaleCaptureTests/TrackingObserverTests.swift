import Foundation
import Synchronization
import Testing
import TelltaleCapture
import TelltaleCore

/// A sink that keeps everything it is given.
final class CollectingSink: CallSink {
    private let calls = Mutex<[Call]>([])
    func submit(_ calls: [Call]) { self.calls.withLock { $0 += calls } }
    var collected: [Call] { calls.withLock { $0 } }
}

@Suite struct TrackingObserverTests {
    private func relay(_ observer: TrackingObserver, _ line: String, _ direction: RelayDirection) {
        Array(line.utf8).withUnsafeBytes { observer.relayed($0, direction: direction) }
    }

    @Test func turnsRelayedChunksIntoCallsAndFinishesOnce() {
        let sink = CollectingSink()
        let observer = TrackingObserver(options: CaptureOptions(tags: ["env": "test"]), sink: sink, sessionID: "obs-1")
        relay(observer, #"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"mcp","version":"0.1.0"}}}"# + "\n", .clientToServer)
        relay(observer, "server starting\n", .serverToClient)
        relay(observer, #"{"jsonrpc":"2.0","id":1,"result":{"protocolVersion":"2025-11-25","capabilities":{},"serverInfo":{"name":"mcp-time","version":"2026.10.19"}}}"#, .serverToClient)
        relay(observer, "\n", .serverToClient)
        relay(observer, #"{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"get_current_time","arguments":{}}}"# + "\n", .clientToServer)
        #expect(sink.collected.map(\.method) == ["initialize"])
        observer.tick()
        #expect(sink.collected.map(\.method) == ["initialize", "stdout"])
        observer.closed(.clientToServer)
        #expect(sink.collected.count == 2)
        observer.closed(.serverToClient)
        let calls = sink.collected
        #expect(calls.map(\.method) == ["initialize", "stdout", "tools/call"])
        #expect(calls.last?.outcome == .noResponse)
        #expect(calls.last?.errorMessage == "connection closed")
        #expect(calls.allSatisfy { $0.session == "obs-1" && $0.tags == ["env": "test"] })
        #expect(calls.last?.server == PeerInfo(name: "mcp-time", version: "2026.10.19"))
        observer.finish()
        relay(observer, "{\"jsonrpc\":\"2.0\",\"id\":2,\"result\":{}}\n", .serverToClient)
        observer.tick()
        #expect(sink.collected.count == 3)
    }

    @Test func bothDirectionsConcurrentlyFromTwoThreads() async {
        let sink = CollectingSink()
        let observer = TrackingObserver(options: CaptureOptions(), sink: sink)
        let count = 2_000
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for id in 0..<count {
                    Array((#"{"jsonrpc":"2.0","id":\#(id),"method":"tools/call","params":{"name":"t"}}"# + "\n").utf8)
                        .withUnsafeBytes { observer.relayed($0, direction: .clientToServer) }
                }
            }
            group.addTask {
                for _ in 0..<count {
                    Array("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/message\",\"params\":{}}\n".utf8)
                        .withUnsafeBytes { observer.relayed($0, direction: .serverToClient) }
                }
            }
        }
        observer.finish()
        let calls = sink.collected
        #expect(calls.filter { $0.kind == .notification }.count == count)
        #expect(calls.filter { $0.outcome == .noResponse }.count == count)
        #expect(Set(calls.map(\.id)).count == calls.count)
    }
}
