import Foundation
import Hummingbird

/// The dashboard session cookie `telltale_session`: how it is set, cleared and read.
struct SessionCookie: Sendable {
    static let name = "telltale_session"

    /// Lifetime of a session in seconds (`Max-Age`).
    var maxAge: Int
    /// Whether to add `Secure` (serve the dashboard over HTTPS).
    var secure: Bool

    /// The `Set-Cookie` value starting a session with `token`.
    func set(_ token: String) -> String {
        attributes("\(Self.name)=\(token)", maxAge: maxAge)
    }

    /// The `Set-Cookie` value that deletes the cookie.
    func clear() -> String {
        attributes("\(Self.name)=", maxAge: 0)
    }

    private func attributes(_ pair: String, maxAge: Int) -> String {
        var parts = [pair, "Max-Age=\(maxAge)", "Path=/", "HttpOnly", "SameSite=Strict"]
        if secure { parts.append("Secure") }
        return parts.joined(separator: "; ")
    }

    /// The session token the request carries, or nil.
    static func token(in request: Request) -> String? {
        for header in request.headers[values: .cookie] {
            for pair in header.split(separator: ";") {
                let trimmed = pair.trimmingCharacters(in: .whitespaces)
                guard trimmed.hasPrefix("\(name)=") else { continue }
                let value = String(trimmed.dropFirst(name.count + 1))
                if !value.isEmpty { return value }
            }
        }
        return nil
    }
}
