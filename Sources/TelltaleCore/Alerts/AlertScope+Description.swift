extension AlertScope {
    /// The scope in words: `whole project`, or `server=weather, tool=search, environment=production`.
    public var text: String {
        var parts: [String] = []
        for (name, value) in [("server", server), ("tool", tool), ("prompt", prompt), ("resource", resource),
                              ("method", method), ("client", client), ("client version", clientVersion)] {
            if let value { parts.append("\(name)=\(value)") }
        }
        for (key, value) in tags.sorted(by: { $0.key < $1.key }) { parts.append("\(key)=\(value)") }
        return parts.isEmpty ? "whole project" : parts.joined(separator: ", ")
    }
}
