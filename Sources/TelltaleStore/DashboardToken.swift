import Crypto
import Foundation

/// Secrets of dashboard sessions and sign-in links: 32 random bytes, base64url without padding.
///
/// Only the SHA-256 of a token is stored, so a copy of the database does not let anyone sign in.
package enum DashboardToken {
    /// Random bytes per token.
    package static let byteCount = 32

    /// A new random token (43 base64url characters).
    package static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<byteCount).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return base64URL(bytes)
    }

    /// The SHA-256 of a presented token, as stored.
    package static func hash(_ token: String) -> Data {
        Data(SHA256.hash(data: Array(token.utf8)))
    }

    /// Base64url (RFC 4648 §5) without `=` padding.
    package static func base64URL(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
