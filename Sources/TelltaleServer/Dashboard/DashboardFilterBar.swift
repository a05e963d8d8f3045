import Foundation

/// The filter bar: preset range links, a custom from/to range, and dimension filters, as a GET form.
enum DashboardFilterBar {
    static func render(_ request: DashboardRequest) -> HTML {
        let filters = request.filters
        let path = request.path
        let ranges = RangePreset.allCases.map { preset -> HTML in
            let name = preset.rawValue
            let current: HTML = filters.range == name ? " aria-current=\"true\"" : ""
            return "<a href=\"\(filters.with(range: name).link(path))\"\(current)>\(name)</a>"
        }
        var fields: [HTML] = [
            input("from", "From (UTC, RFC 3339)", filters.customFrom ?? (filters.range == nil ? RFC3339Text.string(filters.from) : nil)),
            input("to", "To", filters.customTo),
            input("server", "Server", filters.server),
            input("client", "Client", filters.client),
            input("clientVersion", "Client version", filters.clientVersion),
            input("tool", "Tool", filters.tool),
        ]
        if let prompt = filters.prompt { fields.append(hidden("prompt", prompt)) }
        if let resource = filters.resource { fields.append(hidden("resource", resource)) }
        if let method = filters.method { fields.append(input("method", "Method", method)) }
        for (index, tag) in filters.tags.enumerated() {
            fields.append(input("tag", "Tag \(index + 1) (key:value)", "\(tag.key):\(tag.value)", id: "filter-tag-\(index)"))
        }
        fields.append(input("tag", "Tag (key:value)", nil, id: "filter-tag-new"))
        let rangeField: HTML = filters.range.map { hidden("range", $0) } ?? .empty
        let clear: HTML = filters.hasDimensionFilters || filters.range == nil
            ? "<a href=\"\(URLQuery.build(path, []))\" id=\"clear-filters\">Clear filters</a>" : .empty
        return """
        <form class="filters" method="get" action="\(path)" aria-label="Filters">
        <div><span class="muted">Range</span><div class="ranges" id="range-links">\(ranges)</div></div>
        <fieldset><legend class="muted">Custom range and filters</legend>\(fields)</fieldset>
        \(rangeField)
        <button type="submit" id="apply-filters">Apply</button>
        \(clear)
        </form>
        """
    }

    private static func input(_ name: String, _ label: String, _ value: String?, id: String? = nil) -> HTML {
        let identifier = id ?? "filter-\(name)"
        return """
        <label for="\(identifier)">\(label)<input type="text" id="\(identifier)" name="\(name)" value="\(value ?? "")"></label>
        """
    }

    private static func hidden(_ name: String, _ value: String) -> HTML {
        "<input type=\"hidden\" name=\"\(name)\" value=\"\(value)\">"
    }
}

/// RFC 3339 text for form fields (seconds precision, `Z`).
enum RFC3339Text {
    static func string(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }
}
