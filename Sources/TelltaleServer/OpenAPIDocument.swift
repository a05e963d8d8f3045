import Foundation

/// The OpenAPI 3.1 document of the HTTP API, shipped as a resource of this module.
public enum OpenAPIDocument {
    /// The YAML text of the document.
    public static let yaml: String = {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "yaml"),
              let text = try? String(contentsOf: url, encoding: .utf8)
        else {
            return "openapi: 3.1.0\ninfo: {title: Telltale, version: unknown}\npaths: {}\n"
        }
        return text
    }()

    /// The paths (`/api/v1/calls/{id}`) and their methods (lower case) the document describes.
    ///
    /// A deliberately small reader of the document's own layout: a path is a two-space-indented key starting
    /// with `/` under `paths:`, and its operations are four-space-indented HTTP method keys.
    public static func operations(in yaml: String = yaml) -> [String: Set<String>] {
        let methods: Set<String> = ["get", "put", "post", "delete", "patch", "head", "options"]
        var result: [String: Set<String>] = [:]
        var inPaths = false
        var currentPath: String?
        for rawLine in yaml.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = rawLine.hasSuffix("\r") ? rawLine.dropLast() : rawLine
            if line.trimmingCharacters(in: .whitespaces).hasPrefix("#") || line.allSatisfy(\.isWhitespace) { continue }
            let indent = line.prefix(while: { $0 == " " }).count
            if indent == 0 {
                inPaths = line.hasPrefix("paths:")
                currentPath = nil
                continue
            }
            guard inPaths else { continue }
            let key = line.dropFirst(indent).split(separator: ":", maxSplits: 1).first.map(String.init) ?? ""
            if indent == 2 {
                let unquoted = key.trimmingCharacters(in: CharacterSet(charactersIn: "'\""))
                currentPath = unquoted.hasPrefix("/") ? unquoted : nil
                if let currentPath { result[currentPath, default: []] = result[currentPath] ?? [] }
            } else if indent == 4, let currentPath, methods.contains(key) {
                result[currentPath, default: []].insert(key)
            }
        }
        return result
    }
}
