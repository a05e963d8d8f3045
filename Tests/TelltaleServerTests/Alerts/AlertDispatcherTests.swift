import Foundation
import Testing
import TelltaleCore
import TelltaleStore
@testable import TelltaleServer

/// The dispatcher on a real SQLite store, delivering to real local receivers.
// Waits on receivers and child processes: a regression fails the suite instead of hanging the run.
@Suite(.timeLimit(.minutes(2))) struct AlertDispatcherTests {
    struct Setup {
        let directory: TemporaryDirectory
        let store: SQLiteCallStore
        let project: ProjectID

        static func make() async throws -> Setup {
            let directory = try TemporaryDirectory()
            let store = try SQLiteCallStore(directory: directory.url)
            let project = try #require(try await store.projects().first).id
            return Setup(directory: directory, store: store, project: project)
        }

        /// Saves the rule and channels the notifications refer to.
        func save(_ channels: [AlertChannel], rule: AlertRule = AlertTestData.rule()) async throws {
            for channel in channels { try await store.saveAlertChannel(channel, project: project) }
            var rule = rule
            rule.channelIDs = channels.map(\.id)
            try await store.saveAlertRule(rule, project: project)
        }

        func dispatcher(allowPrivate: Bool = true, smtp: SMTPConfiguration? = nil, policy: AlertDeliveryPolicy) -> AlertDispatcher {
            AlertDispatcher(store: store, smtp: smtp, targetGuard: AlertTargetGuard(allowPrivateTargets: allowPrivate), policy: policy,
                            testDashboardURL: "https://telltale.example.com/dashboard/alerts")
        }

        func delivery(_ id: String) async throws -> AlertDelivery {
            try #require(try await store.alertDeliveries(project: project, ruleID: nil, limit: 100).first { $0.id == id })
        }
    }

    static let fast = AlertDeliveryPolicy(maxAttempts: 5, baseDelay: .milliseconds(20), maxDelay: .milliseconds(100))

    @Test func retriesThenDeliversWithTheSameWebhookID() async throws {
        let setup = try await Setup.make()
        let receiver = HTTPReceiver(statuses: [500, 503])
        try await HTTPReceiver.run(receiver) { base in
            let channel = AlertChannel(id: "ch-1", name: "hook", kind: .webhook, url: "\(base)/hook?token=x", secret: WebhookSenderTests.secret)
            try await setup.save([channel])
            let dispatcher = setup.dispatcher(policy: Self.fast)
            let notification = AlertTestData.notification(id: "notif_retry")
            await dispatcher.dispatch(notification, to: channel, project: setup.project)
            await dispatcher.waitUntilIdle()
            await dispatcher.shutdown()
        }
        let delivery = try await setup.delivery("notif_retry")
        #expect(delivery.status == .delivered)
        #expect(delivery.attempts == 3)
        #expect(delivery.lastError == "HTTP 503 from 127.0.0.1")
        #expect(delivery.deliveredAt != nil)
        #expect(delivery.channelName == "hook" && delivery.channelKind == .webhook && delivery.ruleID == "rule-1")
        let requests = await receiver.received
        #expect(requests.count == 3)
        for request in requests {
            #expect(request.headers["webhook-id"] == "notif_retry")
            #expect(WebhookSenderTests.verify(secret: WebhookSenderTests.secret, id: "notif_retry", timestamp: request.headers["webhook-timestamp"] ?? "",
                                              body: request.body, signatureHeader: request.headers["webhook-signature"] ?? ""))
        }
    }

    @Test func exhaustedRetriesFailWithTheLastError() async throws {
        let setup = try await Setup.make()
        let receiver = HTTPReceiver(statuses: [500, 502, 504, 200])
        try await HTTPReceiver.run(receiver) { base in
            let channel = AlertChannel(id: "ch-1", name: "slack", kind: .slack, url: "\(base)/services/SECRET")
            try await setup.save([channel])
            let dispatcher = setup.dispatcher(policy: AlertDeliveryPolicy(maxAttempts: 3, baseDelay: .milliseconds(10)))
            await dispatcher.dispatch(AlertTestData.notification(id: "notif_fail"), to: channel, project: setup.project)
            await dispatcher.waitUntilIdle()
            await dispatcher.shutdown()
        }
        let delivery = try await setup.delivery("notif_fail")
        #expect(delivery.status == .failed)
        #expect(delivery.attempts == 3)
        #expect(delivery.lastError == "HTTP 504 from 127.0.0.1")
        #expect(delivery.deliveredAt == nil)
        #expect(await receiver.received.count == 3)
    }

    @Test func privateTargetsFailAtOnceUnlessAllowed() async throws {
        let setup = try await Setup.make()
        let receiver = HTTPReceiver()
        try await HTTPReceiver.run(receiver) { base in
            let channel = AlertChannel(id: "ch-1", name: "hook", kind: .webhook, url: "\(base)/hook", secret: WebhookSenderTests.secret)
            try await setup.save([channel])
            let refusing = setup.dispatcher(allowPrivate: false, policy: Self.fast)
            await refusing.dispatch(AlertTestData.notification(id: "notif_private"), to: channel, project: setup.project)
            await refusing.waitUntilIdle()
            await refusing.shutdown()
            #expect(await receiver.received.isEmpty)
            let allowing = setup.dispatcher(allowPrivate: true, policy: Self.fast)
            await allowing.dispatch(AlertTestData.notification(id: "notif_allowed"), to: channel, project: setup.project)
            await allowing.waitUntilIdle()
            await allowing.shutdown()
        }
        let refused = try await setup.delivery("notif_private")
        #expect(refused.status == .failed)
        #expect(refused.attempts == 1)
        #expect(refused.lastError?.contains("(loopback); private targets are refused unless the server runs with --allow-private-targets") == true)
        #expect(try await setup.delivery("notif_allowed").status == .delivered)
        #expect(await receiver.received.count == 1)
    }

    @Test func deadAndHangingReceiversDoNotDelayALiveOne() async throws {
        let setup = try await Setup.make()
        let closedPort = try await TCPListeners.closedPort()
        let (silent, _) = try await TCPListeners.silent()
        defer { silent.close(promise: nil) }
        let receiver = HTTPReceiver()
        try await HTTPReceiver.run(receiver) { base in
            let dead = AlertChannel(id: "dead", name: "dead", kind: .webhook, url: "http://127.0.0.1:\(closedPort)/hook", secret: WebhookSenderTests.secret)
            let hanging = AlertChannel(id: "hang", name: "hang", kind: .slack, url: "http://127.0.0.1:\(silent.localAddress!.port!)/services/x")
            let live = AlertChannel(id: "live", name: "live", kind: .webhook, url: "\(base)/hook", secret: WebhookSenderTests.secret)
            try await setup.save([dead, hanging, live])
            let dispatcher = setup.dispatcher(policy: AlertDeliveryPolicy(maxAttempts: 5, baseDelay: .seconds(2), shutdownGracePeriod: .milliseconds(300)))
            let started = ContinuousClock.now
            await dispatcher.dispatch(AlertTestData.notification(id: "n_dead"), to: dead, project: setup.project)
            await dispatcher.dispatch(AlertTestData.notification(id: "n_hang"), to: hanging, project: setup.project)
            await dispatcher.dispatch(AlertTestData.notification(id: "n_live"), to: live, project: setup.project)
            await receiver.waitForRequests(1)
            #expect(ContinuousClock.now - started < .seconds(2))
            // The live delivery is recorded without waiting for the others.
            let deadline = ContinuousClock.now + .seconds(5)
            while try await setup.delivery("n_live").status != .delivered, ContinuousClock.now < deadline { await Task.yield() }
            #expect(try await setup.delivery("n_live").status == .delivered)
            let deadDelivery = try await setup.delivery("n_dead")
            #expect(deadDelivery.status == .pending || deadDelivery.status == .retrying)
            #expect(try await setup.delivery("n_hang").status == .pending)
            await dispatcher.shutdown()
            #expect(await dispatcher.activeDeliveries == 0)
        }
        let dead = try await setup.delivery("n_dead")
        #expect(dead.status == .failed)
        #expect(dead.attempts == 1)
        #expect(dead.lastError == "request to 127.0.0.1 failed: connection refused; not retried: the server shut down")
        let hung = try await setup.delivery("n_hang")
        #expect(hung.status == .failed)
        #expect(hung.lastError == "request to 127.0.0.1 failed: cancelled; not retried: the server shut down")
    }

    @Test func sendTestAfterShutdownFailsAtOnceWithoutSending() async throws {
        let setup = try await Setup.make()
        let receiver = HTTPReceiver()
        try await HTTPReceiver.run(receiver) { base in
            let channel = AlertChannel(id: "ch-1", name: "hook", kind: .webhook, url: "\(base)/hook", secret: WebhookSenderTests.secret)
            try await setup.save([channel])
            let dispatcher = setup.dispatcher(policy: Self.fast)
            await dispatcher.shutdown()
            let delivery = await dispatcher.sendTest(channel: channel, project: setup.project)
            #expect(delivery.status == .failed && delivery.attempts == 0)
            #expect(delivery.lastError == "not attempted: the server is shutting down")
            #expect(try await setup.delivery(delivery.id).status == .failed)
        }
        #expect(await receiver.received.isEmpty)
    }

    @Test func sendTestReturnsTheFinalDelivery() async throws {
        let setup = try await Setup.make()
        let receiver = HTTPReceiver()
        let closedPort = try await TCPListeners.closedPort()
        try await HTTPReceiver.run(receiver) { base in
            let channel = AlertChannel(id: "ch-1", name: "hook", kind: .webhook, url: "\(base)/hook", secret: WebhookSenderTests.secret)
            let dead = AlertChannel(id: "ch-2", name: "dead", kind: .slack, url: "http://127.0.0.1:\(closedPort)/services/x")
            try await setup.save([channel, dead])
            let dispatcher = setup.dispatcher(policy: Self.fast)
            let delivered = await dispatcher.sendTest(channel: channel, project: setup.project, projectName: "default")
            #expect(delivered.status == .delivered)
            #expect(delivered.isTest)
            #expect(delivered.attempts == 1)
            let stored = try await setup.delivery(delivered.id)
            #expect(stored.status == .delivered && stored.attempts == 1 && stored.isTest && stored.channelID == "ch-1")
            let given = await dispatcher.sendTest(AlertTestData.notification(id: "test_given"), to: channel, project: setup.project)
            #expect(given.id == "test_given" && given.isTest && given.status == .delivered)
            let failed = await dispatcher.sendTest(channel: dead, project: setup.project)
            #expect(failed.status == .failed)
            #expect(failed.attempts == 1)
            #expect(failed.lastError == "request to 127.0.0.1 failed: connection refused")
            await dispatcher.shutdown()
        }
        let requests = await receiver.received
        #expect(requests.count == 2)
        let request = try #require(requests.first)
        let payload = try WebhookBody.decode(request.body)
        #expect(payload.type == "alert.test")
        #expect(try WebhookBody.decode(requests[1].body).type == "alert.test")
        #expect(payload.data.dashboardURL == "https://telltale.example.com/dashboard/alerts")
    }

    @Test func aDispatcherMayBeDroppedWithoutShutdown() async throws {
        let setup = try await Setup.make()
        let receiver = HTTPReceiver()
        try await HTTPReceiver.run(receiver) { base in
            let channel = AlertChannel(id: "ch-1", name: "slack", kind: .slack, url: "\(base)/services/x")
            try await setup.save([channel])
            // The shared HTTP client outlives every dispatcher: nothing to shut down, no crash on release.
            var dispatcher: AlertDispatcher? = setup.dispatcher(policy: Self.fast)
            #expect(await dispatcher?.sendTest(channel: channel, project: setup.project).status == .delivered)
            dispatcher = nil
            #expect(await setup.dispatcher(policy: Self.fast).sendTest(channel: channel, project: setup.project).status == .delivered)
        }
        #expect(await receiver.received.count == 2)
    }

    @Test func aSlowAttemptIsCutOffByTheAttemptTimeout() async throws {
        let setup = try await Setup.make()
        let (silent, _) = try await TCPListeners.silent()
        defer { silent.close(promise: nil) }
        // The SMTP server never greets; the SMTP reply timeout (10 s) is longer than the attempt timeout.
        let smtp = SMTPConfiguration(host: "127.0.0.1", port: silent.localAddress!.port!, startTLS: .off, from: "alerts@example.com")
        let channel = AlertChannel(id: "ch-1", name: "oncall", kind: .email, emailTo: ["oncall@example.com"])
        try await setup.save([channel])
        let dispatcher = setup.dispatcher(smtp: smtp, policy: AlertDeliveryPolicy(maxAttempts: 2, baseDelay: .milliseconds(10), attemptTimeout: .milliseconds(300)))
        let started = ContinuousClock.now
        await dispatcher.dispatch(AlertTestData.notification(id: "n_slow"), to: channel, project: setup.project)
        await dispatcher.waitUntilIdle()
        #expect(ContinuousClock.now - started < .seconds(5))
        let delivery = try await setup.delivery("n_slow")
        #expect(delivery.status == .failed)
        #expect(delivery.attempts == 2)
        #expect(delivery.lastError == "email delivery did not finish within 300 ms")
        await dispatcher.shutdown()
    }

    @Test func emailDeliveryThroughTheDispatcher() async throws {
        let setup = try await Setup.make()
        let server = TestSMTPServer(options: .init(authMechanisms: ["PLAIN"]))
        let port = try await server.start()
        defer { Task { await server.stop() } }
        let smtp = SMTPConfiguration(host: "127.0.0.1", port: port, startTLS: .off, username: "alerts", password: "s3cret-Pa55",
                                     from: "Telltale <alerts@example.com>")
        let channel = AlertChannel(id: "ch-1", name: "oncall", kind: .email, emailTo: ["oncall@example.com", "lead@example.com"])
        try await setup.save([channel])
        let dispatcher = setup.dispatcher(smtp: smtp, policy: Self.fast)
        await dispatcher.dispatch(AlertTestData.notification(id: "n_mail"), to: channel, project: setup.project)
        await dispatcher.waitUntilIdle()
        await dispatcher.shutdown()
        #expect(try await setup.delivery("n_mail").status == .delivered)
        let mail = try #require(server.mails.first)
        #expect(mail.to == ["oncall@example.com", "lead@example.com"])
        let parts = try EmailRenderingTests.parts(of: mail.data)
        #expect(parts["text/plain"]?.contains("Value:     1234.5 ms (threshold 800 ms)") == true)
    }

    @Test func attemptsAreBoundedAndTheRestWait() async throws {
        let setup = try await Setup.make()
        let (silent, accepted) = try await TCPListeners.silent()
        defer { silent.close(promise: nil) }
        let receiver = HTTPReceiver()
        try await HTTPReceiver.run(receiver) { base in
            let hanging = AlertChannel(id: "hang", name: "hang", kind: .slack, url: "http://127.0.0.1:\(silent.localAddress!.port!)/services/x")
            let live = AlertChannel(id: "live", name: "live", kind: .slack, url: "\(base)/services/y")
            try await setup.save([hanging, live])
            let dispatcher = setup.dispatcher(policy: AlertDeliveryPolicy(maxAttempts: 1, maxConcurrentAttempts: 1, shutdownGracePeriod: .milliseconds(200)))
            await dispatcher.dispatch(AlertTestData.notification(id: "n_hang"), to: hanging, project: setup.project)
            var connections = accepted.makeAsyncIterator()
            _ = await connections.next()  // the hanging attempt holds the only slot
            await dispatcher.dispatch(AlertTestData.notification(id: "n_live"), to: live, project: setup.project)
            // With one slot held by the hanging attempt, the live one waits: shutting down releases it unattempted.
            await dispatcher.shutdown()
        }
        #expect(await receiver.received.isEmpty)
        let waiting = try await setup.delivery("n_live")
        #expect(waiting.status == .failed)
        #expect(waiting.attempts == 0)
        #expect(waiting.lastError == "not attempted: the server shut down")
    }
}
