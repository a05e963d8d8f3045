import Foundation
import MCP
import TelltaleCore
@testable import TelltaleMCP
import Testing

/// The decorator's own small decisions: which transport a call names, which HTTP context key a frame has.
@Suite struct MonitoredTransportTests {
    @Test func theTransportKindFollowsTheWrappedType() async throws {
        let options = TelltaleOptions(log: { _ in }, environment: [:])
        #expect(Telltale.monitor(StdioTransport(), options).callTransport == .stdio)
        #expect(Telltale.monitor(StatefulHTTPServerTransport(), options).callTransport == .http)
        #expect(Telltale.monitor(StatelessHTTPServerTransport(), options).callTransport == .http)
        #expect(Telltale.monitor(InMemoryTransport(), options).callTransport == .memory)
        var named = options
        named.transport = .sse
        #expect(Telltale.monitor(InMemoryTransport(), named).callTransport == .sse)
    }

    @Test func httpContextIsOfferedOnlyWhenTheWrappedTransportHasIt() {
        let options = TelltaleOptions(log: { _ in }, environment: [:])
        #expect((Telltale.monitor(StatefulHTTPServerTransport(), options) as Any) is any HTTPContextProviding)
        #expect((Telltale.monitor(StatelessHTTPServerTransport(), options) as Any) is any HTTPContextProviding)
        #expect(!((Telltale.monitor(InMemoryTransport(), options) as Any) is any HTTPContextProviding))
    }

    @Test func theHTTPContextKeyIsTheIdOfASingleRequest() {
        typealias Monitored = MonitoredTransport<InMemoryTransport>
        #expect(Monitored.requestID(in: Data(#"{"jsonrpc":"2.0","id":12,"method":"tools/list"}"#.utf8)) == .number(12))
        #expect(Monitored.requestID(in: Data(#"{"jsonrpc":"2.0","id":"a\"b","method":"ping"}"#.utf8)) == .string("a\"b"))
        #expect(Monitored.requestID(in: Data(#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#.utf8)) == nil)
        #expect(Monitored.requestID(in: Data(#"{"jsonrpc":"2.0","id":3,"result":{}}"#.utf8)) == nil)
        #expect(Monitored.requestID(in: Data("not json".utf8)) == nil)
    }

    @Test func aConnectionStartsWithInitializeDiscoverOrA2026Request() throws {
        func first(_ json: String) -> MCPMessage? {
            guard case .message(let message) = MessageScanner.scan(Array(json.utf8)) else { return nil }
            return message
        }
        let initialize = first(#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18"}}"#)
        let discover = first(#"{"jsonrpc":"2.0","id":1,"method":"server/discover"}"#)
        let modern = first(#"{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28"}}}"#)
        let late = first(#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#)
        #expect(try #require(initialize).method == "initialize")
        #expect(ConnectionRecorder.startsConnection(try #require(initialize)))
        #expect(ConnectionRecorder.startsConnection(try #require(discover)))
        #expect(ConnectionRecorder.startsConnection(try #require(modern)))
        #expect(!ConnectionRecorder.startsConnection(try #require(late)))
    }
}
