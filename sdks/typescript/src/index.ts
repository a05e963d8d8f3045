/**
 * `@telltale/mcp`: in-process Telltale monitoring for MCP servers built on `@modelcontextprotocol/sdk`.
 *
 * ```ts
 * import { monitor } from "@telltale/mcp";
 * const server = new McpServer({ name: "demo", version: "1.0.0" });
 * monitor(server, { tags: { env: "prod" } });   // before connect()
 * await server.connect(new StdioServerTransport());
 * ```
 */
export { monitor } from "./monitor";
export type { MonitorStats, TelltaleMonitor } from "./monitor";
export type { MonitorOptions } from "./options";
export type { Call, CallDirection, CallKind, CallOutcome, CallTransport, JSONValue, PeerInfo, TraceContext } from "./call";
export { encodeCall } from "./callCodec";
export { Redactor, RedactionPatternError } from "./redactor";
