import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Hummingbird
import Testing
import TelltaleStore
@testable import TelltaleServer

/// `telltale keys` and `telltale serve` as real processes (the binary `swift build` puts next to the tests).
@Suite struct CLITests {
    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static func telltale() throws -> URL {
        let testBinary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var directory = testBinary.deletingLastPathComponent()
        // On Linux the tests run from `<bin>/telltalePackageTests.xctest`; on macOS from inside a bundle.
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("telltale")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        throw CLIError(description: "no telltale executable near \(testBinary.path); run `swift build` first")
    }

    struct CLIError: Error, CustomStringConvertible {
        var description: String
    }

    static func run(_ arguments: [String]) throws -> Output {
        let process = Process()
        process.executableURL = try telltale()
        process.arguments = arguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Output(
            status: process.terminationStatus,
            stdout: String(decoding: stdout, as: UTF8.self),
            stderr: String(decoding: stderr, as: UTF8.self)
        )
    }

    @Test func keysCreatePrintsTheKeyAloneOnTheLastLine() async throws {
        let directory = try TemporaryDirectory()
        let created = try Self.run(["keys", "create", "--data", directory.url.path, "--scope", "read", "--label", "ci"])
        #expect(created.status == 0)
        let lines = created.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let last = try #require(lines.last { !$0.isEmpty })
        #expect(created.stdout.hasSuffix(last + "\n"))
        #expect(last.hasPrefix("tt_read_"))
        #expect(!last.contains(" "))
        let store = try SQLiteCallStore(directory: directory.url)
        #expect(try await store.authenticate(key: last)?.scope == .read)

        let listed = try Self.run(["keys", "list", "--data", directory.url.path])
        #expect(listed.status == 0)
        #expect(listed.stdout.contains("ci"))
        #expect(listed.stdout.contains("read"))
        #expect(!listed.stdout.contains(last))

        let unknown = try Self.run(["keys", "create", "--data", directory.url.path, "--project", "nope", "--scope", "ingest"])
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("no project named \"nope\""))
    }

    /// What `telltale serve` printed on stdout up to the end of its banner ("Stop with Ctrl-C."), or until it closed.
    static func readBanner(_ out: Pipe) -> String {
        var banner = ""
        while !banner.contains("Stop with Ctrl-C.") {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            banner += String(decoding: chunk, as: UTF8.self)
        }
        return banner
    }

    @Test func serveFirstStartPrintsKeysThatWorkAndStopsOnSIGTERM() async throws {
        let directory = try TemporaryDirectory()
        let process = Process()
        process.executableURL = try Self.telltale()
        process.arguments = ["serve", "--data", directory.url.path, "--port", "0"]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        let banner = Self.readBanner(out)
        func value(after label: String) -> String? {
            banner.split(separator: "\n").first { $0.contains(label) }?.split(separator: " ").last.map(String.init)
        }
        let url = try #require(banner.split(separator: "\n").first?.split(separator: " ").first { $0.hasPrefix("http://") })
        let ingestKey = try #require(value(after: "ingest key"))
        let readKey = try #require(value(after: "read key"))
        #expect(banner.contains("TELLTALE_API_KEY=\(ingestKey) telltale run -- <your server>"))

        var ingest = URLRequest(url: try #require(URL(string: "\(url)/api/v1/ingest")))
        ingest.httpMethod = "POST"
        ingest.setValue("Bearer \(ingestKey)", forHTTPHeaderField: "Authorization")
        ingest.setValue("application/x-ndjson", forHTTPHeaderField: "Content-Type")
        ingest.httpBody = Data(try Fixtures.ndjson(Fixtures.sampleCalls()).readableBytesView)
        let (ingested, ingestResponse) = try await URLSession.shared.data(for: ingest)
        #expect((ingestResponse as? HTTPURLResponse)?.statusCode == 200)
        #expect(try Fixtures.decode(IngestController.Reply.self, ByteBuffer(bytes: ingested)).accepted == 7)

        var query = URLRequest(url: try #require(URL(string: "\(url)/api/v1/summary")))
        query.setValue("Bearer \(readKey)", forHTTPHeaderField: "Authorization")
        let (summary, summaryResponse) = try await URLSession.shared.data(for: query)
        #expect((summaryResponse as? HTTPURLResponse)?.statusCode == 200)
        #expect(try Fixtures.decode(SummaryStats.self, ByteBuffer(bytes: summary)).calls == 5)

        process.terminate()  // SIGTERM
        process.waitUntilExit()
        #expect(process.terminationReason == .exit)
        #expect(process.terminationStatus == 0)
    }
}
