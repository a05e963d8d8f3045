import Foundation

/// Client release regressions: for every client with a newer version, its error rate per tool against the
/// previous version's over comparable traffic.
package struct RegressionReport: Codable, Sendable, Equatable {
    /// Inclusive start of the range.
    package var from: Date
    /// Exclusive end of the range.
    package var to: Date
    /// Versions were collected from `lookbackFrom` (the range's start minus its length) to `to`.
    package var lookbackFrom: Date
    /// The p-value below which a regression is significant (0.01).
    package var significanceLevel: Double
    /// The fewest errors the new version must have on a tool for a significant regression (5).
    package var minimumErrors: Int
    /// One comparison per client name with at least two versions and tool calls to compare, by client name.
    package var clients: [ClientRegression]

    package init(
        from: Date, to: Date, lookbackFrom: Date, significanceLevel: Double, minimumErrors: Int,
        clients: [ClientRegression]
    ) {
        self.from = from
        self.to = to
        self.lookbackFrom = lookbackFrom
        self.significanceLevel = significanceLevel
        self.minimumErrors = minimumErrors
        self.clients = clients
    }

    /// Every significant regression, client by client.
    package var significant: [(client: ClientRegression, tool: ToolRegression)] {
        clients.flatMap { client in client.tools.filter(\.significant).map { (client, $0) } }
    }
}
