import Foundation
import TelltaleStore

/// Everything a page needs to render: who is signed in, the filters, the configuration and the clock.
struct DashboardRequest: Sendable {
    /// The signed-in session (its selected project is the one shown).
    var session: DashboardSession
    /// The projects this session may switch to (only its own for a read grant).
    var projects: [Project]
    var filters: DashboardFilters
    /// Every query parameter as given (for page options such as `sort`, `dir`, `order`).
    var parameters: [(String, String)]
    /// The request path, e.g. `/tools/search` (for the navigation's current item).
    var path: String
    var now: Date
    var configuration: ServerConfiguration
    /// `scheme://host:port` as the browser reached the server, for copyable command lines.
    var baseURL: String

    /// The last value of a query parameter, nil when absent or empty.
    func parameter(_ name: String) -> String? {
        guard let value = parameters.last(where: { $0.0 == name })?.1, !value.isEmpty else { return nil }
        return value
    }

    /// The store query of the filters, in the session's project.
    var query: CallQuery { filters.callQuery(project: session.project.id) }
}

/// A rendered page body: its `<title>`, `<h1>` and content, laid out by ``DashboardLayout``.
struct DashboardPage: Sendable {
    var title: String
    /// The `<h1>` (escaped text, or markup with a badge).
    var heading: HTML
    var body: HTML
    /// Whether to show the filter bar (not on call detail, for instance).
    var showFilters = true

    init(title: String, heading: HTML? = nil, body: HTML, showFilters: Bool = true) {
        self.title = title
        self.heading = heading ?? HTML.text(title)
        self.body = body
        self.showFilters = showFilters
    }
}
