import Foundation

/// A fragment of HTML that escapes everything interpolated into it unless it is itself ``HTML``.
///
/// Literal text written in Swift source is trusted markup; every interpolated `String`, number or other value
/// is escaped, so data (tool names, JSON, client names) can never inject markup:
/// ```swift
/// let row: HTML = "<td>\(toolName)</td>"        // toolName is escaped
/// let cell: HTML = "<tr>\(row)</tr>"            // row is HTML: inserted as is
/// ```
struct HTML: Sendable, Equatable, ExpressibleByStringInterpolation, CustomStringConvertible {
    /// The markup.
    private(set) var rendered: String

    /// Trusted markup, inserted without escaping. Only for text written in this code base.
    init(raw: String) { rendered = raw }

    init(stringLiteral value: String) { rendered = value }

    init(stringInterpolation: Interpolation) { rendered = stringInterpolation.output }

    /// Escaped text.
    static func text(_ value: String) -> HTML { HTML(raw: escape(value)) }

    /// Nothing.
    static let empty = HTML(raw: "")

    var description: String { rendered }

    /// The fragments one after the other.
    static func join(_ parts: some Sequence<HTML>, separator: HTML = .empty) -> HTML {
        HTML(raw: parts.map(\.rendered).joined(separator: separator.rendered))
    }

    static func + (lhs: HTML, rhs: HTML) -> HTML { HTML(raw: lhs.rendered + rhs.rendered) }

    static func += (lhs: inout HTML, rhs: HTML) { lhs.rendered += rhs.rendered }

    /// Escapes `&`, `<`, `>`, `"` and `'`: safe in text and in quoted attribute values.
    static func escape(_ value: String) -> String {
        // Most data (tool names, numbers, dates) has nothing to escape: return it without copying.
        guard value.utf8.contains(where: { $0 == 0x26 || $0 == 0x3C || $0 == 0x3E || $0 == 0x22 || $0 == 0x27 }) else {
            return value
        }
        var out = ""
        out.reserveCapacity(value.utf8.count)
        for scalar in value.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// Builds markup: literals as is, interpolations escaped unless they are ``HTML``.
    struct Interpolation: StringInterpolationProtocol {
        var output = ""

        init(literalCapacity: Int, interpolationCount: Int) {
            output.reserveCapacity(literalCapacity + 16 * interpolationCount)
        }

        mutating func appendLiteral(_ literal: String) { output += literal }

        mutating func appendInterpolation(_ html: HTML) { output += html.rendered }

        mutating func appendInterpolation(_ fragments: [HTML]) {
            for fragment in fragments { output += fragment.rendered }
        }

        mutating func appendInterpolation(_ html: HTML?) { output += html?.rendered ?? "" }

        mutating func appendInterpolation(_ text: String) { output += HTML.escape(text) }

        mutating func appendInterpolation(_ text: Substring) { output += HTML.escape(String(text)) }

        mutating func appendInterpolation(_ text: String?) { output += HTML.escape(text ?? "") }

        mutating func appendInterpolation(_ value: Int) { output += String(value) }

        mutating func appendInterpolation(_ value: Int64) { output += String(value) }

        /// A number for SVG coordinates: at most two decimals, no exponent.
        mutating func appendInterpolation(_ value: Double) { output += SVGNumber.format(value) }

        mutating func appendInterpolation(_ value: some CustomStringConvertible) {
            output += HTML.escape(value.description)
        }
    }
}

/// Numbers written into SVG attributes.
enum SVGNumber {
    /// `value` with at most two decimals (`12`, `3.5`, `0.25`), `0` for non-finite values.
    static func format(_ value: Double) -> String {
        // Integer arithmetic, not `String(format:)` + a regular expression: a week-long chart page prints
        // thousands of coordinates, and the Foundation path was most of its render time.
        guard value.isFinite, abs(value) < 1e15 else { return "0" }
        let hundredths = Int((value * 100).rounded())
        let magnitude = hundredths.magnitude
        let whole = magnitude / 100
        let fraction = magnitude % 100
        let sign = hundredths < 0 ? "-" : ""
        if fraction == 0 { return sign + String(whole) }
        if fraction % 10 == 0 { return "\(sign)\(whole).\(fraction / 10)" }
        return "\(sign)\(whole).\(fraction < 10 ? "0" : "")\(fraction)"
    }
}
