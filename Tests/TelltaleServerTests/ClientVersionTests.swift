import Testing
@testable import TelltaleServer

@Suite struct ClientVersionTests {
    @Test func orderedByClientThenVersionUnknownsAtTheEdges() {
        let columns = [
            ClientVersion(client: "cursor", version: "1.0.0"), ClientVersion(client: nil, version: nil),
            ClientVersion(client: "claude-code", version: "1.10.0"), ClientVersion(client: "claude-code", version: nil),
            ClientVersion(client: "claude-code", version: "1.9.0"), ClientVersion(client: "cursor", version: "0.9.1"),
        ].sorted()
        #expect(columns.map(\.label) == [
            "claude-code", "claude-code 1.9.0", "claude-code 1.10.0", "cursor 0.9.1", "cursor 1.0.0", "unknown client",
        ])
        #expect(ClientVersion(client: nil, version: "2").label == "unknown client 2")
    }
}
