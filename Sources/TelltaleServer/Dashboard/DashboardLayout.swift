import Foundation
import TelltaleStore

/// The page shell: head, skip link, navigation, project picker, sign-out, filter bar and `<main>`.
enum DashboardLayout {
    /// The navigation entries: path and label.
    static let navigation: [(path: String, label: String)] = [
        ("/", "Overview"), ("/servers", "Servers"), ("/clients", "Clients"), ("/tools", "Tools"),
        ("/prompts", "Prompts"), ("/resources", "Resources"), ("/matrix", "Error matrix"),
        ("/throughput", "Throughput"), ("/sessions", "Sessions"), ("/regressions", "Regressions"),
        ("/alerts", "Alerts"),
    ]

    /// A full signed-in page.
    static func render(_ page: DashboardPage, _ request: DashboardRequest) -> String {
        let body: HTML = """
        \(topbar(request))
        <main id="main" tabindex="-1">
        <h1>\(page.heading)</h1>
        \(page.showFilters ? DashboardFilterBar.render(request) : .empty)
        \(problems(request.filters))
        \(page.body)
        </main>
        """
        return document(title: page.title, body: body)
    }

    /// A page outside the signed-in shell (sign-in, errors before sign-in).
    static func bare(title: String, _ content: HTML) -> String {
        document(title: title, body: "<main id=\"main\" tabindex=\"-1\">\(content)</main>")
    }

    static func document(title: String, body: HTML) -> String {
        let page: HTML = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(title) · Telltale</title>
        <link rel="icon" href="data:,">
        <link rel="stylesheet" href="/assets/app.css">
        <script src="/assets/app.js" defer></script>
        </head>
        <body>
        <a class="skip-link" href="#main">Skip to content</a>
        \(body)
        </body>
        </html>
        """
        return page.description
    }

    /// Which navigation entry a path belongs to.
    static func section(of path: String) -> String {
        if path == "/" { return "/" }
        return navigation.dropFirst().first { path == $0.path || path.hasPrefix($0.path + "/") }?.path
            ?? (path.hasPrefix("/calls/") ? "/sessions" : "")
    }

    private static func topbar(_ request: DashboardRequest) -> HTML {
        let current = section(of: request.path)
        let items = navigation.map { entry -> HTML in
            let here: HTML = entry.path == current ? " aria-current=\"page\"" : ""
            return "<li><a href=\"\(request.filters.link(entry.path))\"\(here)>\(entry.label)</a></li>"
        }
        return """
        <header class="topbar">
        <a class="brand" href="\(request.filters.link("/"))">Telltale</a>
        <nav aria-label="Main"><ul class="nav">\(items)</ul></nav>
        <div class="account">
        \(projectPicker(request))
        <label class="refresh" id="auto-refresh-label" hidden><input type="checkbox" id="auto-refresh"> Auto-refresh (30 s)</label>
        <form method="post" action="/logout"><button type="submit" class="secondary" id="sign-out">Sign out</button></form>
        </div>
        </header>
        """
    }

    /// The project name, or a picker when the session may see several projects.
    private static func projectPicker(_ request: DashboardRequest) -> HTML {
        guard request.projects.count > 1 else {
            return "<span id=\"project-name\">Project: \(request.session.project.name)</span>"
        }
        let options = request.projects.map { project -> HTML in
            let selected: HTML = project.id == request.session.project.id ? " selected" : ""
            return "<option value=\"\(project.id)\"\(selected)>\(project.name)</option>"
        }
        return """
        <form method="post" action="/project" id="project-picker">
        <label for="project-select">Project</label>
        <select id="project-select" name="project">\(options)</select>
        <input type="hidden" name="next" value="\(request.filters.link(request.path))">
        <button type="submit" class="secondary">Switch</button>
        </form>
        """
    }

    private static func problems(_ filters: DashboardFilters) -> HTML {
        guard !filters.problems.isEmpty else { return .empty }
        let items = filters.problems.map { problem -> HTML in "<li>\(problem)</li>" }
        return "<div class=\"notice\" role=\"status\"><strong>Some filters were ignored:</strong><ul>\(items)</ul></div>"
    }
}
