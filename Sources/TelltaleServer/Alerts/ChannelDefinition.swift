import Foundation
import TelltaleCore
import Yams

/// An alert channel as written in a rules file or an API body (no id yet).
package struct ChannelDefinition: Sendable, Equatable {
    package var name: String
    package var kind: AlertChannelKind
    package var emailTo: [String]
    /// Slack or webhook URL (secret for Slack).
    package var url: URL?
    /// The webhook signing secret (rules files only; the API generates it).
    package var secret: String?
    /// The line of the definition.
    package var line: Int?

    /// The channel with its id.
    package func channel(id: String, secret: String? = nil) -> AlertChannel {
        AlertChannel(id: id, name: name, kind: kind, emailTo: emailTo, url: url?.absoluteString, secret: secret ?? self.secret)
    }
}
