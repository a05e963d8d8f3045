import Foundation

/// Inline SVG charts with axes, labels and `<title>` hover text: lines, stacked bars and sparklines.
///
/// Colors come from CSS classes (the page's Content-Security-Policy forbids inline styles); geometry is
/// written as SVG presentation attributes.
struct SVGChart {
    /// One x position: the bucket start and its values.
    struct Point: Sendable {
        var start: Date
        var value: Double?
    }

    /// One stacked bar: the bucket start and its segments (class suffix, label, count) bottom to top.
    struct Stack: Sendable {
        var start: Date
        var segments: [(series: String, label: String, value: Int)]
    }

    var width: Double = 640
    var height: Double = 220
    var left: Double = 58
    var right: Double = 14
    var top: Double = 12
    var bottom: Double = 30
    /// Length of one bucket (for the x extent and labels).
    var bucketSeconds: Int

    private var plotWidth: Double { width - left - right }
    private var plotHeight: Double { height - top - bottom }

    /// A line (with a light area under it when `area`) of `points`; nil values break the line.
    /// - Parameter integer: the values are counts (axis steps stay whole numbers).
    func line(_ points: [Point], label: String, cssClass: String = "", area: Bool = false, integer: Bool = false, format: (Double) -> String) -> HTML {
        guard let first = points.first?.start else { return empty(label) }
        let maximum = Self.niceMaximum(points.compactMap(\.value).max() ?? 0, integer: integer)
        var paths: [String] = []
        var current: [String] = []
        var marks: [HTML] = []
        for (index, point) in points.enumerated() {
            let x = xPosition(index, count: points.count)
            guard let value = point.value else {
                if !current.isEmpty { paths.append(current.joined(separator: " L")); current = [] }
                continue
            }
            let y = yPosition(value, maximum: maximum)
            current.append("\(SVGNumber.format(x)),\(SVGNumber.format(y))")
            let tip = "\(DashboardFormat.timestamp(point.start)): \(label) \(format(value))"
            marks.append("<circle class=\"point \(cssClass)\" cx=\"\(x)\" cy=\"\(y)\" r=\"2.5\"><title>\(tip)</title></circle>")
        }
        if !current.isEmpty { paths.append(current.joined(separator: " L")) }
        var shapes: [HTML] = []
        for path in paths {
            if area, let firstX = path.split(separator: ",").first, let lastPoint = path.split(separator: "L").last {
                let lastX = lastPoint.split(separator: ",").first ?? firstX
                let base = SVGNumber.format(top + plotHeight)
                shapes.append("<path class=\"area\" d=\"M\(firstX),\(base) L\(path) L\(lastX),\(base) Z\"/>")
            }
            shapes.append("<path class=\"line \(cssClass)\" d=\"M\(path)\"/>")
        }
        return frame(label: label, first: first, count: points.count, maximum: maximum, format: format,
                     content: HTML.join(shapes) + HTML.join(marks) + hitAreas(points.map(\.start), tips: points.map {
                         "\(DashboardFormat.timestamp($0.start)): \(label) \($0.value.map(format) ?? "no data")"
                     }))
    }

    /// Stacked bars, one per bucket, segments bottom to top.
    func stackedBars(_ stacks: [Stack], label: String) -> HTML {
        guard let first = stacks.first?.start else { return empty(label) }
        let totals = stacks.map { $0.segments.reduce(0) { $0 + $1.value } }
        let maximum = Self.niceMaximum(Double(totals.max() ?? 0), integer: true)
        let slot = plotWidth / Double(stacks.count)
        let barWidth = max(1, slot * 0.8)
        var bars: [HTML] = []
        for (index, stack) in stacks.enumerated() {
            var y = top + plotHeight
            let x = left + Double(index) * slot + (slot - barWidth) / 2
            for segment in stack.segments where segment.value > 0 {
                let height = Double(segment.value) / maximum * plotHeight
                y -= height
                let tip = "\(DashboardFormat.timestamp(stack.start)): \(segment.label) \(DashboardFormat.count(segment.value))"
                bars.append("""
                <rect class="o-\(segment.series)" x="\(x)" y="\(y)" width="\(barWidth)" height="\(max(height, 0.5))"><title>\(tip)</title></rect>
                """)
            }
        }
        return frame(label: label, first: first, count: stacks.count, maximum: maximum,
                     format: { DashboardFormat.count(Int($0)) }, content: HTML.join(bars))
    }

