import Foundation
import TelltaleCore

/// A client name and version (either may be missing when the client did not say).
package struct ClientVersion: Codable, Sendable, Hashable, Comparable {
    package var client: String?
    package var version: String?

    package init(client: String?, version: String?) {
        self.client = client
        self.version = version
    }

    /// `name version`, `name`, or `unknown client`.
    package var label: String {
        switch (client, version) {
        case let (name?, version?): "\(name) \(version)"
        case let (name?, nil): name
        case let (nil, version?): "unknown client \(version)"
        case (nil, nil): "unknown client"
        }
    }

    /// By client name (unknown last), then version from oldest to newest (unknown first).
    package static func < (lhs: ClientVersion, rhs: ClientVersion) -> Bool {
        if lhs.client != rhs.client {
            guard let left = lhs.client else { return false }
            guard let right = rhs.client else { return true }
            return left < right
        }
        switch (lhs.version, rhs.version) {
        case let (left?, right?): return VersionOrder.isOrderedBefore(left, right)
        case (nil, .some): return true
        default: return false
        }
    }
}
