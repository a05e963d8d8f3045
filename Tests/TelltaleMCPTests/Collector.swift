import Foundation
import Hummingbird
import HummingbirdTesting
import TelltaleCore
import TelltaleServer
import TelltaleStore
import Testing

/// A real Telltale collector for the tests: the `TelltaleServer` application on a free loopback port, over a
/// real SQLite store in a temporary folder, with an ingest key. Read back what arrived with ``calls()``.
struct Collector: Sendable {
    let directory: URL
    let store: SQLiteCallStore
    let project: ProjectID
    let ingestKey: String
    let endpoint: URL

    /// Starts a collector, runs `body` against it, stops it and removes its folder.
    static func with<T: Sendable>(_ body: @Sendable (Collector) async throws -> T) async throws -> T {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("telltale-mcp-tests-\(UUID().uuidString.lowercased())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try SQLiteCallStore(directory: directory.appendingPathComponent("data"))
        let project = try #require(try await store.projects().first)
        let key = try await store.createKey(project: project.id, scope: .ingest, label: "tests").plaintext
        let app = TelltaleServer.buildApplication(store: store, configuration: ServerConfiguration(host: "127.0.0.1", port: 0))
        return try await app.test(.live) { client in
            let port = try #require(client.port)
            let collector = Collector(directory: directory, store: store, project: project.id, ingestKey: key,
                                      endpoint: URL(string: "http://127.0.0.1:\(port)")!)
            return try await body(collector)
        }
    }

    /// A spool folder of this collector's own (so tests never share the user's spool).
    var spoolDirectory: URL { directory.appendingPathComponent("spool") }

    /// Every stored call, in order of `startedAt`.
    func calls() async throws -> [Call] {
        let query = CallQuery(project: project, from: Date().addingTimeInterval(-3600), to: Date().addingTimeInterval(3600))
        var calls: [Call] = []
        for session in try await store.sessions(query, order: .recent, limit: 1000) {
            calls += try await store.sessionCalls(session: session.id, query: query, limit: 10_000)
        }
        return calls.sorted { ($0.startedAt, $0.id) < ($1.startedAt, $1.id) }
    }

    /// Polls until `done(calls)` holds (or 30 s pass), and returns the calls stored then.
    func waitForCalls(_ done: ([Call]) -> Bool) async throws -> [Call] {
        let deadline = ContinuousClock.now + .seconds(30)
        while true {
            let calls = try await calls()
            if done(calls) || ContinuousClock.now >= deadline { return calls }
            try await Task.sleep(for: .milliseconds(100))
        }
    }
}
