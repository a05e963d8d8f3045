import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import TelltaleCore
import TelltaleStore
@testable import TelltaleServer

/// The dashboard's Alerts pages on a real store: listing with state, the rule page's history and
/// deliveries, admin forms (create/delete rule and channel, send test) and read-only sessions.
@Suite struct DashboardAlertsTests {

    @Test func adminCreatesListsAndDeletesRulesAndChannels() async throws {
        let fixture = try await ServerFixture.allowingPrivateTargets()
        try await fixture.withClient { client in
            let cookie = try await DashboardBrowser.signIn(client, key: fixture.adminKey)
            let empty = try await DashboardBrowser.page(client, "/alerts", cookie: cookie)
            #expect(empty.contains("No alert rules yet."))
            #expect(empty.contains(" aria-current=\"page\">Alerts</a>"))
            #expect(empty.contains("action=\"/alerts/rules\""))
            #expect(!empty.contains("<script>"))

            let channel = try await DashboardBrowser.post(client, "/alerts/channels",
                                                          [("name", "ops"), ("kind", "email"), ("target", "ops@example.com, oncall@example.com")],
                                                          cookie: cookie)
            #expect(channel.status == .seeOther)
            #expect(channel.headers[.location]?.hasPrefix("/alerts?message=") == true)

            let hook = try await DashboardBrowser.post(client, "/alerts/channels",
                                                       [("name", "hook"), ("kind", "webhook"), ("target", "http://127.0.0.1:9/in/t0ken-in-path")], cookie: cookie)
            #expect(hook.status == .ok)
            let stored = try await fixture.store.alertChannels(project: fixture.project.id)
            let secret = try #require(stored.first { $0.name == "hook" }?.secret)
            #expect(String(buffer: hook.body).contains(secret))

            let created = try await DashboardBrowser.post(client, "/alerts/rules", [("definition", """
                name: slow-search
                scope: {tool: search}
                condition: {kind: latency, percentile: p95, aboveMs: 800}
                window: 5m
                channels: [ops]
                """)], cookie: cookie)
            #expect(created.status == .seeOther)
            let bad = try await DashboardBrowser.post(client, "/alerts/rules", [("definition", "name: x\ncondition: {kind: deadman}\nwindow: 10s\n")], cookie: cookie)
            let location = try #require(bad.headers[.location])
            #expect(location.hasPrefix("/alerts?error="))
            let errorPage = try await DashboardBrowser.page(client, location, cookie: cookie)
            #expect(errorPage.contains("window must be at least 1m"))

            let page = try await DashboardBrowser.page(client, "/alerts", cookie: cookie)
            #expect(page.contains("slow-search"))
            #expect(page.contains("p95 latency above 800 ms"))
            #expect(page.contains("tool=search"))
            #expect(page.contains("<span class=\"badge green\">ok</span>"))
            #expect(page.contains("ops@example.com, oncall@example.com"))
            #expect(!page.contains(secret))
            #expect(page.contains("http://127.0.0.1:9/in/…"))  // the webhook path is masked for every reader
            #expect(!page.contains("t0ken-in-path"))

            let rule = try #require(try await fixture.store.alertRules(project: fixture.project.id).first)
            let rulePage = try await DashboardBrowser.page(client, "/alerts/rules/\(rule.id)", cookie: cookie)
            #expect(rulePage.contains("No transitions yet."))
            #expect(rulePage.contains("No notifications yet."))

            let deleted = try await DashboardBrowser.post(client, "/alerts/rules/\(rule.id)/delete", [], cookie: cookie)
            #expect(deleted.status == .seeOther)
            #expect(try await fixture.store.alertRules(project: fixture.project.id).isEmpty)
            let ops = try #require(stored.first { $0.name == "ops" })
            _ = try await DashboardBrowser.post(client, "/alerts/channels/\(ops.id)/delete", [], cookie: cookie)
            #expect(try await fixture.store.alertChannels(project: fixture.project.id).map(\.name) == ["hook"])
        }
    }

