import Foundation
import NIOPosix
import TelltaleCore

/// Refuses Slack and webhook targets that are not public http(s) hosts: every address the host resolves to
/// must be outside loopback, link-local, private (RFC 1918, fc00::/7, 100.64/10), unspecified, multicast,
/// documentation and other special ranges, unless the server runs with `--allow-private-targets`. Checked at
/// channel creation and again before every delivery attempt, since DNS may change; a delivery then connects to
/// the address checked (`deliveryTarget(_:)`), so a second DNS answer (rebinding) cannot redirect it.
package struct AlertTargetGuard: Sendable {
    package var allowPrivateTargets: Bool
    /// Every address a host name resolves to (getaddrinfo by default; tests pass their own).
    package var resolver: @Sendable (String) async throws -> [IPAddressBytes]

    package init(allowPrivateTargets: Bool = false,
                 resolver: @escaping @Sendable (String) async throws -> [IPAddressBytes] = { try await AlertTargetGuard.resolve($0) }) {
        self.allowPrivateTargets = allowPrivateTargets
        self.resolver = resolver
    }

    /// Validates a channel before it is saved: recipients for email, a public http(s) `url` for Slack and
    /// webhooks, a well-formed `secret` for webhooks when one is set.
    package func validate(_ channel: AlertChannel) async throws {
        switch channel.kind {
        case .email:
            guard !channel.emailTo.isEmpty else { throw AlertTargetError(field: "emailTo", reason: "an email channel needs at least one recipient") }
            for address in channel.emailTo where !EmailAddress.isPlausible(address) {
                throw AlertTargetError(field: "emailTo", reason: "\"\(address.prefix(100))\" is not an email address")
            }
        case .slack, .webhook:
            guard let url = channel.url, !url.isEmpty else {
                throw AlertTargetError(field: "url", reason: "a \(channel.kind.rawValue) channel needs a URL")
            }
            _ = try await check(url)
            if channel.kind == .webhook, let secret = channel.secret, !StandardWebhookSigner.isValidSecret(secret) {
                throw AlertTargetError(field: "secret", reason: StandardWebhookSigner.InvalidSecret().description)
            }
        }
    }

    /// Checks `url` like `check(_:)`; throws an `AlertTargetError` saying why it is refused (host only).
    package func checkTarget(_ url: URL) async throws {
        _ = try await check(url.absoluteString)
    }

    /// Parses `urlString` and checks its scheme and every address of its host; returns the URL.
    package func check(_ urlString: String) async throws -> URL {
        let (url, host) = try Self.parse(urlString)
        if allowPrivateTargets { return url }
        _ = try await vettedAddresses(of: host)
        return url
    }

    /// Checks `urlString` like `check(_:)` for one delivery and picks the address to connect to: the first one
    /// the host resolved to, every one of which was checked. With `--allow-private-targets` the host is still
    /// resolved once here, so the delivery goes where this answer says.
    package func deliveryTarget(_ urlString: String) async throws -> AlertDeliveryTarget {
        let (url, host) = try Self.parse(urlString)
        let addresses = try await vettedAddresses(of: host)
        return AlertDeliveryTarget(url: url, host: host, address: addresses[0])
    }

    /// The URL and its host (without brackets), after the scheme check.
    private static func parse(_ urlString: String) throws -> (URL, String) {
        guard let url = URL(string: urlString), let scheme = url.scheme?.lowercased() else {
            throw AlertTargetError(field: "url", reason: "not a valid URL")
        }
        guard scheme == "http" || scheme == "https" else {
            throw AlertTargetError(field: "url", reason: "scheme must be http or https, not \(scheme.prefix(20))")
        }
        guard let host = Self.host(of: url) else { throw AlertTargetError(field: "url", reason: "the URL has no host") }
        return (url, host)
    }

    /// Every address of `host` (an IP literal stands for itself), none of them non-public unless allowed.
    private func vettedAddresses(of host: String) async throws -> [IPAddressBytes] {
        let addresses: [IPAddressBytes]
        if let literal = IPAddressBytes(host) {
            addresses = [literal]
        } else {
            do {
                addresses = try await resolver(host)
            } catch {
                throw AlertTargetError(field: "url", reason: "cannot resolve host \(host)", isPermanent: false)
            }
        }
        guard !addresses.isEmpty else { throw AlertTargetError(field: "url", reason: "host \(host) has no address", isPermanent: false) }
        if allowPrivateTargets { return addresses }
        for address in addresses {
            if let range = address.nonPublicRange {
                throw AlertTargetError(
                    field: "url",
                    reason: "host \(host) resolves to \(address) (\(range)); private targets are refused unless the server runs with --allow-private-targets")
            }
        }
        return addresses
    }

    /// The host of `url` without IPv6 brackets.
    package static func host(of url: URL) -> String? {
        guard var host = url.host, !host.isEmpty else { return nil }
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return host
    }

    /// Every address `host` resolves to (getaddrinfo on NIO's thread pool, since it blocks).
    package static func resolve(_ host: String) async throws -> [IPAddressBytes] {
        try await NIOThreadPool.singleton.runIfActive {
            var hints = addrinfo()
            hints.ai_socktype = Self.streamSocketType
            var result: UnsafeMutablePointer<addrinfo>?
            let status = getaddrinfo(host, nil, &hints, &result)
            guard status == 0, let first = result else { throw AlertTargetError(field: "url", reason: "cannot resolve host \(host)", isPermanent: false) }
            defer { freeaddrinfo(first) }
            var addresses: [IPAddressBytes] = []
            var cursor: UnsafeMutablePointer<addrinfo>? = first
            while let entry = cursor {
                if let sockaddr = entry.pointee.ai_addr, let address = IPAddressBytes(sockaddr) {
                    if !addresses.contains(address) { addresses.append(address) }
                }
                cursor = entry.pointee.ai_next
            }
            return addresses
        }
    }

    #if canImport(Glibc)
    private static let streamSocketType = Int32(SOCK_STREAM.rawValue)
    #else
    private static let streamSocketType = SOCK_STREAM
    #endif
}
