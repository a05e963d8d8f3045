/// What a server announced in its EHLO reply that this client cares about.
package struct SMTPExtensions: Sendable, Equatable {
    package var startTLS = false
    /// Upper-cased AUTH mechanisms, e.g. `["PLAIN", "LOGIN"]`.
    package var authMechanisms: [String] = []

    package init(startTLS: Bool = false, authMechanisms: [String] = []) {
        self.startTLS = startTLS
        self.authMechanisms = authMechanisms
    }

    /// Reads the EHLO reply (its first line is the greeting, the others keywords with parameters).
    package init(ehlo reply: SMTPReply) {
        for line in reply.lines.dropFirst() {
            let words = line.uppercased().split(whereSeparator: { $0 == " " || $0 == "=" }).map(String.init)
            guard let keyword = words.first else { continue }
            switch keyword {
            case "STARTTLS": startTLS = true
            case "AUTH":
                for mechanism in words.dropFirst() where !authMechanisms.contains(mechanism) { authMechanisms.append(mechanism) }
            default: continue
            }
        }
    }

    /// The mechanism to use: PLAIN when offered, else LOGIN; nil when neither is.
    package var preferredAuthMechanism: String? {
        if authMechanisms.contains("PLAIN") { return "PLAIN" }
        if authMechanisms.contains("LOGIN") { return "LOGIN" }
        return nil
    }
}
