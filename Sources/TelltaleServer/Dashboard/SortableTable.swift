import Foundation

/// A data table whose column headers are links that sort it on the server (`?sort=col&dir=asc|desc`).
struct SortableTable<Row> {
    /// What a column sorts by.
    enum SortKey: Comparable {
        case missing
        case number(Double)
        case text(String)
    }

    struct Column {
        var key: String
        var label: String
        var numeric: Bool
        var sortKey: (Row) -> SortKey
        var cell: (Row) -> HTML
    }

    var id: String
    var caption: String
    var columns: [Column]
    var defaultSort: String
    var defaultDescending = true

    /// The table of `rows` sorted as the request asks (unknown columns fall back to the default).
    func render(_ rows: [Row], _ request: DashboardRequest) -> HTML {
        let requested = request.parameter("sort")
        let column = columns.first { $0.key == requested } ?? columns.first { $0.key == defaultSort } ?? columns[0]
        let descending: Bool
        switch request.parameter("dir") {
        case "asc": descending = false
        case "desc": descending = true
        default: descending = column.key == defaultSort ? defaultDescending : column.numeric
        }
        let sorted = rows.enumerated().sorted { lhs, rhs in
            let (a, b) = (column.sortKey(lhs.element), column.sortKey(rhs.element))
            if a == b { return lhs.offset < rhs.offset }
            return descending ? a > b : a < b
        }.map(\.element)
        let headers = columns.map { candidate -> HTML in
            let active = candidate.key == column.key
            let nextDirection = active ? (descending ? "asc" : "desc") : (candidate.numeric ? "desc" : "asc")
            let href = request.filters.link(request.path, extraItems(request) + [("sort", candidate.key), ("dir", nextDirection)])
            let ariaSort: HTML = active ? " aria-sort=\"\(descending ? "descending" : "ascending")\"" : ""
            let arrow = active ? (descending ? " ▼" : " ▲") : ""
            let numeric: HTML = candidate.numeric ? " class=\"num\"" : ""
            return "<th scope=\"col\"\(numeric)\(ariaSort)><a href=\"\(href)\">\(candidate.label)\(arrow)</a></th>"
        }
        let body = sorted.map { row -> HTML in
            let cells = columns.map { column -> HTML in
                let numeric: HTML = column.numeric ? " class=\"num\"" : ""
                return "<td\(numeric)>\(column.cell(row))</td>"
            }
            return "<tr>\(cells)</tr>"
        }
        return """
        <table class="data" id="\(id)">
        <caption class="muted">\(caption)</caption>
        <thead><tr>\(headers)</tr></thead>
        <tbody>\(body)</tbody>
        </table>
        """
    }

    /// Page options to keep in sort links besides the filters (e.g. `clientVersion` on a client page).
    private func extraItems(_ request: DashboardRequest) -> [(String, String)] {
        request.parameters.filter { $0.0 == "order" || $0.0 == "uri" }
    }
}
