import CompressNIO
import Foundation
import NIOCore
import TelltaleCore

/// Realistic Call records for the ingest benchmark: tools, prompts and resources of a few servers,
/// several clients and versions, sessions of ~20 calls, every outcome, small redacted payloads.
enum IngestWorkload {
    static let tools = ["get_weather", "search_docs", "create_ticket", "flaky_lookup", "slow_report",
                        "read_file", "write_file", "list_directory", "run_query", "send_message"]
    static let clients: [PeerInfo] = [
        PeerInfo(name: "claude-code", version: "2.1.0"), PeerInfo(name: "claude-code", version: "2.2.0"),
        PeerInfo(name: "cursor", version: "1.7.3"), PeerInfo(name: "mcp", version: "0.1.0"),
    ]
    static let servers: [PeerInfo] = [
        PeerInfo(name: "telltale-example", version: "1.0.0"), PeerInfo(name: "mcp-time", version: "1.26.0"),
    ]

    /// `count` calls spread over the last hour, deterministic for a given count.
    static func calls(count: Int) -> [Call] {
        var generator = SplitMix64(seed: 0x7e11_7a1e)
        let start = Date().addingTimeInterval(-3600)
        var session = Call.newID()
        return (0..<count).map { index in
            if index % 20 == 0 { session = Call.newID() }
            let roll = generator.next() % 100
            let tool = tools[Int(generator.next() % UInt64(tools.count))]
            let client = clients[Int(generator.next() % UInt64(clients.count))]
            let server = servers[index / 20 % servers.count]
            let outcome: CallOutcome = switch roll {
            case 0..<90: .ok
            case 90..<95: .toolError
            case 95..<98: .error
            case 98: .cancelled
            default: .noResponse
            }
            var call = Call(
                startedAt: start.addingTimeInterval(Double(index) * 3600 / Double(count)),
                durationNs: Int64(1_000_000 + generator.next() % 200_000_000),
                method: "tools/call",
                target: tool,
                outcome: outcome,
                requestId: String(index % 1000),
                session: session,
                client: client,
                server: server,
                protocolVersion: index % 3 == 0 ? "2025-06-18" : "2026-07-28",
                tags: ["environment": index % 2 == 0 ? "production" : "staging"],
                request: .object(["name": .string(tool), "arguments": .object(["query": .string("item \(index)")])]),
                response: .object(["content": .array([.object(["type": .string("text"), "text": .string("ok")])])]),
                requestBytes: 180 + index % 120,
                responseBytes: 120 + index % 300
            )
            switch outcome {
            case .toolError: call.errorMessage = "Unknown city"
            case .error: call.errorCode = -32602; call.errorMessage = "Unknown tool: \(tool)_v2"
            default: break
            }
            if index % 2 == 1 {
                call.trace = TraceContext(traceparent: "00-\(hex(generator.next()))\(hex(generator.next()))-\(hex(generator.next()))-01")
            }
            return call
        }
    }

    /// The request body of one batch's NDJSON, gzip-compressed unless `gzip` is false.
    static func body(ndjson: [UInt8], gzip: Bool) throws -> ByteBuffer {
        var buffer = ByteBuffer(bytes: ndjson)
        return gzip ? try buffer.compress(with: .gzip) : buffer
    }

    private static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
