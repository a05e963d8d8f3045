import Foundation
import Testing
import TelltaleCore
import TelltaleStore
@testable import TelltaleServer

/// `telltale serve --rules` and the alert flags as a real process.
@Suite struct AlertsServeTests {
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
}
