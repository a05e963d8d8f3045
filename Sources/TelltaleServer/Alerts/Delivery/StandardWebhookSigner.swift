import Crypto
import Foundation

/// Signs webhook requests per the Standard Webhooks specification: `webhook-signature: v1,<base64 of
/// HMAC-SHA256(key, "id.timestamp.body")>`, the key being the base64 part of a `whsec_…` secret.
package struct StandardWebhookSigner: Sendable {
    /// The decoded key bytes (`SymmetricKey` is not `Sendable`; one is made per signature).
    private let key: Data

    /// Why a secret is unusable (the message never contains the secret).
    package struct InvalidSecret: Error, Sendable, CustomStringConvertible {
        package var description: String { "webhook secret must be \"whsec_\" followed by base64 of at least 24 bytes" }
    }

    /// A signer for `secret` (`whsec_<base64>`; the prefix is optional, as in the reference libraries).
    package init(secret: String) throws {
        let encoded = secret.hasPrefix("whsec_") ? String(secret.dropFirst(6)) : secret
        guard let bytes = Data(base64Encoded: encoded), !bytes.isEmpty else { throw InvalidSecret() }
        key = bytes
    }

    /// Whether `secret` is a `whsec_` secret with a key of at least 24 bytes (what the server generates).
    package static func isValidSecret(_ secret: String) -> Bool {
        guard secret.hasPrefix("whsec_"), let bytes = Data(base64Encoded: String(secret.dropFirst(6))) else { return false }
        return bytes.count >= 24
    }

    /// A new secret: `whsec_` and base64 of 32 random bytes.
    package static func generateSecret() -> String {
        let key = SymmetricKey(size: .bits256)
        return "whsec_" + key.withUnsafeBytes { Data($0) }.base64EncodedString()
    }

    /// `v1,<base64 signature>` of `body` sent with `id` at `timestamp` (unix seconds).
    package func signature(id: String, timestamp: Int64, body: Data) -> String {
        var message = Data("\(id).\(timestamp).".utf8)
        message.append(body)
        let mac = HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: key))
        return "v1," + Data(mac).base64EncodedString()
    }

    /// The three headers of a request: `webhook-id`, `webhook-timestamp`, `webhook-signature`.
    package func headers(id: String, timestamp: Int64, body: Data) -> [(name: String, value: String)] {
        [("webhook-id", id), ("webhook-timestamp", String(timestamp)), ("webhook-signature", signature(id: id, timestamp: timestamp, body: body))]
    }
}
