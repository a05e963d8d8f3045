/// A `--tag key=value` argument of `telltale run`.
struct TagArgument: Sendable, Equatable {
    /// Why a `--tag` argument was refused.
    struct Invalid: Error, CustomStringConvertible {
        let argument: String
        let reason: String
        var description: String { "invalid --tag '\(argument)': \(reason)" }
    }

    /// The tag's name: 1–64 characters from `A–Z a–z 0–9 _ . - : /`.
    let key: String
    /// The tag's value (may be empty, at most 256 characters).
    let value: String

    /// Parses `key=value`.
    init(parsing argument: String) throws(Invalid) {
        guard let equals = argument.firstIndex(of: "=") else {
            throw Invalid(argument: argument, reason: "expected key=value")
        }
        let key = String(argument[..<equals])
        let value = String(argument[argument.index(after: equals)...])
        guard !key.isEmpty else { throw Invalid(argument: argument, reason: "the key is empty") }
        guard key.count <= 64 else { throw Invalid(argument: argument, reason: "the key is longer than 64 characters") }
        guard key.unicodeScalars.allSatisfy(Self.isKeyCharacter) else {
            throw Invalid(argument: argument, reason: "the key may only use letters, digits and _ . - : /")
        }
        guard value.count <= 256 else {
            throw Invalid(argument: argument, reason: "the value is longer than 256 characters")
        }
        self.key = key
        self.value = value
    }

    private static func isKeyCharacter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "a"..."z", "A"..."Z", "0"..."9", "_", ".", "-", ":", "/": true
        default: false
        }
    }
}
