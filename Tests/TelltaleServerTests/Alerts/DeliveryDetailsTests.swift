import Foundation
import Logging
import NIOConcurrencyHelpers
import Testing
import TelltaleCore
import TelltaleStore
@testable import TelltaleServer

/// Backoff, HTTP timeouts, and secrets kept out of logs and the delivery log.
@Suite struct DeliveryDetailsTests {
    /// Collects every log line with its metadata.
    struct CollectingLogHandler: LogHandler {
        let lines: NIOLockedValueBox<[String]>
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String, file: String, function: String, line: UInt) {
            let all = self.metadata.merging(metadata ?? [:]) { $1 }
            lines.withLockedValue { $0.append("\(level) \(message) \(all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))") }
        }
    }

    @Test func backoffDoublesWithJitterAndIsCapped() {
        let policy = AlertDeliveryPolicy(baseDelay: .seconds(1), maxDelay: .seconds(10))
        #expect(policy.delay(afterAttempt: 1, jitter: 0) == .milliseconds(500))
        #expect(policy.delay(afterAttempt: 1, jitter: 1) == .seconds(1))
        #expect(policy.delay(afterAttempt: 2, jitter: 1) == .seconds(2))
        #expect(policy.delay(afterAttempt: 3, jitter: 0.5) == .seconds(3))
        #expect(policy.delay(afterAttempt: 4, jitter: 1) == .seconds(8))
        #expect(policy.delay(afterAttempt: 9, jitter: 1) == .seconds(10))
        #expect(policy.delay(afterAttempt: 60, jitter: 0) == .seconds(5))
        for _ in 0..<100 {
            let delay = policy.delay(afterAttempt: 2)
            #expect(delay >= .seconds(1) && delay <= .seconds(2))
        }
        #expect(AlertDeliveryPolicy(maxAttempts: 0, maxConcurrentAttempts: 0).maxAttempts == 1)
    }

    @Test func aHangingHTTPReceiverTimesOut() async throws {
        let (silent, _) = try await TCPListeners.silent()
        defer { silent.close(promise: nil) }
        let client = AlertHTTPSender.makeClient()
        let sender = AlertHTTPSender(client: client, timeout: .milliseconds(300))
        let started = ContinuousClock.now
        let error = await #expect(throws: AlertSendError.self) {
            let target = AlertDeliveryTarget(url: URL(string: "http://127.0.0.1:\(silent.localAddress!.port!)/x?secret=1")!,
                                             host: "127.0.0.1", address: IPAddressBytes("127.0.0.1")!)
            try await sender.post(Data("{}".utf8), to: target, headers: [])
        }
        #expect(ContinuousClock.now - started < .seconds(5))
        #expect(error?.message == "request to 127.0.0.1 failed: timed out")
        try await client.shutdown()
    }

    @Test func secretsStayOutOfLogsAndTheDeliveryLog() async throws {
        let directory = try TemporaryDirectory()
        let store = try SQLiteCallStore(directory: directory.url)
        let project = try #require(try await store.projects().first).id
        let lines = NIOLockedValueBox<[String]>([])
        let logger = Logger(label: "test.alerts") { _ in CollectingLogHandler(lines: lines) }
        let closedPort = try await TCPListeners.closedPort()
        let smtpServer = TestSMTPServer(options: .init(authMechanisms: ["PLAIN"], echoCredentialsOnFailure: true))
        let smtpPort = try await smtpServer.start()
        let smtpPassword = "Sup3r-Secret-SMTP"
        let smtp = SMTPConfiguration(host: "127.0.0.1", port: smtpPort, startTLS: .off, username: "alerts", password: smtpPassword, from: "alerts@example.com")
        let channels = [
            AlertChannel(id: "s", name: "slack", kind: .slack, url: "http://127.0.0.1:\(closedPort)/services/T0/B0/SLACKSECRETPATH"),
            AlertChannel(id: "w", name: "hook", kind: .webhook, url: "http://127.0.0.1:\(closedPort)/in?token=WEBHOOKSECRETQUERY",
                         secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
            AlertChannel(id: "e", name: "mail", kind: .email, emailTo: ["oncall@example.com"]),
        ]
        let dispatcher = AlertDispatcher(store: store, smtp: smtp, targetGuard: AlertTargetGuard(allowPrivateTargets: true),
                                         policy: AlertDeliveryPolicy(maxAttempts: 2, baseDelay: .milliseconds(10)), logger: logger)
        for channel in channels {
            await dispatcher.dispatch(AlertTestData.notification(id: "n_\(channel.id)"), to: channel, project: project)
        }
        await dispatcher.waitUntilIdle()
        await dispatcher.shutdown()
        await smtpServer.stop()

        let deliveries = try await store.alertDeliveries(project: project, ruleID: nil, limit: 10)
        #expect(deliveries.count == 3)
        #expect(deliveries.allSatisfy { $0.status == .failed })
        #expect(deliveries.first { $0.id == "n_e" }?.lastError == "SMTP server refused AUTH PLAIN: 535 5.7.8 Authentication credentials invalid: *** (***)")
        let texts = lines.withLockedValue { $0 } + deliveries.compactMap(\.lastError)
        #expect(texts.count >= 6)
        for secret in ["SLACKSECRETPATH", "WEBHOOKSECRETQUERY", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", smtpPassword,
                       Data("\0alerts\0\(smtpPassword)".utf8).base64EncodedString()] {
            #expect(!texts.contains { $0.contains(secret) }, "\(secret) leaked")
        }
    }
}
