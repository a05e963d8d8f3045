import Foundation
import Testing
import TelltaleCore
@testable import TelltaleServer

/// The rules file loader: a complete file, JSON, durations, `${ENV}` secrets, and every kind of mistake with
/// its exact message and line.
@Suite struct RulesFileTests {
    static let secret = "whsec_" + Data(repeating: 7, count: 32).base64EncodedString()
    static let environment = ["OPS_HOOK_SECRET": secret, "SLACK_URL": "https://hooks.slack.com/services/T0/B0/xyz"]

    static let goodYAML = """
        project: staging
        channels:
          - name: ops-mail
            kind: email
            to: [ops@example.com, oncall@example.com]
          - name: team-slack
            kind: slack
            url: ${SLACK_URL}
          - name: ops-hook
            kind: webhook
            url: https://hooks.example.com/telltale
            secret: ${OPS_HOOK_SECRET}
        rules:
          - name: errors
            condition: {kind: errorRate, abovePercent: 5, minCalls: 20, countToolErrors: true}
            window: 5m
            for: 1m
            renotify: 1h
            channels: [ops-mail, team-slack]
          - name: slow-search
            scope: {server: weather, tool: search, tags: {environment: production}}
            condition: {kind: latency, percentile: p99, aboveMs: 800}
            window: 10m
          - name: collapse
            scope: {client: claude-code, clientVersion: 1.2.0}
            condition: {kind: throughputCollapse, belowPercent: 20, minBaselineCalls: 50}
            window: 1h
            channels: [ops-hook]
          - name: deletes
            enabled: false
            scope: {tool: delete_file, method: tools/call}
            condition: {kind: callCount, above: 20}
            window: 1h
          - name: quiet-server
            scope: {server: weather}
            condition: {kind: deadman}
            window: 1h30m
          - name: defaults
            scope: {prompt: greet}
            condition: {kind: errorRate, abovePercent: 1}
            window: 300
          - name: lists
            scope: {resource: "file:///a.txt"}
            condition: {kind: throughputCollapse}
            window: 2d
        """