    /// A small line of counts with its peak and baseline labelled, for small multiples.
    /// - Parameter times: the hover label of each bucket (shared by all multiples, so formatted once).
    static func sparkline(_ values: [Int], times: [String], label: String, dropped: Bool, baseline: Double?) -> HTML {
        let width = 300.0, height = 70.0, left = 4.0, right = 4.0, top = 14.0, bottom = 4.0
        let maximum = Double(max(values.max() ?? 0, 1))
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        func x(_ index: Int) -> Double {
            values.count <= 1 ? left + plotWidth / 2 : left + Double(index) / Double(values.count - 1) * plotWidth
        }
        func y(_ value: Double) -> Double { top + plotHeight - value / maximum * plotHeight }
        let path = values.enumerated().map { "\(SVGNumber.format(x($0.offset))),\(SVGNumber.format(y(Double($0.element))))" }
            .joined(separator: " L")
        var marks: [HTML] = []
        let slot = plotWidth / Double(max(values.count, 1))
        for (index, value) in values.enumerated() where index < times.count {
            let tip = "\(times[index]): \(DashboardFormat.counted(value, "call"))"
            marks.append("<rect class=\"hit\" x=\"\(left + Double(index) * slot)\" y=\"\(top)\" width=\"\(slot)\" height=\"\(plotHeight)\"><title>\(tip)</title></rect>")
        }
        let baselineMark: HTML = baseline.map {
            "<line class=\"baseline\" x1=\"\(left)\" x2=\"\(width - right)\" y1=\"\(y($0))\" y2=\"\(y($0))\"><title>baseline \(SVGNumber.format($0)) calls per bucket</title></line>"
        } ?? .empty
        let lineClass = dropped ? "line dropped" : "line"
        return """
        <svg class="chart spark" viewBox="0 0 \(width) \(height)" role="img" aria-label="\(label)">
        <title>\(label)</title>
        <text x="\(left)" y="10">peak \(DashboardFormat.count(Int(maximum)))/bucket</text>
        <line class="axis" x1="\(left)" x2="\(width - right)" y1="\(top + plotHeight)" y2="\(top + plotHeight)"/>
        \(baselineMark)
        <path class="\(lineClass)" d="M\(path)"/>
        \(marks)
        </svg>
        """
    }

    /// The axes, grid, labels and content, in an accessible `<svg>`.
    private func frame(label: String, first: Date, count: Int, maximum: Double, format: (Double) -> String, content: HTML) -> HTML {
        var grid: [HTML] = []
        for step in 0...4 {
            let value = maximum * Double(step) / 4
            let y = yPosition(value, maximum: maximum)
            grid.append("<line class=\"grid\" x1=\"\(left)\" x2=\"\(width - right)\" y1=\"\(y)\" y2=\"\(y)\"/>")
            grid.append("<text x=\"\(left - 6)\" y=\"\(y + 4)\" text-anchor=\"end\">\(format(value))</text>")
        }
        let longRange = Double(count * bucketSeconds) > 86400
        // Labels are centred under their bucket, kept inside the plot; ~75 px apart at most 6.
        let halfLabel = longRange ? 34.0 : 16.0
        let tickCount = min(count, longRange ? 5 : 6)
        for tick in 0..<tickCount {
            let index = tickCount <= 1 ? 0 : tick * (count - 1) / (tickCount - 1)
            let x = min(max(xPosition(index, count: count), left + halfLabel), width - right - halfLabel)
            let date = first.addingTimeInterval(Double(index * bucketSeconds))
            grid.append("<text x=\"\(x)\" y=\"\(height - 10)\" text-anchor=\"middle\">\(DashboardFormat.axisTime(date, longRange: longRange))</text>")
        }
        return """
        <svg class="chart" viewBox="0 0 \(width) \(height)" role="img" aria-label="\(label)">
        <title>\(label)</title>
        \(grid)
        <line class="axis" x1="\(left)" x2="\(left)" y1="\(top)" y2="\(top + plotHeight)"/>
        <line class="axis" x1="\(left)" x2="\(width - right)" y1="\(top + plotHeight)" y2="\(top + plotHeight)"/>
        \(content)
        </svg>
        """
    }

    /// Invisible full-height rectangles so hovering anywhere over a bucket shows its value.
    private func hitAreas(_ starts: [Date], tips: [String]) -> HTML {
        let slot = plotWidth / Double(max(starts.count, 1))
        return HTML.join(zip(starts.indices, tips).map { index, tip in
            "<rect class=\"hit\" x=\"\(left + Double(index) * slot)\" y=\"\(top)\" width=\"\(slot)\" height=\"\(plotHeight)\"><title>\(tip)</title></rect>"
        })
    }

    private func empty(_ label: String) -> HTML {
        "<p class=\"muted\">No data for \(label) in this range.</p>"
    }

    private func xPosition(_ index: Int, count: Int) -> Double {
        let slot = plotWidth / Double(max(count, 1))
        return left + slot * (Double(index) + 0.5)
    }

    private func yPosition(_ value: Double, maximum: Double) -> Double {
        top + plotHeight - (maximum == 0 ? 0 : value / maximum * plotHeight)
    }

    /// The top of an axis with four equal steps: 4 × a round step (1, 2, 2.5, 5 × 10ⁿ) covering `value`.
    /// For counts (`integer`) the step is a whole number (no 2.5 below 10), so every grid line is a count.
    static func niceMaximum(_ value: Double, integer: Bool = false) -> Double {
        guard value > 0 else { return integer ? 4 : 1 }
        let raw = value / 4
        let magnitude = pow(10, floor(log10(raw)))
        let factors: [Double] = integer && magnitude < 10 ? [1, 2, 5, 10] : [1, 2, 2.5, 5, 10]
        var step = (factors.first { $0 * magnitude >= raw } ?? 10) * magnitude
        if integer { step = max(step.rounded(.up), 1) }
        return 4 * step
    }
}
