import Foundation
import TelltaleCore
import Yams

extension DefinitionReader {
    /// Reads one channel definition; `secretAllowed` is true for rules files (webhook secrets come from
    /// `${ENV}`), false for the API (the server generates them).
    package mutating func channel(_ node: Node, ordinal: Int? = nil, secretAllowed: Bool) -> ChannelDefinition? {
        context = ordinal.map { "channel #\($0)" } ?? "channel"
        if case let .mapping(mapping) = node, let nameNode = mapping["name"], case let .scalar(scalar) = nameNode {
            context = "channel \"\(scalar.string)\""
        }
        let before = problems.count
        let keys = ["name", "kind", "to", "url"] + (secretAllowed ? ["secret"] : [])
        guard let fields = fields(node, path: nil, what: "the channel", allowed: keys) else { return nil }
        let name = fields["name"].flatMap { definitionName($0) }
        if fields["name"] == nil { missing(node, "name") }
        let kinds = AlertChannelKind.allCases.map(\.rawValue).joined(separator: ", ")
        let kind = fields["kind"].flatMap { kindNode -> AlertChannelKind? in
            guard let text = string(kindNode, "kind") else { return nil }
            guard let kind = AlertChannelKind(rawValue: text) else {
                report(kindNode, field: "kind", "kind must be one of \(kinds), got \"\(text)\"")
                return nil
            }
            return kind
        }
        if fields["kind"] == nil { missing(node, "kind") }
        guard let kind else { return nil }
        var definition = ChannelDefinition(name: name ?? "", kind: kind, emailTo: [], url: nil, secret: nil, line: node.mark?.line)
        for key in ["to", "url", "secret"] where fields[key] != nil && !Self.applies(key, to: kind) {
            report(fields[key], field: key, "\(key) does not apply to a \(kind.rawValue) channel")
        }
        switch kind {
        case .email:
            if let toNode = fields["to"] {
                definition.emailTo = emailAddresses(toNode) ?? []
            } else {
                missing(node, "to")
            }
        case .slack, .webhook:
            if let urlNode = fields["url"] {
                definition.url = targetURL(urlNode)
            } else {
                missing(node, "url")
            }
            if kind == .webhook, secretAllowed {
                if let secretNode = fields["secret"] {
                    definition.secret = webhookSecret(secretNode)
                } else {
                    missing(node, "secret")
                }
            }
        }
        return problems.count == before && name != nil ? definition : nil
    }

    /// Which channel kinds take `key`.
    static func applies(_ key: String, to kind: AlertChannelKind) -> Bool {
        switch key {
        case "to": kind == .email
        case "url": kind != .email
        case "secret": kind == .webhook
        default: true
        }
    }

    /// `to`: one address or a list; each `local@domain`, without spaces, commas or angle brackets.
    mutating func emailAddresses(_ node: Node) -> [String]? {
        guard let addresses = strings(node, "to") else { return nil }
        if addresses.isEmpty {
            report(node, field: "to", "to must list at least one email address")
            return nil
        }
        for address in addresses where !EmailAddress.isMailbox(address) {
            report(node, field: "to", "to: \"\(address)\" is not an email address")
            return nil
        }
        return addresses
    }

    /// `url`: an http or https URL with a host. The value is never echoed (a Slack URL is a secret).
    mutating func targetURL(_ node: Node) -> URL? {
        guard let text = string(node, "url") else { return nil }
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
              let host = url.host, !host.isEmpty, url.user == nil, url.password == nil else {
            report(node, field: "url", "url must be an http or https URL with a host (and no user or password)")
            return nil
        }
        return url
    }

    /// `secret`: `whsec_` and the base64 of 24 to 64 bytes (the Standard Webhooks form). Never echoed.
    mutating func webhookSecret(_ node: Node) -> String? {
        guard let text = string(node, "secret") else { return nil }
        guard text.hasPrefix("whsec_"), let key = Data(base64Encoded: String(text.dropFirst(6))), (24...64).contains(key.count) else {
            report(node, field: "secret", "secret must be whsec_ followed by the base64 of 24 to 64 random bytes")
            return nil
        }
        return text
    }
}
