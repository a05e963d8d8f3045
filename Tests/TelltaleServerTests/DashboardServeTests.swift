import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
@testable import TelltaleServer

/// `telltale serve` as a real process: the printed one-time sign-in link, and the dashboard options.
@Suite struct DashboardServeTests {
    /// Starts `telltale serve` and returns the process and its banner.
    static func serve(_ extra: [String], directory: TemporaryDirectory) throws -> (Process, String) {
        let process = Process()
        process.executableURL = try CLITests.telltale()
        process.arguments = ["serve", "--data", directory.url.path, "--port", "0"] + extra
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        var banner = ""
        while !banner.contains("Stop with Ctrl-C.") {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            banner += String(decoding: chunk, as: UTF8.self)
        }
        return (process, banner)
    }

    @Test func servePrintsADashboardSignInLinkThatWorksOnce() async throws {
        let directory = try TemporaryDirectory()
        let (process, banner) = try Self.serve(["--trace-link", "jaeger=http://localhost:16686"], directory: directory)
        defer { if process.isRunning { process.terminate(); process.waitUntilExit() } }
        let url = try #require(banner.split(separator: "\n").first?.split(separator: " ").first { $0.hasPrefix("http://") })
        #expect(banner.contains("Dashboard: \(url)/\n"))
        let line = try #require(banner.split(separator: "\n").first { $0.contains("one-time sign-in link (valid 1 hour): ") })
        let link = String(try #require(line.split(separator: " ").last))
        #expect(link.hasPrefix("\(url)/login/"))
        // The banner's other lines keep their places: the link comes before the API reference.
        let linkIndex = try #require(banner.range(of: link)).lowerBound
        #expect(linkIndex < (try #require(banner.range(of: "API reference:"))).lowerBound)

        let session = URLSession(configuration: .ephemeral)
        let (body, response) = try await session.data(from: try #require(URL(string: link)))
        let http = try #require(response as? HTTPURLResponse)
        #expect(http.statusCode == 200)
        #expect(http.url?.path == "/")
        #expect(String(decoding: body, as: UTF8.self).contains("<h1>Overview</h1>"))

        let (again, secondResponse) = try await URLSession(configuration: .ephemeral).data(from: try #require(URL(string: link)))
        #expect((secondResponse as? HTTPURLResponse)?.statusCode == 200)
        #expect((secondResponse as? HTTPURLResponse)?.url?.path == "/login")
        #expect(String(decoding: again, as: UTF8.self).contains("already used or has expired"))
    }

    @Test func badDashboardOptionsStopStartUpWithAClearMessage() throws {
        let directory = try TemporaryDirectory()
        let trace = try CLITests.run(["serve", "--data", directory.url.path, "--port", "0", "--trace-link", "zipkin"])
        #expect(trace.status != 0)
        #expect(trace.stderr.contains("invalid --trace-link: unknown preset 'zipkin'"))
        #expect(trace.stderr.contains("tempo=http://GRAFANA:3000[,DATASOURCE_UID]"))
        let ttl = try CLITests.run(["serve", "--data", directory.url.path, "--port", "0", "--session-ttl", "soon"])
        #expect(ttl.status != 0)
        #expect(ttl.stderr.contains("--session-ttl must be a duration"))
        let help = try CLITests.run(["serve", "--help"])
        #expect(help.stdout.contains("--trace-link"))
        #expect(help.stdout.contains("datadog[=SITE]"))
        #expect(help.stdout.contains("--secure-cookies"))
    }
}
