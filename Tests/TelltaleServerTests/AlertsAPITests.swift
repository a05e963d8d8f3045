import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import TelltaleCore
import TelltaleStore
@testable import TelltaleServer

/// The alerts API on a real SQLite store: rules CRUD, file rules read-only, channels without secrets,
/// validation messages naming the field, key scopes, history and deliveries.
// Waits on receivers and child processes: a regression fails the suite instead of hanging the run.
@Suite(.timeLimit(.minutes(2))) struct AlertsAPITests {
    static func json(_ text: String, key: String) -> (HTTPFields, ByteBuffer) {
        (ServerFixture.headers(key: key, contentType: "application/json"), ByteBuffer(string: text))
    }

    static func send(
        _ client: any TestClientProtocol, _ method: HTTPRequest.Method, _ uri: String, key: String?, body: String? = nil
    ) async throws -> TestResponse {
        let headers = ServerFixture.headers(key: key, contentType: body == nil ? nil : "application/json")
        return try await client.execute(uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) })
    }


    @Test func createsReadsReplacesAndDeletesARule() async throws {
        let fixture = try await ServerFixture.allowingPrivateTargets()
        let admin = fixture.adminKey
        try await fixture.withClient { client in
            let channel = try await Self.send(client, .post, "/api/v1/alerts/channels", key: admin,
                                              body: #"{"name": "ops", "kind": "email", "to": "ops@example.com"}"#)
            #expect(channel.status == .created)
            let channelID = try #require(try Fixtures.object(channel.body)["id"] as? String)

            let created = try await Self.send(client, .post, "/api/v1/alerts/rules", key: admin, body: """
                {"name": "slow-search", "scope": {"server": "weather", "tool": "search", "tags": {"env": "prod"}},
                 "condition": {"kind": "latency", "percentile": "p99", "aboveMs": 800},
                 "window": "5m", "for": "1m", "renotify": "1h", "channels": ["ops", "\(channelID)", "ops"]}
                """)
            #expect(created.status == .created)
            let rule = try Fixtures.object(created.body)
            let id = try #require(rule["id"] as? String)
            #expect(id.hasPrefix("rule_"))
            #expect(rule["name"] as? String == "slow-search")
            #expect(rule["source"] as? String == "api")
            #expect(rule["window"] as? Int == 300)
            #expect(rule["for"] as? Int == 60)
            #expect(rule["renotify"] as? Int == 3600)
            #expect(rule["channels"] as? [String] == [channelID])
            #expect(rule["scope"] as? NSDictionary == ["server": "weather", "tool": "search", "tags": ["env": "prod"]])
            #expect(rule["condition"] as? NSDictionary == ["kind": "latency", "percentile": "p99", "aboveMs": 800])

            let list = try await Self.send(client, .get, "/api/v1/alerts/rules", key: fixture.readKey)
            #expect(list.status == .ok)
            let items = try #require(try Fixtures.object(list.body)["items"] as? [[String: Any]])
            #expect(items.map { $0["id"] as? String } == [id])

            let replaced = try await Self.send(client, .put, "/api/v1/alerts/rules/\(id)", key: admin, body: """
                {"name": "slow-search", "enabled": false, "condition": {"kind": "callCount", "above": 20}, "window": 3600}
                """)
            #expect(replaced.status == .ok)
            let one = try await Self.send(client, .get, "/api/v1/alerts/rules/\(id)", key: fixture.readKey)
            let read = try Fixtures.object(one.body)
            #expect(read["enabled"] as? Bool == false)
            #expect(read["window"] as? Int == 3600)
            #expect(read["condition"] as? NSDictionary == ["kind": "callCount", "above": 20])
            #expect(read["channels"] as? [String] == [])

            let deleted = try await Self.send(client, .delete, "/api/v1/alerts/rules/\(id)", key: admin)
            #expect(deleted.status == .noContent)
            let gone = try await Self.send(client, .get, "/api/v1/alerts/rules/\(id)", key: admin)
            #expect(gone.status == .notFound)
            let again = try await Self.send(client, .delete, "/api/v1/alerts/rules/\(id)", key: admin)
            #expect(again.status == .notFound)
        }
    }

    @Test func invalidDefinitionsAre400sNamingTheField() async throws {
        let fixture = try await ServerFixture.make()
        let cases: [(String, String, String?)] = [
            (#"{"name": "a", "condition": {"kind": "deadman"}, "window": "30s"}"#, "window must be at least 1m", "window"),
            (#"{"name": "a", "condition": {"kind": "deadman"}, "window": "5m", "windw": 1}"#,
             "unknown key \"windw\" in the rule (expected one of: channels, condition, enabled, for, name, renotify, scope, window)", "windw"),
            (#"{"name": "a", "condition": {"kind": "errorRate"}, "window": "5m"}"#, "condition.abovePercent is required", "condition.abovePercent"),
            (#"{"name": "a", "condition": {"kind": "latency", "aboveMs": -1}, "window": "5m"}"#, "condition.aboveMs must be above 0", "condition.aboveMs"),
            (#"{"name": "a", "scope": {"tool": "x", "prompt": "y"}, "condition": {"kind": "deadman"}, "window": "5m"}"#,
             "scope can name only one of tool, prompt and resource", "scope"),
            (#"{"name": "a", "condition": {"kind": "deadman"}, "window": "5m", "channels": ["nope"]}"#,
             "channels: no channel with id or name 'nope'", "channels"),
            (#"{"condition": {"kind": "deadman"}}"#, "name is required; window is required", "name"),
            (#"["not", "an", "object"]"#, "the rule must be a mapping of keys to values", nil),
            (#"{"name": "a", "#, "the body is not valid JSON", nil),
        ]
        try await fixture.withClient { client in
            for (body, message, field) in cases {
                let response = try await Self.send(client, .post, "/api/v1/alerts/rules", key: fixture.adminKey, body: body)
                #expect(response.status == .badRequest, "\(body)")
                let reply = try Fixtures.object(response.body)
                let error = try #require(reply["error"] as? String)
                #expect(error.hasPrefix(message), "\(body): \(error)")
                #expect(reply["field"] as? String == field, "\(body)")
            }
            let channel = try await Self.send(client, .post, "/api/v1/alerts/channels", key: fixture.adminKey,
                                              body: #"{"name": "x", "kind": "webhook", "url": "ftp://example.com/x"}"#)
            #expect(channel.status == .badRequest)
            #expect(try Fixtures.object(channel.body)["error"] as? String == "url must be an http or https URL with a host (and no user or password)")
            let secret = try await Self.send(client, .post, "/api/v1/alerts/channels", key: fixture.adminKey,
                                             body: #"{"name": "x", "kind": "webhook", "url": "https://example.com/x", "secret": "whsec_x"}"#)
            #expect(secret.status == .badRequest)
            #expect(try Fixtures.object(secret.body)["field"] as? String == "secret")
        }
    }

    @Test func namesAreUniquePerProject() async throws {
        let fixture = try await ServerFixture.allowingPrivateTargets()
        try await fixture.withClient { client in
            let rule = #"{"name": "dup", "condition": {"kind": "deadman"}, "window": "5m"}"#
            #expect(try await Self.send(client, .post, "/api/v1/alerts/rules", key: fixture.adminKey, body: rule).status == .created)
            let second = try await Self.send(client, .post, "/api/v1/alerts/rules", key: fixture.adminKey, body: rule)
            #expect(second.status == .conflict)
            #expect(try Fixtures.object(second.body)["error"] as? String == "another alert rule is named 'dup'")
            let channel = #"{"name": "ops", "kind": "email", "to": ["a@example.com"]}"#
            #expect(try await Self.send(client, .post, "/api/v1/alerts/channels", key: fixture.adminKey, body: channel).status == .created)
            #expect(try await Self.send(client, .post, "/api/v1/alerts/channels", key: fixture.adminKey, body: channel).status == .conflict)
        }
    }

    @Test func readKeysReadAndOnlyAdminKeysWrite() async throws {
        let fixture = try await ServerFixture.make()
        let rule = #"{"name": "a", "condition": {"kind": "deadman"}, "window": "5m"}"#
        try await fixture.withClient { client in
            for path in ["/api/v1/alerts/rules", "/api/v1/alerts/channels", "/api/v1/alerts/history", "/api/v1/alerts/deliveries"] {
                let read = try await Self.send(client, .get, path, key: fixture.readKey).status
                let ingest = try await Self.send(client, .get, path, key: fixture.ingestKey).status
                let anonymous = try await Self.send(client, .get, path, key: nil).status
                #expect(read == .ok, "\(path)")
                #expect(ingest == .forbidden, "\(path)")
                #expect(anonymous == .unauthorized, "\(path)")
            }
            #expect(try await Self.send(client, .post, "/api/v1/alerts/rules", key: fixture.readKey, body: rule).status == .forbidden)
            #expect(try await Self.send(client, .post, "/api/v1/alerts/rules", key: nil, body: rule).status == .unauthorized)
            let channel = #"{"name": "ops", "kind": "email", "to": "a@example.com"}"#
            #expect(try await Self.send(client, .post, "/api/v1/alerts/channels", key: fixture.readKey, body: channel).status == .forbidden)
            #expect(try await Self.send(client, .delete, "/api/v1/alerts/rules/x", key: fixture.readKey).status == .forbidden)
            #expect(try await Self.send(client, .post, "/api/v1/alerts/channels/x/test", key: fixture.readKey).status == .forbidden)
        }
    }

    @Test func channelReadsNeverShowSecrets() async throws {
        let fixture = try await ServerFixture.allowingPrivateTargets()
        let slackPath = "/services/T000/B000/very-secret-token"
        try await fixture.withClient { client in
            let slack = try await Self.send(client, .post, "/api/v1/alerts/channels", key: fixture.adminKey,
                                            body: #"{"name": "team", "kind": "slack", "url": "https://hooks.slack.com\#(slackPath)"}"#)
            #expect(slack.status == .created)
            #expect(!String(buffer: slack.body).contains("very-secret-token"))
            #expect(try Fixtures.object(slack.body)["url"] as? String == "https://hooks.slack.com")

            let hook = try await Self.send(client, .post, "/api/v1/alerts/channels", key: fixture.adminKey,
                                           body: #"{"name": "hook", "kind": "webhook", "url": "http://127.0.0.1:9/in?token=abc"}"#)
            #expect(hook.status == .created)
            let created = try Fixtures.object(hook.body)
            let secret = try #require(created["secret"] as? String)
            #expect(secret.hasPrefix("whsec_"))
            #expect(Data(base64Encoded: String(secret.dropFirst(6)))?.count == 32)
            #expect(created["url"] as? String == "http://127.0.0.1:9/…")

            let list = try await Self.send(client, .get, "/api/v1/alerts/channels", key: fixture.readKey)
            let text = String(buffer: list.body)
            #expect(!text.contains(secret))
            #expect(!text.contains("very-secret-token"))
            #expect(!text.contains("token=abc"))
            let items = try #require(try Fixtures.object(list.body)["items"] as? [[String: Any]])
            #expect(items.map { $0["name"] as? String } == ["hook", "team"])
            #expect(items[0]["signed"] as? Bool == true)
            #expect(items[0]["secret"] == nil)

            // The store keeps the secret for delivery.
            let stored = try await fixture.store.alertChannels(project: fixture.project.id)
            #expect(stored.first { $0.name == "hook" }?.secret == secret)
            #expect(stored.first { $0.name == "team" }?.url == "https://hooks.slack.com\(slackPath)")

            let id = try #require(items[0]["id"] as? String)
            #expect(try await Self.send(client, .delete, "/api/v1/alerts/channels/\(id)", key: fixture.adminKey).status == .noContent)
            #expect(try await Self.send(client, .delete, "/api/v1/alerts/channels/\(id)", key: fixture.adminKey).status == .notFound)
        }
    }

    @Test(arguments: [
        ("https://discord.com/api/webhooks/123456/t0ken-secret?wait=true", "https://discord.com/api/…"),
        ("https://hooks.zapier.com/hooks/catch/123/abcdef/", "https://hooks.zapier.com/hooks/…"),
        ("https://user:pa55@example.com:8443/in/t0ken#frag", "https://example.com:8443/in/…"),
        ("http://127.0.0.1:9/t0ken-secret?token=abc", "http://127.0.0.1:9/…"),
        ("https://example.com/\(String(repeating: "k", count: 40))/more", "https://example.com/…"),
        ("https://example.com/", "https://example.com/"), ("https://example.com?key=abc", "https://example.com"),
        ("http://[::1]:8080/a/b", "http://[::1]:8080/a/…"),
    ])
    func webhookURLsAreReadWithTheirPathMasked(url: String, shown: String) {
        #expect(AlertChannelReply(AlertChannel(id: "c", name: "hook", kind: .webhook, url: url)).url == shown)
    }

    @Test func fileRulesAndChannelsAreReadOnly() async throws {
        let fixture = try await ServerFixture.make()
        let file = try RulesFile.parse(RulesFileTests.goodYAML, file: "rules.yaml", environment: RulesFileTests.environment)
        let project = try await file.install(file: "rules.yaml", store: fixture.store, defaultProject: fixture.project, allowPrivateTargets: true)
        #expect(project.name == "staging")
        let key = try await fixture.store.createKey(project: project.id, scope: .admin, label: "staging").plaintext
        try await fixture.withClient { client in
            let list = try await Self.send(client, .get, "/api/v1/alerts/rules", key: key)
            let items = try #require(try Fixtures.object(list.body)["items"] as? [[String: Any]])
            #expect(Set(items.compactMap { $0["id"] as? String }) == Set(file.rules.map(\.id)))
            #expect(items.allSatisfy { $0["source"] as? String == "file" })
            let put = try await Self.send(client, .put, "/api/v1/alerts/rules/file:errors", key: key,
                                          body: #"{"name": "errors", "condition": {"kind": "deadman"}, "window": "5m"}"#)
            #expect(put.status == .conflict)
            #expect(try Fixtures.object(put.body)["error"] as? String
                == "rule 'errors' comes from the rules file (--rules) and is read-only; change the file and restart")
            #expect(try await Self.send(client, .delete, "/api/v1/alerts/rules/file:errors", key: key).status == .conflict)
            #expect(try await Self.send(client, .delete, "/api/v1/alerts/channels/file:ops-hook", key: key).status == .conflict)
            let channels = try await Self.send(client, .get, "/api/v1/alerts/channels", key: key)
            #expect(!String(buffer: channels.body).contains(RulesFileTests.secret))
            // The default project sees none of them.
            let other = try await Self.send(client, .get, "/api/v1/alerts/rules", key: fixture.readKey)
            #expect(try Fixtures.object(other.body)["items"] as? [Any] == nil || (try Fixtures.object(other.body)["items"] as? [Any])?.isEmpty == true)
        }
        // A second start-up with fewer rules replaces the file rules.
        let smaller = try RulesFile.parse("""
            project: staging
            channels: [{name: ops-mail, kind: email, to: ops@example.com}]
            rules:
              - {name: only, condition: {kind: deadman}, window: 1m}
            """, file: "rules.yaml")
        try await smaller.install(file: "rules.yaml", store: fixture.store, defaultProject: fixture.project, allowPrivateTargets: true)
        #expect(try await fixture.store.alertRules(project: project.id).map(\.id) == ["file:only"])
        #expect(try await fixture.store.alertChannels(project: project.id).map(\.id) == ["file:ops-mail"])
    }

    @Test func idsWithSpacesAndSlashesArePercentDecodedInPaths() async throws {
        let fixture = try await ServerFixture.make()
        let file = try RulesFile.parse("""
            rules:
              - {name: "deletes at night/api", condition: {kind: callCount, above: 20}, window: 1h}
            """, file: "rules.yaml")
        try await file.install(file: "rules.yaml", store: fixture.store, defaultProject: fixture.project, allowPrivateTargets: false)
        try await fixture.withClient { client in
            let rule = try await Self.send(client, .get, "/api/v1/alerts/rules/file%3Adeletes%20at%20night%2Fapi", key: fixture.readKey)
            #expect(rule.status == .ok)
            #expect(try Fixtures.object(rule.body)["name"] as? String == "deletes at night/api")
            let missing = try await Self.send(client, .get, "/api/v1/alerts/rules/file%3Adeletes%20at%20noon", key: fixture.readKey)
            #expect(missing.status == .notFound)
            #expect(try Fixtures.object(missing.body)["error"] as? String == "no alert rule with id 'file:deletes at noon'")
        }
    }

    @Test func fileChannelsOnPrivateTargetsStopStartUpUnlessAllowed() async throws {
        let fixture = try await ServerFixture.make()
        let file = try RulesFile.parse("""
            channels:
              - {name: hook, kind: webhook, url: "http://127.0.0.1:9/in", secret: "${SECRET}"}
            """, file: "rules.yaml", environment: ["SECRET": RulesFileTests.secret])
        let error = await #expect(throws: RulesFileError.self) {
            try await file.install(file: "rules.yaml", store: fixture.store, defaultProject: fixture.project, allowPrivateTargets: false)
        }
        let message = try #require(error?.description)
        #expect(message.hasPrefix("rules.yaml:2: channel \"hook\": url is refused: host 127.0.0.1 resolves to 127.0.0.1"), "\(message)")
        #expect(try await fixture.store.alertChannels(project: fixture.project.id).isEmpty)
        try await file.install(file: "rules.yaml", store: fixture.store, defaultProject: fixture.project, allowPrivateTargets: true)
        #expect(try await fixture.store.alertChannels(project: fixture.project.id).map(\.id) == ["file:hook"])
    }

    @Test func fileRulesMayNotTakeTheNameOfAnAPIRule() async throws {
        let fixture = try await ServerFixture.make()
        try await fixture.store.saveAlertRule(AlertRule(id: "rule_1", name: "errors", condition: .deadman, windowSeconds: 60),
                                              project: fixture.project.id)
        let file = try RulesFile.parse("rules:\n  - name: quiet\n    condition: {kind: deadman}\n    window: 1m\n  - name: errors\n    condition: {kind: deadman}\n    window: 1m\n",
                                       file: "rules.yaml")
        let error = await #expect(throws: RulesFileError.self) {
            try await file.install(file: "rules.yaml", store: fixture.store, defaultProject: fixture.project, allowPrivateTargets: false)
        }
        #expect(error?.description == "rules.yaml:5: rule \"errors\": name is taken by a rule created through the API in project \"default\"")
        #expect(try await fixture.store.alertRules(project: fixture.project.id).map(\.id) == ["rule_1"])
    }

    @Test func historyAndDeliveriesFilterByRule() async throws {
        let fixture = try await ServerFixture.make()
        let store = fixture.store
        let project = fixture.project.id
        let now = Date(timeIntervalSince1970: (Date().timeIntervalSince1970).rounded())
        for name in ["a", "b"] {
            try await store.saveAlertRule(AlertRule(id: "r-\(name)", name: name, condition: .deadman, windowSeconds: 60), project: project)
            let transition = AlertTransition(ruleID: "r-\(name)", kind: .firing, from: .ok, to: .firing, at: now, value: 0,
                                             threshold: 0, summary: "no traffic for 1 min")
            try await store.recordAlertEvaluation(project: project, ruleID: "r-\(name)",
                                                  state: AlertRuleState(state: .firing, since: now, evaluatedAt: now, value: 0, notifiedAt: now),
                                                  transition: transition)
            try await store.createAlertDelivery(
                AlertDelivery(id: "n-\(name)", ruleID: "r-\(name)", channelID: "c", channelName: "ops", channelKind: .email,
                              transitionKind: .firing, transitionAt: now, status: .failed, attempts: 5, lastError: "connection refused"),
                project: project
            )
        }
        try await fixture.withClient { client in
            let history = try await Self.send(client, .get, "/api/v1/alerts/history?rule=r-a", key: fixture.readKey)
            #expect(history.status == .ok)
            let transitions = try Fixtures.decode(AlertItemsDecoded<AlertTransition>.self, history.body).items
            #expect(transitions.map(\.ruleID) == ["r-a"])
            #expect(transitions.first?.summary == "no traffic for 1 min")
            let all = try await Self.send(client, .get, "/api/v1/alerts/history", key: fixture.readKey)
            #expect(try Fixtures.decode(AlertItemsDecoded<AlertTransition>.self, all.body).items.count == 2)

            let deliveries = try await Self.send(client, .get, "/api/v1/alerts/deliveries?rule=r-b", key: fixture.readKey)
            let items = try Fixtures.decode(AlertItemsDecoded<AlertDelivery>.self, deliveries.body).items
            #expect(items.map(\.id) == ["n-b"])
            #expect(items.first?.lastError == "connection refused")
            #expect(try await Self.send(client, .get, "/api/v1/alerts/deliveries?limit=0", key: fixture.readKey).status == .badRequest)

            let rule = try await Self.send(client, .get, "/api/v1/alerts/rules/r-a", key: fixture.readKey)
            let state = try #require(try Fixtures.object(rule.body)["state"] as? [String: Any])
            #expect(state["state"] as? String == "firing")
        }
    }

    @Test func privateTargetsAreRefusedUnlessAllowed() async throws {
        let fixture = try await ServerFixture.make()
        try await fixture.withClient { client in
            let hook = try await Self.send(client, .post, "/api/v1/alerts/channels", key: fixture.adminKey,
                                           body: #"{"name": "hook", "kind": "webhook", "url": "http://127.0.0.1:9/x"}"#)
            #expect(hook.status == .badRequest)
            let reply = try Fixtures.object(hook.body)
            #expect(reply["field"] as? String == "url")
            let error = try #require(reply["error"] as? String)
            #expect(error.hasPrefix("url is refused: host 127.0.0.1 resolves to 127.0.0.1"), "\(error)")
            #expect(error.contains("--allow-private-targets"))
            #expect(try await fixture.store.alertChannels(project: fixture.project.id).isEmpty)
        }
    }

    @Test func sendTestDeliversThroughTheDispatcherAndLogsIt() async throws {
        var configured = try await ServerFixture.allowingPrivateTargets()
        configured.configuration.alerts.publicURL = "https://telltale.example.com"
        let fixture = configured
        let receiver = HTTPReceiver()
        let closedPort = try await TCPListeners.closedPort()
        let (dispatcher, app) = fixture.applicationWithDispatcher()
        try await HTTPReceiver.run(receiver) { base in
            try await app.test(.router) { client in
                let created = try await Self.send(client, .post, "/api/v1/alerts/channels", key: fixture.adminKey,
                                                  body: #"{"name": "hook", "kind": "webhook", "url": "\#(base)/hook"}"#)
                let id = try #require(try Fixtures.object(created.body)["id"] as? String)
                let test = try await Self.send(client, .post, "/api/v1/alerts/channels/\(id)/test", key: fixture.adminKey)
                #expect(test.status == .ok)
                let delivery = try Fixtures.decode(AlertDelivery.self, test.body)
                #expect(delivery.status == .delivered)
                #expect(delivery.isTest)
                #expect(delivery.channelID == id)

                let dead = try await Self.send(client, .post, "/api/v1/alerts/channels", key: fixture.adminKey,
                                               body: #"{"name": "dead", "kind": "slack", "url": "http://127.0.0.1:\#(closedPort)/services/secret-path"}"#)
                let deadID = try #require(try Fixtures.object(dead.body)["id"] as? String)
                let failed = try Fixtures.decode(AlertDelivery.self, try await Self.send(
                    client, .post, "/api/v1/alerts/channels/\(deadID)/test", key: fixture.adminKey).body)
                #expect(failed.status == .failed)
                #expect(failed.lastError?.contains("secret-path") == false)

                let log = try await Self.send(client, .get, "/api/v1/alerts/deliveries", key: fixture.readKey)
                let items = try Fixtures.decode(AlertItemsDecoded<AlertDelivery>.self, log.body).items
                #expect(Set(items.map(\.id)) == [delivery.id, failed.id])
                #expect(!String(buffer: log.body).contains("secret-path"))
            }
        }
        await dispatcher.shutdown()
        let request = try #require(await receiver.received.first)
        #expect(request.path == "/hook")
        let payload = try WebhookBody.decode(request.body)
        #expect(payload.type == "alert.test")
        #expect(payload.data.project == fixture.project.name)
    }

    @Test func sendTestWithoutDeliveryIs503() async throws {
        let fixture = try await ServerFixture.make()
        try await fixture.withClient { client in
            let created = try await Self.send(client, .post, "/api/v1/alerts/channels", key: fixture.adminKey,
                                              body: #"{"name": "ops", "kind": "email", "to": "ops@example.com"}"#)
            let id = try #require(try Fixtures.object(created.body)["id"] as? String)
            #expect(try await Self.send(client, .post, "/api/v1/alerts/channels/\(id)/test", key: fixture.adminKey).status == .serviceUnavailable)
            #expect(try await Self.send(client, .post, "/api/v1/alerts/channels/nope/test", key: fixture.adminKey).status == .notFound)
        }
    }
}

/// `{"items": [...]}` decoded.
struct AlertItemsDecoded<Item: Decodable>: Decodable {
    var items: [Item]
}
