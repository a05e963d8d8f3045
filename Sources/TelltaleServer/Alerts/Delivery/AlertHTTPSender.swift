import AsyncHTTPClient
import Foundation
import NIOCore
import NIOSSL

/// POSTs JSON to Slack and webhook targets with AsyncHTTPClient: 2xx is delivered; any other status or a
/// network error is a failed attempt described by the host alone (paths and queries may hold secrets).
/// Deliveries to a checked `AlertDeliveryTarget` connect to the checked address (no DNS rebinding).
package struct AlertHTTPSender: Sendable {
    package var client: HTTPClient
    package var timeout: Duration
    /// TLS settings of the clients made for pinned deliveries; nil: the defaults (system trust roots).
    package var tlsConfiguration: TLSConfiguration?

    package init(client: HTTPClient, timeout: Duration = .seconds(10), tlsConfiguration: TLSConfiguration? = nil) {
        self.client = client
        self.timeout = timeout
        self.tlsConfiguration = tlsConfiguration
    }

    /// The process-wide client for alert deliveries (like `HTTPClient.shared`, never shut down, so no
    /// dispatcher has to outlive its requests or shut it down).
    package static let sharedClient: HTTPClient = makeClient()

    /// A client for alert deliveries: redirects are not followed (one could lead to a private target).
    /// `dnsOverride` maps host names to the address to connect to instead of resolving them again.
    package static func makeClient(dnsOverride: [String: String] = [:], tlsConfiguration: TLSConfiguration? = nil) -> HTTPClient {
        var configuration = HTTPClient.Configuration()
        if let tlsConfiguration { configuration.tlsConfiguration = tlsConfiguration }
        configuration.redirectConfiguration = .disallow
        configuration.timeout = HTTPClient.Configuration.Timeout(connect: .seconds(10), read: .seconds(10))
        // A refused connection fails the attempt at once; the dispatcher's backoff decides when to try again.
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.dnsOverride = dnsOverride
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }

    /// POSTs `body` to the checked target: the connection goes to `target.address` (the address the guard
    /// checked), while `Host:` and the TLS server name stay the URL's host. Throws an `AlertSendError` unless
    /// the reply is 2xx.
    package func post(_ body: Data, to target: AlertDeliveryTarget, headers: [(name: String, value: String)]) async throws {
        if IPAddressBytes(target.host) != nil {
            // An IP literal is connected to as is: there is no second DNS answer to fear.
            return try await post(body, to: target.url, headers: headers, using: client)
        }
        // AsyncHTTPClient sets connection overrides per client, so a pinned delivery gets its own (alerts are
        // rare; the cost is one connection per attempt).
        let pinned = Self.makeClient(dnsOverride: [target.url.host ?? target.host: target.address.description], tlsConfiguration: tlsConfiguration)
        do {
            try await post(body, to: target.url, headers: headers, using: pinned)
        } catch {
            try? await pinned.shutdown()
            throw error
        }
        try? await pinned.shutdown()
    }

    private func post(_ body: Data, to url: URL, headers: [(name: String, value: String)], using client: HTTPClient) async throws {
        let host = AlertTargetGuard.host(of: url) ?? "the target"
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "Telltale-Alerts/1")
        for header in headers { request.headers.add(name: header.name, value: header.value) }
        request.body = .bytes(ByteBuffer(bytes: body))
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, timeout: TimeAmount(timeout))
        } catch {
            throw AlertSendError("request to \(host) failed: \(Self.describe(error, hiding: url))")
        }
        // Drain (a little of) the body so the connection can be reused; its content does not matter.
        _ = try? await response.body.collect(upTo: 64 * 1024)
        guard (200..<300).contains(response.status.code) else {
            throw AlertSendError("HTTP \(response.status.code) from \(host)")
        }
    }

    /// A short description of a client error, with the URL's path and query cut out should they appear.
    static func describe(_ error: any Error, hiding url: URL) -> String {
        var text: String
        if let error = error as? HTTPClientError, error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout {
            text = "timed out"
        } else if error is CancellationError || (error as? HTTPClientError) == .cancelled {
            text = "cancelled"
        } else {
            text = String(describing: error)
            if text.contains("Connection refused") { text = "connection refused" }
        }
        for secret in [url.absoluteString, url.path, url.query ?? ""] where secret.count > 1 {
            text = text.replacingOccurrences(of: secret, with: "…")
        }
        return String(text.prefix(300))
    }
}
