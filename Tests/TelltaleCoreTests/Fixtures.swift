import Foundation
import TelltaleCore

/// Real lines recorded between the official Python client (`mcp` 2.3.0) and `mcp-server-time`
/// 2026.10.19 over stdio, through a byte tee, in the client's default mode (2026-07-28) and in
/// `mode="legacy"`. Only change: `traceparent`/`tracestate` were added to the `_meta` of the
/// modern `tools/call` requests (the recorded client had no OpenTelemetry installed).
enum Fixtures {
    static let traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

    static let modern: [(MessageSource, String)] = [
        (.client, ##"{"jsonrpc":"2.0","id":1,"method":"server/discover","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientInfo":{"name":"mcp","version":"0.1.0"},"io.modelcontextprotocol/clientCapabilities":{}}}}"##),
        (.server, ##"{"jsonrpc":"2.0","id":1,"result":{"cacheScope":"private","capabilities":{"prompts":{"listChanged":false},"resources":{"listChanged":false,"subscribe":false},"tools":{"listChanged":false}},"resultType":"complete","supportedVersions":["2026-07-28"],"ttlMs":0,"_meta":{"io.modelcontextprotocol/serverInfo":{"name":"mcp-time","version":"2026.10.19"}}}}"##),
        (.client, ##"{"jsonrpc":"2.0","id":2,"method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientInfo":{"name":"mcp","version":"0.1.0"},"io.modelcontextprotocol/clientCapabilities":{}}}}"##),
        (.server, ##"{"jsonrpc":"2.0","id":2,"result":{"cacheScope":"private","resultType":"complete","tools":[{"annotations":{"destructiveHint":false,"idempotentHint":true,"openWorldHint":false,"readOnlyHint":true},"description":"Get current time in a specific timezone","inputSchema":{"type":"object","properties":{"timezone":{"description":"IANA timezone name (e.g., 'America/New_York', 'Europe/London'). Use 'Europe/Paris' as local timezone if no timezone provided by the user.","title":"Timezone","type":"string"}},"required":["timezone"],"title":"get_current_timeArguments"},"name":"get_current_time","outputSchema":{"properties":{"timezone":{"title":"Timezone","type":"string"},"datetime":{"title":"Datetime","type":"string"},"day_of_week":{"title":"Day Of Week","type":"string"},"is_dst":{"title":"Is Dst","type":"boolean"}},"required":["timezone","datetime","day_of_week","is_dst"],"title":"TimeResult","type":"object"}},{"annotations":{"destructiveHint":false,"idempotentHint":true,"openWorldHint":false,"readOnlyHint":true},"description":"Convert time between timezones","inputSchema":{"type":"object","properties":{"source_timezone":{"description":"Source IANA timezone name (e.g., 'America/New_York', 'Europe/London'). Use 'Europe/Paris' as local timezone if no source timezone provided by the user.","title":"Source Timezone","type":"string"},"time":{"description":"Time to convert in 24-hour format (HH:MM)","title":"Time","type":"string"},"target_timezone":{"description":"Target IANA timezone name (e.g., 'Asia/Tokyo', 'America/San_Francisco'). Use 'Europe/Paris' as local timezone if no target timezone provided by the user.","title":"Target Timezone","type":"string"}},"required":["source_timezone","time","target_timezone"],"title":"convert_timeArguments"},"name":"convert_time","outputSchema":{"$defs":{"TimeResult":{"properties":{"timezone":{"title":"Timezone","type":"string"},"datetime":{"title":"Datetime","type":"string"},"day_of_week":{"title":"Day Of Week","type":"string"},"is_dst":{"title":"Is Dst","type":"boolean"}},"required":["timezone","datetime","day_of_week","is_dst"],"title":"TimeResult","type":"object"}},"properties":{"source":{"$ref":"#/$defs/TimeResult"},"target":{"$ref":"#/$defs/TimeResult"},"time_difference":{"title":"Time Difference","type":"string"}},"required":["source","target","time_difference"],"title":"TimeConversionResult","type":"object"}}],"ttlMs":0,"_meta":{"io.modelcontextprotocol/serverInfo":{"name":"mcp-time","version":"2026.10.19"}}}}"##),
        (.client, ##"{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"get_current_time","arguments":{"timezone":"Europe/Berlin"},"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientInfo":{"name":"mcp","version":"0.1.0"},"io.modelcontextprotocol/clientCapabilities":{},"traceparent":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01","tracestate":"vendor=1"}}}"##),
        (.server, ##"{"jsonrpc":"2.0","id":3,"result":{"content":[{"text":"{\n  \"timezone\": \"Europe/Berlin\",\n  \"datetime\": \"2026-11-25T11:35:15+01:00\",\n  \"day_of_week\": \"Wednesday\",\n  \"is_dst\": false\n}","type":"text"}],"isError":false,"resultType":"complete","structuredContent":{"timezone":"Europe/Berlin","datetime":"2026-11-25T11:35:15+01:00","day_of_week":"Wednesday","is_dst":false},"_meta":{"io.modelcontextprotocol/serverInfo":{"name":"mcp-time","version":"2026.10.19"}}}}"##),
        (.client, ##"{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"convert_time","arguments":{"source_timezone":"Nowhere/Bad","time":"10:00","target_timezone":"UTC"},"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientInfo":{"name":"mcp","version":"0.1.0"},"io.modelcontextprotocol/clientCapabilities":{},"traceparent":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01","tracestate":"vendor=1"}}}"##),
        (.server, ##"{"jsonrpc":"2.0","id":4,"result":{"content":[{"text":"Error executing tool convert_time: Invalid timezone: 'No time zone found with key Nowhere/Bad'","type":"text"}],"isError":true,"resultType":"complete","_meta":{"io.modelcontextprotocol/serverInfo":{"name":"mcp-time","version":"2026.10.19"}}}}"##),
        (.client, ##"{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"no_such_tool","arguments":{},"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientInfo":{"name":"mcp","version":"0.1.0"},"io.modelcontextprotocol/clientCapabilities":{},"traceparent":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01","tracestate":"vendor=1"}}}"##),
        (.server, ##"{"jsonrpc":"2.0","id":5,"error":{"code":-32602,"message":"Unknown tool: no_such_tool"}}"##),
    ]
    static let legacy: [(MessageSource, String)] = [
        (.client, ##"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"mcp","version":"0.1.0"}}}"##),
        (.server, ##"{"jsonrpc":"2.0","id":1,"result":{"capabilities":{"prompts":{"listChanged":false},"resources":{"listChanged":false,"subscribe":false},"tools":{"listChanged":false}},"protocolVersion":"2025-11-25","serverInfo":{"name":"mcp-time","version":"2026.10.19"}}}"##),
        (.client, ##"{"jsonrpc":"2.0","method":"notifications/initialized"}"##),
        (.client, ##"{"jsonrpc":"2.0","id":2,"method":"tools/list"}"##),
        (.server, ##"{"jsonrpc":"2.0","id":2,"result":{"tools":[{"annotations":{"destructiveHint":false,"idempotentHint":true,"openWorldHint":false,"readOnlyHint":true},"description":"Get current time in a specific timezone","inputSchema":{"properties":{"timezone":{"description":"IANA timezone name (e.g., 'America/New_York', 'Europe/London'). Use 'Europe/Paris' as local timezone if no timezone provided by the user.","title":"Timezone","type":"string"}},"required":["timezone"],"type":"object","title":"get_current_timeArguments"},"name":"get_current_time","outputSchema":{"properties":{"timezone":{"title":"Timezone","type":"string"},"datetime":{"title":"Datetime","type":"string"},"day_of_week":{"title":"Day Of Week","type":"string"},"is_dst":{"title":"Is Dst","type":"boolean"}},"required":["timezone","datetime","day_of_week","is_dst"],"type":"object","title":"TimeResult"}},{"annotations":{"destructiveHint":false,"idempotentHint":true,"openWorldHint":false,"readOnlyHint":true},"description":"Convert time between timezones","inputSchema":{"properties":{"source_timezone":{"description":"Source IANA timezone name (e.g., 'America/New_York', 'Europe/London'). Use 'Europe/Paris' as local timezone if no source timezone provided by the user.","title":"Source Timezone","type":"string"},"time":{"description":"Time to convert in 24-hour format (HH:MM)","title":"Time","type":"string"},"target_timezone":{"description":"Target IANA timezone name (e.g., 'Asia/Tokyo', 'America/San_Francisco'). Use 'Europe/Paris' as local timezone if no target timezone provided by the user.","title":"Target Timezone","type":"string"}},"required":["source_timezone","time","target_timezone"],"type":"object","title":"convert_timeArguments"},"name":"convert_time","outputSchema":{"properties":{"source":{"$ref":"#/$defs/TimeResult"},"target":{"$ref":"#/$defs/TimeResult"},"time_difference":{"title":"Time Difference","type":"string"}},"required":["source","target","time_difference"],"type":"object","$defs":{"TimeResult":{"properties":{"timezone":{"title":"Timezone","type":"string"},"datetime":{"title":"Datetime","type":"string"},"day_of_week":{"title":"Day Of Week","type":"string"},"is_dst":{"title":"Is Dst","type":"boolean"}},"required":["timezone","datetime","day_of_week","is_dst"],"title":"TimeResult","type":"object"}},"title":"TimeConversionResult"}}]}}"##),
        (.client, ##"{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"get_current_time","arguments":{"timezone":"Europe/Berlin"}}}"##),
        (.server, ##"{"jsonrpc":"2.0","id":3,"result":{"content":[{"text":"{\n  \"timezone\": \"Europe/Berlin\",\n  \"datetime\": \"2026-11-25T11:35:19+01:00\",\n  \"day_of_week\": \"Wednesday\",\n  \"is_dst\": false\n}","type":"text"}],"isError":false,"structuredContent":{"timezone":"Europe/Berlin","datetime":"2026-11-25T11:35:19+01:00","day_of_week":"Wednesday","is_dst":false}}}"##),
        (.client, ##"{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"convert_time","arguments":{"source_timezone":"Nowhere/Bad","time":"10:00","target_timezone":"UTC"}}}"##),
        (.server, ##"{"jsonrpc":"2.0","id":4,"result":{"content":[{"text":"Error executing tool convert_time: Invalid timezone: 'No time zone found with key Nowhere/Bad'","type":"text"}],"isError":true}}"##),
        (.client, ##"{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"no_such_tool","arguments":{}}}"##),
        (.server, ##"{"jsonrpc":"2.0","id":5,"error":{"code":-32602,"message":"Unknown tool: no_such_tool"}}"##),
    ]

    /// All lines of one side of a flow as one byte stream, `\n`-terminated.
    static func bytes(_ flow: [(MessageSource, String)], from source: MessageSource) -> [UInt8] {
        flow.filter { $0.0 == source }.flatMap { Array(($0.1 + "\n").utf8) }
    }

    /// A fixed instant `ms` milliseconds after a fixed origin.
    static func instant(_ ms: UInt64) -> CaptureInstant {
        CaptureInstant(wall: Date(timeIntervalSince1970: 1_795_000_000 + Double(ms) / 1000), monotonicNs: ms * 1_000_000)
    }
}

extension StdioCaptureSession {
    /// Feeds one whole line (a `\n` is appended).
    mutating func feed(_ line: String, from source: MessageSource, at instant: CaptureInstant) -> [Call] {
        Array((line + "\n").utf8).withUnsafeBytes { consume($0, from: source, at: instant) }
    }

    /// Feeds raw bytes.
    mutating func feed(bytes: [UInt8], from source: MessageSource, at instant: CaptureInstant) -> [Call] {
        bytes.withUnsafeBytes { consume($0, from: source, at: instant) }
    }

    /// Plays a recorded flow, one line per millisecond, and returns every Call produced.
    mutating func play(_ flow: [(MessageSource, String)]) -> [Call] {
        var calls: [Call] = []
        for (offset, entry) in flow.enumerated() {
            calls += feed(entry.1, from: entry.0, at: Fixtures.instant(UInt64(offset)))
        }
        return calls
    }
}
