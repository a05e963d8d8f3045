import Foundation
import NIOSSL

/// How the server reaches its SMTP relay (`--smtp-*` flags). The password is never part of a description.
package struct SMTPConfiguration: Sendable, CustomStringConvertible {
    /// Whether and how the connection is upgraded with STARTTLS.
    package enum StartTLSMode: String, Sendable, CaseIterable {
        /// Upgrade, and fail when the server does not offer STARTTLS (the default).
        case required
        /// Upgrade when the server offers STARTTLS, else continue in plain text, but never send AUTH without
        /// TLS (that needs `off`).
        case opportunistic
        /// Never upgrade.
        case off
    }

    package var host: String
    package var port: Int
    package var startTLS: StartTLSMode
    /// The AUTH user; nil: no authentication.
    package var username: String?
    /// The AUTH password (from `TELLTALE_SMTP_PASSWORD`); never logged nor quoted in errors.
    package var password: String?
    /// The sender, `alerts@example.com` or `Telltale <alerts@example.com>`.
    package var from: String
    /// The name this client gives in EHLO.
    package var heloName: String
    /// The longest wait for the connection and for each server reply.
    package var timeout: Duration
    /// TLS settings for STARTTLS (trust roots, verification); the default verifies against the system roots.
    package var tls: TLSConfiguration

    /// A configuration; `port` defaults to 587 (submission) and STARTTLS to `required`.
    package init(host: String, port: Int = 587, startTLS: StartTLSMode = .required, username: String? = nil,
                 password: String? = nil, from: String, heloName: String = "telltale.localdomain",
                 timeout: Duration = .seconds(10), tls: TLSConfiguration = .makeClientConfiguration()) {
        self.host = host
        self.port = port
        self.startTLS = startTLS
        self.username = username
        self.password = password
        self.from = from
        self.heloName = heloName
        self.timeout = timeout
        self.tls = tls
    }

    /// `smtp://user@host:port (starttls required)`, without the password.
    package var description: String {
        let user = username.map { "\($0)@" } ?? ""
        return "smtp://\(user)\(host):\(port) (starttls \(startTLS.rawValue))"
    }

    /// The bare address of `from` (what goes in `MAIL FROM`).
    package var fromAddress: String { EmailAddress.bare(from) }
}
