import Foundation

/// The matrix's color scale: error rate → one of ten CSS classes `heat-0` … `heat-9`.
///
/// Steps are roughly logarithmic so the usual background (≈ 1%) stays pale while 20–50% is dark red:
/// one hot cell against a 1% background jumps out.
enum HeatScale {
    /// Upper bounds (exclusive) of classes 0 … 8; class 9 is everything above.
    static let bounds: [Double] = [0.001, 0.005, 0.01, 0.02, 0.05, 0.10, 0.20, 0.35, 0.50]

    /// The class index for an error rate.
    static func level(_ rate: Double) -> Int {
        bounds.firstIndex { rate < $0 } ?? bounds.count
    }

    static func cssClass(_ rate: Double) -> String { "heat-\(level(rate))" }

    /// The legend: one swatch per class with its range.
    static func legend() -> HTML {
        var items: [HTML] = []
        var lower = 0.0
        for (index, upper) in (bounds + [1.0]).enumerated() {
            let label = index == bounds.count
                ? "≥ \(DashboardFormat.percent(lower))"
                : "\(DashboardFormat.percent(lower))–\(DashboardFormat.percent(upper))"
            items.append("<span class=\"swatch heat-\(index)\">\(label)</span>")
            lower = upper
        }
        return """
        <div class="legend" id="matrix-legend" aria-label="Color scale">
        <span>Error rate:</span>\(items)
        <span class="swatch hot-key">outlined = significantly above the rest of the tool's traffic</span>
        </div>
        """
    }
}
