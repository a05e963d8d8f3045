/// HTTP header fields as seen on the wire: names in their original case, in order, repeats kept.
///
/// Lookups are case-insensitive (RFC 9110 §5.1).
public struct HTTPFields: Sendable, Equatable, ExpressibleByDictionaryLiteral {
    /// The fields, in wire order.
    public var entries: [(name: String, value: String)]

    /// Fields from name/value pairs, in order.
    public init(_ entries: [(name: String, value: String)] = []) {
        self.entries = entries
    }

    /// Fields from a literal (order of the literal).
    public init(dictionaryLiteral elements: (String, String)...) {
        self.entries = elements.map { (name: $0.0, value: $0.1) }
    }

    /// The first value of the field `name` (case-insensitive), or nil.
    public subscript(_ name: String) -> String? {
        for entry in entries where entry.name.utf8.count == name.utf8.count
            && entry.name.lowercased() == name.lowercased() {
            return entry.value
        }
        return nil
    }

    public static func == (lhs: HTTPFields, rhs: HTTPFields) -> Bool {
        lhs.entries.count == rhs.entries.count
            && zip(lhs.entries, rhs.entries).allSatisfy { $0.name == $1.name && $0.value == $1.value }
    }
}
