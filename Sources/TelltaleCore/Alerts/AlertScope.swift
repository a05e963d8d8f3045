/// What an alert rule watches: the whole project, or the calls matching every field that is set.
public struct AlertScope: Codable, Sendable, Equatable, Hashable {
    /// Server name.
    public var server: String?
    /// Tool name (`tools/call` target).
    public var tool: String?
    /// Prompt name (`prompts/get` target).
    public var prompt: String?
    /// Resource URI (`resources/read` target).
    public var resource: String?
    /// JSON-RPC method, e.g. `tools/list`.
    public var method: String?
    /// Client name.
    public var client: String?
    /// Client version (with `client`).
    public var clientVersion: String?
    /// Tags that must all match, e.g. `environment=production`.
    public var tags: [String: String]

    /// A scope; with nothing set it is the whole project.
    public init(server: String? = nil, tool: String? = nil, prompt: String? = nil, resource: String? = nil,
                method: String? = nil, client: String? = nil, clientVersion: String? = nil, tags: [String: String] = [:]) {
        self.server = server
        self.tool = tool
        self.prompt = prompt
        self.resource = resource
        self.method = method
        self.client = client
        self.clientVersion = clientVersion
        self.tags = tags
    }
}
