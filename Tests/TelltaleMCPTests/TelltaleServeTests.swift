import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

/// The whole path with real processes only: `telltale serve` (the CLI binary: `TELLTALE_BIN`, else the one
/// `swift build` puts next to the tests), the example server as a child process driven by the swift-sdk
/// client over stdio, and the calls read back through the collector's query API.
@Suite struct TelltaleServeTests {
    /// A running `telltale serve` with its own data folder, an ingest key and a read key.
    struct Serve {
        let process: Process
        let directory: URL
        let port: Int
        let ingestKey: String
        let readKey: String

        var endpoint: String { "http://127.0.0.1:\(port)" }

        static func binary() throws -> URL {
            if let path = ProcessInfo.processInfo.environment["TELLTALE_BIN"], !path.isEmpty {
                return URL(fileURLWithPath: path)
            }
            let built = try StdioCaptureTests.exampleServer().deletingLastPathComponent().appendingPathComponent("telltale")
            guard FileManager.default.isExecutableFile(atPath: built.path) else {
                throw StdioCaptureTests.ExampleMissing(description: "no telltale binary at \(built.path); set TELLTALE_BIN")
            }
            return built
        }

        static func createKey(data: URL, scope: String) throws -> String {
            let process = Process()
            process.executableURL = try binary()
            process.arguments = ["keys", "create", "--data", data.path, "--scope", scope]
            let out = Pipe()
            process.standardOutput = out
            process.standardError = FileHandle.nullDevice
            try process.run()
            let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            #expect(process.terminationStatus == 0)
            return try #require(text.split(separator: "\n").last.map(String.init))
        }

        /// A TCP port on 127.0.0.1 that nothing listens on right now.
        static func freePort() throws -> Int {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            defer { close(fd) }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let bound = withUnsafeMutablePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw -> Bool in
                    bind(fd, raw, length) == 0 && getsockname(fd, raw, &length) == 0
                }
            }
            try #require(bound)
            return Int(UInt16(bigEndian: address.sin_port))
        }

        static func start() async throws -> Serve {
            let directory = FileManager.default.temporaryDirectory
                .appendingPathComponent("telltale-mcp-serve-\(UUID().uuidString.lowercased())")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let data = directory.appendingPathComponent("data")
            let ingestKey = try createKey(data: data, scope: "ingest")
            let readKey = try createKey(data: data, scope: "read")
            let port = try freePort()
            let process = Process()
            process.executableURL = try binary()
            process.arguments = ["serve", "--host", "127.0.0.1", "--port", String(port), "--data", data.path]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            let serve = Serve(process: process, directory: directory, port: port, ingestKey: ingestKey, readKey: readKey)
            let deadline = ContinuousClock.now + .seconds(30)
            while ContinuousClock.now < deadline, process.isRunning {
                if (try? await serve.get("/healthz", key: nil)) != nil { return serve }
                try await Task.sleep(for: .milliseconds(50))
            }
            serve.stop()
            throw StdioCaptureTests.ExampleMissing(description: "telltale serve did not become healthy on port \(port)")
        }

        func stop() {
            if process.isRunning { process.terminate() }
            process.waitUntilExit()
            try? FileManager.default.removeItem(at: directory)
        }

        /// `GET path` with the read key (or `key`); the JSON body of a 200 reply, else nil.
        func get(_ path: String, key: String? = "") async throws -> Any? {
            var request = URLRequest(url: URL(string: endpoint + path)!)
            if let key { request.setValue("Bearer \(key.isEmpty ? readKey : key)", forHTTPHeaderField: "Authorization") }
            let (body, response) = try await URLSession.shared.data(for: request)
            guard (response as? HTTPURLResponse)?.statusCode == 200 else { return nil }
            return try? JSONSerialization.jsonObject(with: body)
        }

        /// Every stored call of every session, as the query API returns them.
        func calls() async throws -> [[String: Any]] {
            let sessions = (try await get("/api/v1/sessions") as? [String: Any])?["items"] as? [[String: Any]] ?? []
            var calls: [[String: Any]] = []
            for session in sessions {
                guard let id = session["id"] as? String else { continue }
                let encoded = id.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? id
                let reply = try await get("/api/v1/sessions/\(encoded)/calls") as? [String: Any]
                calls += reply?["items"] as? [[String: Any]] ?? []
            }
            return calls
        }
    }

    @Test func theExampleServerShipsToARealTelltaleServe() async throws {
        let serve = try await Serve.start()
        defer { serve.stop() }
        let environment = [
            "TELLTALE_ENDPOINT": serve.endpoint, "TELLTALE_API_KEY": serve.ingestKey,
            "XDG_DATA_HOME": serve.directory.path,
        ]
        let run = try await StdioCaptureTests.runExample(arguments: ["--tag", "suite=serve"], environment: environment) { client in
            _ = try await client.callTool(name: "add", arguments: ["a": 1, "b": 2])
            _ = try await client.callTool(name: "divide", arguments: ["a": 1, "b": 0])
            await #expect(throws: (any Error).self) { _ = try await client.callTool(name: "missing") }
        }
        #expect(run.status == 0)
        #expect(!run.stderr.contains("telltale:"), "\(run.stderr)")

        var calls: [[String: Any]] = []
        let deadline = ContinuousClock.now + .seconds(30)
        while calls.count < 5, ContinuousClock.now < deadline {
            calls = try await serve.calls()
            try await Task.sleep(for: .milliseconds(100))
        }
        let toolCalls = calls.filter { $0["method"] as? String == "tools/call" }
            .sorted { ($0["startedAt"] as? String ?? "") < ($1["startedAt"] as? String ?? "") }
        #expect(calls.count == 5)
        #expect(toolCalls.map { $0["target"] as? String } == ["add", "divide", "missing"])
        #expect(toolCalls.map { $0["outcome"] as? String } == ["ok", "toolError", "error"])
        #expect(calls.allSatisfy { $0["transport"] as? String == "stdio" })
        #expect(calls.allSatisfy { ($0["tags"] as? [String: String]) == ["suite": "serve"] })
        #expect(calls.contains { $0["method"] as? String == "initialize" && ($0["client"] as? [String: Any])?["name"] as? String == "stdio-test-client" })
    }
}