    @Test func readsEveryConditionKindScopeAndChannel() throws {
        let file = try RulesFile.parse(Self.goodYAML, file: "rules.yaml", environment: Self.environment)
        #expect(file.project == "staging")
        #expect(file.channels == [
            AlertChannel(id: "file:ops-mail", name: "ops-mail", kind: .email, emailTo: ["ops@example.com", "oncall@example.com"]),
            AlertChannel(id: "file:team-slack", name: "team-slack", kind: .slack, url: "https://hooks.slack.com/services/T0/B0/xyz"),
            AlertChannel(id: "file:ops-hook", name: "ops-hook", kind: .webhook, url: "https://hooks.example.com/telltale", secret: Self.secret),
        ])
        #expect(file.rules == [
            AlertRule(id: "file:errors", name: "errors", condition: .errorRate(abovePercent: 5, minCalls: 20, countToolErrors: true),
                      windowSeconds: 300, forSeconds: 60, renotifySeconds: 3600,
                      channelIDs: ["file:ops-mail", "file:team-slack"], source: .file),
            AlertRule(id: "file:slow-search", name: "slow-search",
                      scope: AlertScope(server: "weather", tool: "search", tags: ["environment": "production"]),
                      condition: .latency(percentile: .p99, aboveMs: 800), windowSeconds: 600, source: .file),
            AlertRule(id: "file:collapse", name: "collapse", scope: AlertScope(client: "claude-code", clientVersion: "1.2.0"),
                      condition: .throughputCollapse(belowPercent: 20, minBaselineCalls: 50), windowSeconds: 3600,
                      channelIDs: ["file:ops-hook"], source: .file),
            AlertRule(id: "file:deletes", name: "deletes", enabled: false, scope: AlertScope(tool: "delete_file", method: "tools/call"),
                      condition: .callCount(above: 20), windowSeconds: 3600, source: .file),
            AlertRule(id: "file:quiet-server", name: "quiet-server", scope: AlertScope(server: "weather"),
                      condition: .deadman, windowSeconds: 5400, source: .file),
            AlertRule(id: "file:defaults", name: "defaults", scope: AlertScope(prompt: "greet"),
                      condition: .errorRate(abovePercent: 1, minCalls: 10, countToolErrors: false), windowSeconds: 300, source: .file),
            AlertRule(id: "file:lists", name: "lists", scope: AlertScope(resource: "file:///a.txt"),
                      condition: .throughputCollapse(belowPercent: 0, minBaselineCalls: 10), windowSeconds: 172_800, source: .file),
        ])
    }

    /// A JSON rules file whose second rule has `window` (in seconds) `lateWindow`.
    static func json(lateWindow: Int) -> String {
        """
        {
          "channels": [{"name": "hook", "kind": "webhook", "url": "http://127.0.0.1:9/x", "secret": "${OPS_HOOK_SECRET}"}],
          "rules": [
        \t{"name": "errors", "condition": {"kind":"errorRate","abovePercent":2.5}, "window": "5m", "channels": ["hook"]},
            {"name": "late", "condition": {"kind": "latency", "aboveMs": 100}, "window": \(lateWindow)}
          ]
        }
        """
    }

    @Test func readsJSONWithTheSameMeaningAndLines() throws {
        let file = try RulesFile.parse(Self.json(lateWindow: 60), file: "rules.json", environment: Self.environment)
        #expect(file.project == nil)
        #expect(file.rules.map(\.name) == ["errors", "late"])
        #expect(file.rules[0].condition == .errorRate(abovePercent: 2.5, minCalls: 10, countToolErrors: false))
        #expect(file.rules[1].condition == .latency(percentile: .p95, aboveMs: 100))
        #expect(file.rules[1].windowSeconds == 60)
        #expect(file.rules[0].channelIDs == ["file:hook"])
        #expect(file.channels.map(\.secret) == [Self.secret])

        let error = #expect(throws: RulesFileError.self) {
            try RulesFile.parse(Self.json(lateWindow: 30), file: "rules.json", environment: Self.environment)
        }
        #expect(error?.description == "rules.json:5: rule \"late\": window must be at least 1m")
    }

    /// The example in the README's Alerts section is a valid rules file.
    @Test func theReadmeExampleLoads() throws {
        let readme = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("README.md")
        let text = try String(contentsOf: readme, encoding: .utf8)
        let start = try #require(text.range(of: "# telltale serve --rules alerts.yaml"))
        let end = try #require(text.range(of: "```", range: start.upperBound..<text.endIndex))
        let environment = ["SLACK_WEBHOOK_URL": "https://hooks.slack.com/services/T/B/x", "OPS_HOOK_SECRET": Self.secret]
        let file = try RulesFile.parse(String(text[start.lowerBound..<end.lowerBound]), file: "alerts.yaml", environment: environment)
        #expect(file.rules.map(\.name) == ["slow-search", "many-deletes"])
        #expect(file.channels.map(\.name) == ["ops-mail", "team-slack", "ops-hook"])
    }

    @Test func anEmptyFileHasNoRules() throws {
        #expect(try RulesFile.parse("", file: "rules.yaml") == RulesFile(project: nil, channels: [], rules: []))
        #expect(try RulesFile.parse("# nothing yet\nrules: []\n", file: "rules.yaml").rules.isEmpty)
    }

    @Test func loadsFromDiskAndNamesAMissingFile() throws {
        let directory = try TemporaryDirectory()
        let path = directory.url.appendingPathComponent("alerts.yaml").path
        try "rules:\n  - {name: a, condition: {kind: deadman}, window: 1m}\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(try RulesFile.load(path: path, environment: [:]).rules.map(\.id) == ["file:a"])
        let error = #expect(throws: RulesFileError.self) { try RulesFile.load(path: path + ".missing", environment: [:]) }
        #expect(error?.description == "alerts.yaml.missing: cannot read the rules file (no such file)")
    }

    @Test func durations() {
        #expect(AlertDuration.seconds("30s") == 30)
        #expect(AlertDuration.seconds("5m") == 300)
        #expect(AlertDuration.seconds("1h") == 3600)
        #expect(AlertDuration.seconds("1h30m") == 5400)
        #expect(AlertDuration.seconds("2d") == 172_800)
        #expect(AlertDuration.seconds("90") == 90)
        for bad in ["", "5", "m", "5x", "-5m", "5 m", "1.5h", "h1", "5m3"] where bad != "5" {
            #expect(AlertDuration.seconds(bad) == nil, "\(bad)")
        }
        #expect(AlertDuration.format(5400) == "1h30m")
        #expect(AlertDuration.format(60) == "1m")
        #expect(AlertDuration.format(0) == "0s")
    }

    /// The message of parsing `yaml` (wrapped in `rules:` with one rule unless it has top-level keys).
    static func problems(_ yaml: String, environment: [String: String] = [:]) -> [String] {
        do {
            _ = try RulesFile.parse(yaml, file: "rules.yaml", environment: environment)
            return []
        } catch {
            return error.description.split(separator: "\n").map(String.init)
        }
    }

    @Test func ruleMistakesNameFileLineAndField() {
        let yaml = """
            rules:
              - name: slow-search
                condition: {kind: latency, aboveMs: 800}
                window: 30s
              - name: typo
                condition: {kind: deadman}
                windw: 5m
              - condition: {kind: callCount, above: -1}
                window: 5m
              - name: bad-kind
                condition: {kind: errorrate, abovePercent: 5}
                window: soon
                for: 8d
                renotify: 10s
              - name: missing-fields
                condition: {kind: errorRate, minCalls: 0, countToolErrors: "yes"}
              - name: wrong-types
                enabled: maybe
                condition: {kind: latency, percentile: p90, aboveMs: "800"}
                window: 5m
                channels: ops
              - name: percent
                condition: {kind: throughputCollapse, belowPercent: 100, minBaselineCalls: 2.5, extra: 1}
                window: 5m
            """
        #expect(Self.problems(yaml) == [
            "rules.yaml:4: rule \"slow-search\": window must be at least 1m",
            "rules.yaml:7: rule \"typo\": unknown key \"windw\" in the rule (expected one of: channels, condition, enabled, for, name, renotify, scope, window)",
            "rules.yaml:5: rule \"typo\": window is required",
            "rules.yaml:8: rule #3: name is required",
            "rules.yaml:8: rule #3: condition.above must be at least 0",
            "rules.yaml:11: rule \"bad-kind\": condition.kind must be one of errorRate, latency, throughputCollapse, callCount, deadman, got \"errorrate\"",
            "rules.yaml:12: rule \"bad-kind\": window must be a duration such as 30s, 5m or 1h",
            "rules.yaml:13: rule \"bad-kind\": for must be at most 7d",
            "rules.yaml:14: rule \"bad-kind\": renotify must be at least 1m",
            "rules.yaml:16: rule \"missing-fields\": condition.abovePercent is required",
            "rules.yaml:16: rule \"missing-fields\": condition.minCalls must be at least 1",
            "rules.yaml:16: rule \"missing-fields\": condition.countToolErrors must be true or false",
            "rules.yaml:15: rule \"missing-fields\": window is required",
            "rules.yaml:18: rule \"wrong-types\": enabled must be true or false",
            "rules.yaml:19: rule \"wrong-types\": condition.percentile must be one of p50, p95, p99, got \"p90\"",
            "rules.yaml:19: rule \"wrong-types\": condition.aboveMs must be a number",
            "rules.yaml:21: rule \"wrong-types\": channels must be a list of channel names",
            "rules.yaml:23: rule \"percent\": unknown key \"extra\" in condition (expected one of: belowPercent, kind, minBaselineCalls)",
            "rules.yaml:23: rule \"percent\": condition.belowPercent must be a percentage from 0 up to (not including) 100",
            "rules.yaml:23: rule \"percent\": condition.minBaselineCalls must be a whole number",
        ])
    }
}
