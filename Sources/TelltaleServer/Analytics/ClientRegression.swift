import Foundation

/// A client's newest version compared with its previous one, tool by tool.
package struct ClientRegression: Codable, Sendable, Equatable {
    /// The client name.
    package var client: String
    /// The newest version (latest first seen).
    package var newVersion: String
    /// When the newest version was first seen (in all stored history).
    package var newFirstSeen: Date
    /// The previous version (the next latest first seen).
    package var previousVersion: String
    /// When the previous version was first seen (in all stored history).
    package var previousFirstSeen: Date
    /// The windows the two versions were counted over.
    package var window: ComparisonWindow
    /// Per tool, significant regressions first, then by p-value, then by name.
    package var tools: [ToolRegression]
    /// Whether any tool regressed significantly.
    package var regressed: Bool

    package init(
        client: String, newVersion: String, newFirstSeen: Date, previousVersion: String, previousFirstSeen: Date,
        window: ComparisonWindow, tools: [ToolRegression]
    ) {
        self.client = client
        self.newVersion = newVersion
        self.newFirstSeen = newFirstSeen
        self.previousVersion = previousVersion
        self.previousFirstSeen = previousFirstSeen
        self.window = window
        self.tools = tools
        self.regressed = tools.contains(where: \.significant)
    }
}