    @Test func rulePageShowsHistoryAndDeliveries() async throws {
        let fixture = try await ServerFixture.make()
        let project = fixture.project.id
        let now = Date()
        try await fixture.store.saveAlertRule(AlertRule(id: "r1", name: "errors", condition: .errorRate(abovePercent: 5, minCalls: 10, countToolErrors: false), windowSeconds: 300), project: project)
        try await fixture.store.recordAlertEvaluation(
            project: project, ruleID: "r1", state: AlertRuleState(state: .firing, since: now, evaluatedAt: now, value: 12.5, notifiedAt: now),
            transition: AlertTransition(ruleID: "r1", kind: .firing, from: .ok, to: .firing, at: now, value: 12.5, threshold: 5,
                                        summary: "error rate 12.5% (25 of 200 calls) above 5% over 5 min")
        )
        try await fixture.store.createAlertDelivery(
            AlertDelivery(id: "n1", ruleID: "r1", channelID: "c1", channelName: "ops", channelKind: .email, transitionKind: .firing,
                          transitionAt: now, status: .failed, attempts: 5, lastError: "connection refused"), project: project)
        try await fixture.withClient { client in
            let cookie = try await DashboardBrowser.signIn(client, key: fixture.readKey)
            let list = try await DashboardBrowser.page(client, "/alerts", cookie: cookie)
            #expect(list.contains("<span class=\"badge red\">firing</span>"))
            #expect(list.contains("12.5") && !list.contains("12.50"))
            #expect(!list.contains("action=\"/alerts/rules\""))
            let page = try await DashboardBrowser.page(client, "/alerts/rules/r1", cookie: cookie)
            #expect(page.contains("error rate 12.5% (25 of 200 calls) above 5% over 5 min"))
            #expect(page.contains("connection refused"))
            #expect(page.contains("ops (email)"))
            _ = try await DashboardBrowser.page(client, "/alerts/rules/nope", cookie: cookie, status: .notFound)

            // A read session cannot change anything.
            let refused = try await DashboardBrowser.post(client, "/alerts/rules/r1/delete", [], cookie: cookie)
            #expect(refused.status == .forbidden)
            #expect(try await fixture.store.alertRule(id: "r1", project: project) != nil)
        }
    }

    @Test func crossSitePostsAreRefused() async throws {
        let fixture = try await ServerFixture.allowingPrivateTargets()
        try await fixture.withClient { client in
            let cookie = try await DashboardBrowser.signIn(client, key: fixture.adminKey)
            var headers: HTTPFields = [.contentType: "application/x-www-form-urlencoded", .cookie: cookie, .origin: "https://evil.example"]
            let response = try await client.execute(uri: "/alerts/channels", method: .post, headers: headers,
                                                    body: ByteBuffer(string: "name=x&kind=email&target=a%40example.com"))
            #expect(response.status == .forbidden)
            #expect(try await fixture.store.alertChannels(project: fixture.project.id).isEmpty)
        }
    }

    @Test func sendTestFromTheDashboardReportsTheOutcome() async throws {
        let fixture = try await ServerFixture.allowingPrivateTargets()
        let receiver = HTTPReceiver()
        let closedPort = try await TCPListeners.closedPort()
        let (dispatcher, app) = fixture.applicationWithDispatcher()
        try await HTTPReceiver.run(receiver) { base in
            try await fixture.store.saveAlertChannel(
                AlertChannel(id: "c-live", name: "live", kind: .webhook, url: "\(base)/in", secret: WebhookSenderTests.secret),
                project: fixture.project.id)
            try await fixture.store.saveAlertChannel(
                AlertChannel(id: "c-dead", name: "dead", kind: .slack, url: "http://127.0.0.1:\(closedPort)/services/x"),
                project: fixture.project.id)
            try await app.test(.router) { client in
                let cookie = try await DashboardBrowser.signIn(client, key: fixture.adminKey)
                let live = try await DashboardBrowser.post(client, "/alerts/channels/c-live/test", [], cookie: cookie)
                let liveLocation = try #require(live.headers[.location])
                let livePage = try await DashboardBrowser.page(client, liveLocation, cookie: cookie)
                #expect(livePage.contains("Test notification delivered to &#39;live&#39;."))
                let dead = try await DashboardBrowser.post(client, "/alerts/channels/c-dead/test", [], cookie: cookie)
                let deadPage = try await DashboardBrowser.page(client, try #require(dead.headers[.location]), cookie: cookie)
                #expect(deadPage.contains("failed: request to 127.0.0.1 failed: connection refused"))
            }
        }
        await dispatcher.shutdown()
        #expect(await receiver.received.count == 1)
    }
}
