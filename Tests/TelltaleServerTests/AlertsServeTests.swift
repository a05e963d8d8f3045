import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Hummingbird
import Testing
import TelltaleCore
import TelltaleStore
@testable import TelltaleServer

/// `telltale serve --rules` and the alert flags as a real process.
// Waits on receivers and child processes: a regression fails the suite instead of hanging the run.
@Suite(.timeLimit(.minutes(2))) struct AlertsServeTests {
    @Test func aBadRulesFileStopsStartUpWithItsLinesAndExit1() throws {
        let directory = try TemporaryDirectory()
        let rules = directory.url.appendingPathComponent("rules.yaml")
        try """
            rules:
              - name: slow-search
                condition: {kind: latency, aboveMs: 800}
                window: 30s
              - name: hook-rule
                condition: {kind: deadman}
                window: 5m
                channels: [nowhere]
            """.write(to: rules, atomically: true, encoding: .utf8)
        let output = try CLITests.run(["serve", "--data", directory.url.path, "--port", "0", "--rules", rules.path])
        #expect(output.status == 1)
        #expect(output.stderr.contains("""
            rules.yaml:4: rule "slow-search": window must be at least 1m
            rules.yaml:8: rule "hook-rule": channels: no channel named "nowhere" is declared in this file
            """), "\(output.stderr)")
        let missing = try CLITests.run(["serve", "--data", directory.url.path, "--port", "0", "--rules", rules.path + ".nope"])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("rules.yaml.nope: cannot read the rules file (no such file)"))
    }

    @Test func badAlertFlagsAreRefused() throws {
        let directory = try TemporaryDirectory()
        let cases: [([String], String)] = [
            (["--alert-interval", "0s"], "--alert-interval must be a duration from 1s to 30s"),
            (["--alert-interval", "1m"], "--alert-interval must be a duration from 1s to 30s"),
            (["--smtp-starttls", "maybe"], "--smtp-starttls must be required, opportunistic or off"),
            (["--smtp-host", "mail.example.com"], "--smtp-from is required with --smtp-host"),
            (["--smtp-host", "mail.example.com", "--smtp-from", "alerts at example.com"], "--smtp-from must be an email address"),
            (["--smtp-host", "mail.example.com", "--smtp-from", "a@example.com", "--smtp-user", "u"],
             "--smtp-user needs the password in the environment variable TELLTALE_SMTP_PASSWORD"),
            (["--public-url", "ftp://x"], "--public-url must be an http or https URL"),
        ]
        for (flags, message) in cases {
            let output = try CLITests.run(["serve", "--data", directory.url.path, "--port", "0"] + flags)
            #expect(output.status != 0, "\(flags)")
            #expect(output.stderr.contains(message), "\(flags): \(output.stderr)")
        }
    }

    /// `telltale serve --rules` with a webhook channel on a local receiver: the rule fires on ingested traffic
    /// within a couple of 1 s evaluations, the payload is signed, and SIGTERM still stops the server cleanly.
    @Test func rulesFromTheFileFireThroughTheServedEngineAndDispatcher() async throws {
        let directory = try TemporaryDirectory()
        let receiver = HTTPReceiver()
        try await HTTPReceiver.run(receiver) { base in
            let rules = directory.url.appendingPathComponent("rules.yaml")
            try """
                channels:
                  - {name: hook, kind: webhook, url: "\(base)/hook", secret: "${HOOK_SECRET}"}
                rules:
                  - name: any-search
                    scope: {tool: search}
                    condition: {kind: callCount, above: 0}
                    window: 1m
                    channels: [hook]
                """.write(to: rules, atomically: true, encoding: .utf8)
            let process = Process()
            process.executableURL = try CLITests.telltale()
            process.arguments = [
                "serve", "--data", directory.url.path, "--port", "0", "--rules", rules.path,
                "--allow-private-targets", "--alert-interval", "1s", "--public-url", "https://telltale.example.com/",
            ]
            var environment = ProcessInfo.processInfo.environment
            environment["HOOK_SECRET"] = WebhookSenderTests.secret
            process.environment = environment
            let out = Pipe()
            let err = Pipe()
            process.standardOutput = out
            process.standardError = err
            try process.run()
            defer { if process.isRunning { process.terminate() } }
            let banner = CLITests.readBanner(out)
            let url = try #require(banner.split(separator: "\n").first?.split(separator: " ").first { $0.hasPrefix("http://") })
            let ingestKey = try #require(banner.split(separator: "\n").first { $0.contains("ingest key") }?.split(separator: " ").last)

            var ingest = URLRequest(url: try #require(URL(string: "\(url)/api/v1/ingest")))
            ingest.httpMethod = "POST"
            ingest.setValue("Bearer \(ingestKey)", forHTTPHeaderField: "Authorization")
            ingest.setValue("application/x-ndjson", forHTTPHeaderField: "Content-Type")
            let now = Date()
            let calls = Fixtures.sampleCalls().map { call in
                var call = call
                call.startedAt = now.addingTimeInterval(-5)
                return call
            }
            ingest.httpBody = Data(try Fixtures.ndjson(calls).readableBytesView)
            let (_, response) = try await URLSession.shared.data(for: ingest)
            #expect((response as? HTTPURLResponse)?.statusCode == 200)

            let arrived = try await withThrowingTaskGroup(of: Bool.self) { group in
                group.addTask { await receiver.waitForRequests(1); return true }
                group.addTask {
                    try await Task.sleep(for: .seconds(30))
                    // Release the receiver's waiter so the test fails instead of hanging.
                    var release = URLRequest(url: try #require(URL(string: "\(base)/timed-out")))
                    release.httpMethod = "POST"
                    _ = try? await URLSession.shared.data(for: release)
                    return false
                }
                defer { group.cancelAll() }
                return try await group.next() ?? false
            }
            try #require(arrived, "no webhook within 30 s")
            let request = try #require(await receiver.received.first)
            let payload = try WebhookBody.decode(request.body)
            #expect(payload.type == "alert.firing")
            #expect(payload.data.rule.id == "file:any-search")
            #expect(payload.data.dashboardURL?.hasPrefix("https://telltale.example.com/") == true)
            #expect(request.headers["webhook-signature"]?.hasPrefix("v1,") == true)

            process.terminate()
            process.waitUntilExit()
            #expect(process.terminationReason == .exit)
            #expect(process.terminationStatus == 0)
            let log = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            #expect(log.contains("loaded 1 alert rule(s) and 1 channel(s) from \(rules.path) into project \"default\""))
            #expect(!log.contains(WebhookSenderTests.secret))
        }
    }
}
