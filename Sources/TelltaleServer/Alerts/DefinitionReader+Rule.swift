import TelltaleCore
import Yams

extension DefinitionReader {
    /// Reads one rule definition; nil (with problems reported) when it is not valid.
    package mutating func rule(_ node: Node, ordinal: Int? = nil) -> RuleDefinition? {
        context = ordinal.map { "rule #\($0)" } ?? "rule"
        if case let .mapping(mapping) = node, let nameNode = mapping["name"], case let .scalar(scalar) = nameNode {
            context = "rule \"\(scalar.string)\""
        }
        let before = problems.count
        guard let fields = fields(node, path: nil, what: "the rule", allowed: RuleDefinition.keys) else { return nil }
        let name = fields["name"].flatMap { definitionName($0) }
        if fields["name"] == nil { missing(node, "name") }
        let enabled = fields["enabled"].map { boolean($0, "enabled") } ?? true
        let scope = fields["scope"].map { self.scope($0) } ?? AlertScope()
        let condition = fields["condition"].flatMap { self.condition($0) }
        if fields["condition"] == nil { missing(node, "condition") }
        let window = fields["window"].flatMap { duration($0, "window", in: RuleDefinition.windowRange) }
        if fields["window"] == nil { missing(node, "window") }
        let forSeconds = fields["for"].map { duration($0, "for", in: RuleDefinition.forRange) } ?? 0
        let renotify = fields["renotify"].map { nullable($0) ? nil : duration($0, "renotify", in: RuleDefinition.renotifyRange) }
        var channels: [RuleDefinition.ChannelReference] = []
        if let node = fields["channels"] {
            if case let .sequence(sequence) = node {
                for item in sequence {
                    if let reference = string(item, "channels") {
                        channels.append(.init(name: reference, line: item.mark?.line))
                    }
                }
            } else if !nullable(node) {
                report(node, field: "channels", "channels must be a list of channel names")
            }
        }
        guard problems.count == before, let name, let enabled, let scope, let condition, let window, let forSeconds else {
            return nil
        }
        return RuleDefinition(
            name: name, enabled: enabled, scope: scope, condition: condition, windowSeconds: window,
            forSeconds: forSeconds, renotifySeconds: renotify ?? nil, channels: channels, line: node.mark?.line
        )
    }

    /// A rule or channel name: 1–100 characters, no control characters.
    mutating func definitionName(_ node: Node) -> String? {
        guard let name = string(node, "name") else { return nil }
        guard name.count <= 100, !name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            report(node, field: "name", "name must be 1 to 100 characters without control characters")
            return nil
        }
        return name
    }

    /// Whether `node` is an explicit null (`~`, `null`, or nothing).
    func nullable(_ node: Node) -> Bool {
        if case let .scalar(scalar) = node { return Self.isNull(scalar) }
        return false
    }

    /// The scope: any of server, tool, prompt, resource, method, client, clientVersion, tags.
    mutating func scope(_ node: Node) -> AlertScope? {
        if nullable(node) { return AlertScope() }
        let keys = ["server", "tool", "prompt", "resource", "method", "client", "clientVersion", "tags"]
        let before = problems.count
        guard let fields = fields(node, path: "scope", what: "scope", allowed: keys) else { return nil }
        func text(_ key: String) -> String? { fields[key].flatMap { string($0, "scope.\(key)") } }
        var scope = AlertScope(
            server: text("server"), tool: text("tool"), prompt: text("prompt"), resource: text("resource"),
            method: text("method"), client: text("client"), clientVersion: text("clientVersion")
        )
        if let tagsNode = fields["tags"] { scope.tags = tags(tagsNode) }
        let targets = [("tool", scope.tool), ("prompt", scope.prompt), ("resource", scope.resource)].filter { $0.1 != nil }
        if targets.count > 1 {
            report(node, field: "scope", "scope can name only one of tool, prompt and resource")
        }
        let methods = ["tool": "tools/call", "prompt": "prompts/get", "resource": "resources/read"]
        if let method = scope.method, let target = targets.first, let expected = methods[target.0], method != expected {
            report(fields["method"], field: "scope.method", "scope.method must be \(expected) (or left out) with scope.\(target.0)")
        }
        if scope.clientVersion != nil, scope.client == nil {
            report(fields["clientVersion"], field: "scope.clientVersion", "scope.clientVersion needs scope.client")
        }
        return problems.count == before ? scope : nil
    }

    /// `scope.tags`: a mapping of tag names to values.
    mutating func tags(_ node: Node) -> [String: String] {
        if nullable(node) { return [:] }
        guard case let .mapping(mapping) = node else {
            report(node, field: "scope.tags", "scope.tags must be a mapping of tag names to values, e.g. environment: production")
            return [:]
        }
        var tags: [String: String] = [:]
        for (key, value) in mapping {
            let name = key.string ?? ""
            guard case .scalar = key, !name.isEmpty else {
                report(key, field: "scope.tags", "scope.tags must be a mapping of tag names to values, e.g. environment: production")
                continue
            }
            if tags[name] != nil {
                report(key, field: "scope.tags.\(name)", "duplicate key \"\(name)\" in scope.tags")
            } else if let value = string(value, "scope.tags.\(name)") {
                tags[name] = value
            }
        }
        return tags
    }
}
