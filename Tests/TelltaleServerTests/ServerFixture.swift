import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import TelltaleCore
import TelltaleStore
@testable import TelltaleServer

/// A directory under the system's temporary directory, removed when the last reference goes away.
final class TemporaryDirectory: Sendable {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("telltale-server-tests-\(UUID().uuidString.lowercased())")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(at: url)
    }
}

/// A real SQLite store in a temporary directory with a project, one key of each scope, and helpers to talk
/// to the app built on it.
struct ServerFixture {
    let directory: TemporaryDirectory
    let store: SQLiteCallStore
    let project: Project
    let ingestKey: String
    let readKey: String
    let adminKey: String
    var configuration = ServerConfiguration(host: "127.0.0.1", port: 0)

    static func make() async throws -> ServerFixture {
        let directory = try TemporaryDirectory()
        let store = try SQLiteCallStore(directory: directory.url)
        let project = try #require(try await store.projects().first)
        return ServerFixture(
            directory: directory,
            store: store,
            project: project,
            ingestKey: try await store.createKey(project: project.id, scope: .ingest, label: "test").plaintext,
            readKey: try await store.createKey(project: project.id, scope: .read, label: "test").plaintext,
            adminKey: try await store.createKey(project: project.id, scope: .admin, label: "test").plaintext
        )
    }

    var app: some ApplicationProtocol {
        TelltaleServer.buildApplication(store: store, configuration: configuration)
    }

    /// Runs `body` against the app through the in-process router.
    func withClient<T: Sendable>(
        _ framework: TestingSetup = .router, _ body: @Sendable (any TestClientProtocol) async throws -> T
    ) async throws -> T {
        try await app.test(framework, body)
    }

    static func headers(key: String?, contentType: String? = "application/x-ndjson", gzip: Bool = false) -> HTTPFields {
        var fields = HTTPFields()
        if let key { fields[.authorization] = "Bearer \(key)" }
        if let contentType { fields[.contentType] = contentType }
        if gzip { fields[.contentEncoding] = "gzip" }
        return fields
    }
}

/// Test data and codecs.
enum Fixtures {
    /// One hour ago, rounded to the microsecond (the precision of the wire format).
    static let base = Date(timeIntervalSince1970: ((Date().timeIntervalSince1970 - 3600) * 1_000_000).rounded() / 1_000_000)

    static let claude = PeerInfo(name: "claude-code", version: "1.2.0")
    static let cursor = PeerInfo(name: "cursor", version: "0.9.1")
    static let weather = PeerInfo(name: "weather", version: "0.3.0")

    /// Seven records over two sessions: every outcome family, each target kind, a notification, pollution.
    static func sampleCalls() -> [Call] {
        func at(_ seconds: Double) -> Date { base.addingTimeInterval(seconds) }
        return [
            Call(id: "c1", startedAt: at(0), durationNs: 10_000_000, method: "tools/call", target: "search",
                 outcome: .ok, requestId: "1", session: "s1", client: claude, server: weather,
                 tags: ["env": "prod"], request: .object(["name": .string("search")]),
                 response: .object(["content": .array([])]), requestBytes: 120, responseBytes: 300),
            Call(id: "c2", startedAt: at(1), durationNs: 30_000_000, method: "tools/call", target: "search",
                 outcome: .toolError, errorMessage: "no results", requestId: "2", session: "s1",
                 client: claude, server: weather, tags: ["env": "prod"]),
            Call(id: "c3", startedAt: at(2), durationNs: 50_000_000, method: "tools/call", target: "forecast",
                 outcome: .error, errorCode: -32602, errorMessage: "Unknown tool", requestId: "3", session: "s2",
                 client: cursor, server: weather, tags: ["env": "dev"]),
            Call(id: "c4", startedAt: at(3), durationNs: 5_000_000, method: "prompts/get", target: "greet",
                 session: "s2", client: cursor, server: weather, tags: ["env": "dev"]),
            Call(id: "c5", startedAt: at(4), durationNs: 7_000_000, method: "resources/read", target: "file:///a.txt",
                 session: "s2", client: cursor, server: weather, tags: ["env": "dev"]),
            Call(id: "c6", startedAt: at(5), kind: .notification, method: "notifications/initialized",
                 session: "s1", client: claude, server: weather, tags: ["env": "prod"]),
            Call(id: "c7", startedAt: at(6), kind: .pollution, direction: .toClient, method: "stdout",
                 session: "s1", client: claude, server: weather, tags: ["env": "prod"], pollutionLines: 3),
        ]
    }

    /// One NDJSON line (no newline) for `call`, dates as RFC 3339.
    static func line(_ call: Call) throws -> String {
        String(decoding: try JSONBody.makeEncoder().encode(call), as: UTF8.self)
    }

    static func ndjson(_ calls: [Call]) throws -> ByteBuffer {
        ByteBuffer(string: try calls.map(line).joined(separator: "\n") + "\n")
    }

    /// `data` compressed by the system's `gzip` program.
    static func gzip(_ data: ByteBuffer) throws -> ByteBuffer {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("telltale-gzip-\(UUID().uuidString)")
        try Data(data.readableBytesView).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "exec gzip -cn \"$0\"", file.path]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let compressed = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        return ByteBuffer(bytes: compressed)
    }

    /// Decodes a JSON reply body.
    static func decode<T: Decodable>(_ type: T.Type, _ body: ByteBuffer) throws -> T {
        let decoder = CallCodec.makeDecoder()
        return try decoder.decode(T.self, from: Data(body.readableBytesView))
    }

    /// A reply body as a JSON object.
    static func object(_ body: ByteBuffer) throws -> [String: Any] {
        let value = try JSONSerialization.jsonObject(with: Data(body.readableBytesView))
        return try #require(value as? [String: Any])
    }
}

extension ServerFixture {
    /// A fixture whose alert channels may target loopback receivers (`--allow-private-targets`).
    static func allowingPrivateTargets() async throws -> ServerFixture {
        var fixture = try await ServerFixture.make()
        fixture.configuration.alerts.allowPrivateTargets = true
        return fixture
    }

    /// The application with a real ``AlertDispatcher`` behind "send test" (private targets allowed); shut the
    /// dispatcher down when done.
    func applicationWithDispatcher() -> (AlertDispatcher, some ApplicationProtocol) {
        let dispatcher = AlertDispatcher(store: store, smtp: nil, targetGuard: AlertTargetGuard(allowPrivateTargets: true))
        let app = TelltaleServer.buildApplication(
            store: store, configuration: configuration, alertServices: AlertServices(testSender: dispatcher)
        )
        return (dispatcher, app)
    }
}
