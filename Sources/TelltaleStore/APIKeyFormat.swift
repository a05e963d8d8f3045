import Crypto
import Foundation

/// The shape of Telltale API keys: `tt_<scope>_<lookup><secret>`, all base62.
///
/// `lookup` (8 characters) is not secret: it is stored in clear and used to find the key's row,
/// so that the secret part is then checked by a constant-time comparison of SHA-256 hashes
/// instead of by an index lookup on the hash.
package enum APIKeyFormat {
    package static let lookupLength = 8
    package static let secretLength = 32
    static let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8)

    /// A new plaintext key for `scope`, and its lookup part.
    package static func generate(scope: KeyScope) -> (plaintext: String, lookup: String) {
        var generator = SystemRandomNumberGenerator()
        var body = [UInt8]()
        body.reserveCapacity(lookupLength + secretLength)
        while body.count < lookupLength + secretLength {
            // Rejection sampling keeps every character equally likely (248 = 4 × 62).
            let byte = UInt8.random(in: 0...255, using: &generator)
            if byte < 248 { body.append(alphabet[Int(byte % 62)]) }
        }
        let bodyText = String(decoding: body, as: UTF8.self)
        return ("tt_\(scope.rawValue)_\(bodyText)", String(bodyText.prefix(lookupLength)))
    }

    /// The scope and lookup part of a well-formed key; nil for anything else.
    package static func parse(_ key: String) -> (scope: KeyScope, lookup: String)? {
        let parts = key.split(separator: "_", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "tt", let scope = KeyScope(rawValue: String(parts[1])) else { return nil }
        let body = parts[2].utf8
        guard body.count == lookupLength + secretLength, body.allSatisfy({ alphabet.contains($0) }) else { return nil }
        return (scope, String(decoding: body.prefix(lookupLength), as: UTF8.self))
    }

    /// The non-secret prefix shown in key listings, e.g. `tt_ingest_AbCd1234`.
    package static func displayPrefix(scope: KeyScope, lookup: String) -> String {
        "tt_\(scope.rawValue)_\(lookup)"
    }

    /// SHA-256 of the whole plaintext key.
    package static func hash(_ key: String) -> [UInt8] {
        Array(SHA256.hash(data: Array(key.utf8)))
    }

    /// Compares two byte strings in time that depends only on their lengths.
    package static func constantTimeEquals(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        guard lhs.count == rhs.count else { return false }
        var difference: UInt8 = 0
        for index in lhs.indices {
            difference |= lhs[index] ^ rhs[index]
        }
        return difference == 0
    }
}
