import AsyncHTTPClient
import Crypto
import Foundation
import Synchronization
import Testing
import TelltaleCore
@testable import TelltaleServer

/// Slack and webhook deliveries to real local HTTP receivers.
// Waits on receivers and child processes: a regression fails the suite instead of hanging the run.
@Suite(.timeLimit(.minutes(2))) struct WebhookSenderTests {
    static let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

    /// A sender allowed to reach local receivers, using a client the caller shuts down.
    static func withSender<T: Sendable>(allowPrivate: Bool = true, guard targetGuard: AlertTargetGuard? = nil,
                                        _ body: (AlertChannelSender) async throws -> T) async throws -> T {
        let client = AlertHTTPSender.makeClient()
        let sender = AlertChannelSender(http: AlertHTTPSender(client: client, timeout: .seconds(10)), smtp: nil,
                                        targetGuard: targetGuard ?? AlertTargetGuard(allowPrivateTargets: allowPrivate))
        do {
            let value = try await body(sender)
            try await client.shutdown()
            return value
        } catch {
            try await client.shutdown()
            throw error
        }
    }

    /// Verifies a Standard Webhooks signature independently of the signer: HMAC-SHA256 with the decoded key.
    static func verify(secret: String, id: String, timestamp: String, body: Data, signatureHeader: String) -> Bool {
        guard let key = Data(base64Encoded: String(secret.dropFirst("whsec_".count))) else { return false }
        var signed = Data("\(id).\(timestamp).".utf8)
        signed.append(body)
        let expected = Data(HMAC<SHA256>.authenticationCode(for: signed, using: SymmetricKey(data: key))).base64EncodedString()
        return signatureHeader.split(separator: " ").contains { $0 == "v1,\(expected)" }
    }

    @Test func signerReproducesThePublishedStandardWebhooksVector() throws {
        let signer = try StandardWebhookSigner(secret: Self.secret)
        #expect(signer.signature(id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1_614_265_330, body: Data(#"{"test": 2432232314}"#.utf8))
                == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
        let generated = StandardWebhookSigner.generateSecret()
        #expect(StandardWebhookSigner.isValidSecret(generated))
        #expect(generated != StandardWebhookSigner.generateSecret())
        #expect(!StandardWebhookSigner.isValidSecret("whsec_c2hvcnQ="))
        #expect(throws: StandardWebhookSigner.InvalidSecret.self) { try StandardWebhookSigner(secret: "whsec_%%%") }
    }

    @Test func webhookIsSignedAndCarriesTheDocumentedPayload() async throws {
        let receiver = HTTPReceiver()
        let notification = AlertTestData.notification(id: "notif_123")
        try await HTTPReceiver.run(receiver) { base in
            try await Self.withSender { sender in
                let channel = AlertChannel(id: "ch-1", name: "hook", kind: .webhook, url: "\(base)/hooks/in?token=t0ps3cret", secret: Self.secret)
                try await sender.send(notification, to: channel)
            }
        }
        let request = try #require(await receiver.received.first)
        #expect(request.path == "/hooks/in?token=t0ps3cret")
        #expect(request.headers["content-type"] == "application/json")
        #expect(request.headers["webhook-id"] == "notif_123")
        let timestamp = try #require(request.headers["webhook-timestamp"])
        #expect(abs(Double(timestamp)! - Date().timeIntervalSince1970) < 60)
        let signature = try #require(request.headers["webhook-signature"])
        #expect(Self.verify(secret: Self.secret, id: "notif_123", timestamp: timestamp, body: request.body, signatureHeader: signature))
        var tampered = request.body
        tampered[tampered.startIndex + 2] ^= 0x01
        #expect(!Self.verify(secret: Self.secret, id: "notif_123", timestamp: timestamp, body: tampered, signatureHeader: signature))
        #expect(!Self.verify(secret: Self.secret, id: "notif_124", timestamp: timestamp, body: request.body, signatureHeader: signature))

        let json = try #require(try JSONSerialization.jsonObject(with: request.body) as? [String: Any])
        #expect(json["type"] as? String == "alert.firing")
        #expect(json["timestamp"] as? String == "2026-09-21T14:13:20Z")
        let data = try #require(json["data"] as? [String: Any])
        #expect(data["project"] as? String == "default")
        #expect(data["dashboardURL"] as? String == "https://telltale.example.com/dashboard/alerts/rule-1")
        #expect((data["rule"] as? [String: Any])?["name"] as? String == "slow-search")
        #expect((data["transition"] as? [String: Any])?["kind"] as? String == "firing")
        // The rule has the API's shape (window/for/channels, condition with its kind), without state.
        let decoded = try WebhookBody.decode(request.body)
        #expect(decoded.data.rule.id == notification.rule.id && decoded.data.rule.name == notification.rule.name)
        #expect(decoded.data.rule.window == notification.rule.windowSeconds && decoded.data.rule.for == notification.rule.forSeconds)
        #expect(decoded.data.rule.channels == notification.rule.channelIDs && decoded.data.rule.condition.kind == "latency")
        #expect(decoded.data.transition == notification.transition)
        #expect(try WebhookBody.ruleKeys(request.body) == ["id", "name", "enabled", "source", "scope", "condition", "window",
                                                           "for", "renotify", "channels"])
        #expect(WebhookPayload(AlertTestData.notification(kind: .resolved)).type == "alert.resolved")
        #expect(WebhookPayload(AlertTestData.notification(kind: .renotify)).type == "alert.renotify")
        #expect(WebhookPayload(AlertTestData.notification(isTest: true)).type == "alert.test")
    }

    @Test func slackGetsABlockKitMessage() async throws {
        let receiver = HTTPReceiver()
        let notification = AlertTestData.notification(rule: AlertTestData.rule(name: "errors <prod>"))
        try await HTTPReceiver.run(receiver) { base in
            try await Self.withSender { sender in
                let channel = AlertChannel(id: "ch-2", name: "slack", kind: .slack, url: "\(base)/services/T000/B000/XXXXSECRET")
                try await sender.send(notification, to: channel)
            }
        }
        let request = try #require(await receiver.received.first)
        #expect(request.path == "/services/T000/B000/XXXXSECRET")
        #expect(request.headers["webhook-signature"] == nil)
        let json = try #require(try JSONSerialization.jsonObject(with: request.body) as? [String: Any])
        #expect((json["text"] as? String)?.hasPrefix("FIRING: errors <prod> (project default)") == true)
        let blocks = try #require(json["blocks"] as? [[String: Any]])
        let header = try #require(blocks.first)
        #expect(header["type"] as? String == "header")
        let headerText = try #require(header["text"] as? [String: Any])
        #expect(headerText["type"] as? String == "plain_text")
        #expect((headerText["text"] as? String)?.contains("FIRING: errors <prod>") == true)
        let fields = blocks.compactMap { $0["fields"] as? [[String: Any]] }.flatMap { $0 }.compactMap { $0["text"] as? String }
        #expect(fields.contains("*Rule*\nerrors &lt;prod&gt;: p95 latency above 800 ms"))
        #expect(fields.contains("*Scope*\ndefault: server=weather, tool=search, environment=production"))
        #expect(fields.contains("*Value*\n1234.5 ms (threshold 800 ms)"))
        #expect(fields.contains("*Window*\n5 min"))
        let actions = try #require(blocks.first { $0["type"] as? String == "actions" })
        let button = try #require((actions["elements"] as? [[String: Any]])?.first)
        #expect(button["type"] as? String == "button")
        #expect(button["url"] as? String == "https://telltale.example.com/dashboard/alerts/rule-1")
        let resolved = try #require(SlackMessage(AlertTestData.notification(kind: .resolved)).blocks.first)
        guard case let .header(text) = resolved else { Issue.record("no header"); return }
        #expect(text.contains("RESOLVED: slow-search"))
    }

    @Test func non2xxAndNetworkErrorsNameTheHostOnly() async throws {
        let receiver = HTTPReceiver(statuses: [500, 302])
        let closed = try await TCPListeners.closedPort()
        try await HTTPReceiver.run(receiver) { base in
            try await Self.withSender { sender in
                let channel = AlertChannel(id: "ch-3", name: "hook", kind: .webhook, url: "\(base)/p4th-secret?key=q", secret: Self.secret)
                for status in [500, 302] {
                    let error = await #expect(throws: AlertSendError.self) { try await sender.send(AlertTestData.notification(), to: channel) }
                    #expect(error == AlertSendError("HTTP \(status) from 127.0.0.1"))
                }
                let dead = AlertChannel(id: "ch-4", name: "dead", kind: .slack, url: "http://127.0.0.1:\(closed)/services/p4th-secret?key=q")
                let error = await #expect(throws: AlertSendError.self) { try await sender.send(AlertTestData.notification(), to: dead) }
                let message = try #require(error?.message)
                #expect(message == "request to 127.0.0.1 failed: connection refused", "\(message)")
                #expect(!message.contains("p4th-secret") && !message.contains("key=q"), "\(message)")
                #expect(error?.isPermanent == false)
            }
        }
        #expect(await receiver.received.count == 2)  // the redirect was not followed
    }

    @Test func privateTargetsAreRefusedBeforeAnyRequestUnlessAllowed() async throws {
        let receiver = HTTPReceiver()
        try await HTTPReceiver.run(receiver) { base in
            let channel = AlertChannel(id: "ch-5", name: "hook", kind: .webhook, url: "\(base)/hook", secret: Self.secret)
            try await Self.withSender(allowPrivate: false) { sender in
                let error = await #expect(throws: AlertSendError.self) { try await sender.send(AlertTestData.notification(), to: channel) }
                #expect(error?.isPermanent == true)
                #expect(error?.message.contains("(loopback)") == true, "\(error?.message ?? "")")
            }
            #expect(await receiver.received.isEmpty)
            try await Self.withSender(allowPrivate: true) { sender in try await sender.send(AlertTestData.notification(), to: channel) }
        }
        #expect(await receiver.received.count == 1)
    }

    @Test func deliveriesConnectToTheCheckedAddressNotToASecondDNSAnswer() async throws {
        let receiver = HTTPReceiver()
        let lookups = Mutex<[String]>([])
        let host = "hooks.rebinding.invalid"  // the system resolver has no answer for it: only the guard's answer can reach
        try await HTTPReceiver.run(receiver) { base in
            let port = try #require(URL(string: base)?.port)
            let guardian = AlertTargetGuard(allowPrivateTargets: true) { name in
                lookups.withLock { $0.append(name) }
                return [try #require(IPAddressBytes("127.0.0.1"))]
            }
            try await Self.withSender(guard: guardian) { sender in
                for (id, kind) in [("ch-6", AlertChannelKind.webhook), ("ch-7", .slack)] {
                    let channel = AlertChannel(id: id, name: id, kind: kind, url: "http://\(host):\(port)/in/\(id)", secret: kind == .webhook ? Self.secret : nil)
                    try await sender.send(AlertTestData.notification(), to: channel)
                }
            }
            // The Host header still names the URL's host.
            let received = await receiver.received
            #expect(received.map(\.authority) == ["\(host):\(port)", "\(host):\(port)"])
        }
        #expect(await receiver.received.map(\.path) == ["/in/ch-6", "/in/ch-7"])
        #expect(lookups.withLock { $0 } == [host, host])  // resolved once per attempt, by the guard
    }

    @Test func httpsDeliveriesToTheCheckedAddressStillVerifyTheURLsHostName() async throws {
        let host = "hooks.rebinding.invalid"
        let directory = try TemporaryDirectory()
        // A certificate for the URL's host name only: the TLS handshake must check that name, not the address.
        let certificate = try TestCertificate.make(in: directory.url, commonName: host, subjectAltName: "DNS:\(host)")
        let receiver = TLSHTTPReceiver()
        let port = try await receiver.start(try certificate.serverContext())
        defer { Task { await receiver.stop() } }
        let guardian = AlertTargetGuard(allowPrivateTargets: true) { _ in [try #require(IPAddressBytes("127.0.0.1"))] }
        let client = AlertHTTPSender.makeClient()
        let trusting = AlertChannelSender(http: AlertHTTPSender(client: client, tlsConfiguration: certificate.clientConfiguration()),
                                          smtp: nil, targetGuard: guardian)
        let channel = AlertChannel(id: "ch-8", name: "tls", kind: .webhook, url: "https://\(host):\(port)/in", secret: Self.secret)
        try await trusting.send(AlertTestData.notification(), to: channel)
        #expect(receiver.hosts == ["\(host):\(port)"])
        // Without trust in that certificate the handshake fails: TLS is verified, not skipped.
        let strict = AlertChannelSender(http: AlertHTTPSender(client: client), smtp: nil, targetGuard: guardian)
        let error = await #expect(throws: AlertSendError.self) { try await strict.send(AlertTestData.notification(), to: channel) }
        #expect(error?.message.hasPrefix("request to \(host) failed") == true, "\(error?.message ?? "")")
        #expect(receiver.hosts.count == 1)
        try await client.shutdown()
    }

    @Test func emailWithoutSMTPConfigurationFailsPermanently() async throws {
        try await Self.withSender { sender in
            let error = await #expect(throws: AlertSendError.self) {
                try await sender.send(AlertTestData.notification(), to: AlertChannel(id: "e", name: "mail", kind: .email, emailTo: ["a@example.com"]))
            }
            #expect(error == AlertSendError("email is not configured: start the server with --smtp-host and --smtp-from", isPermanent: true))
        }
    }
}
