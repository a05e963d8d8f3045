import Foundation

/// A Slack or webhook URL checked for one delivery, with the address the delivery must connect to.
package struct AlertDeliveryTarget: Sendable, Equatable {
    /// The URL as configured (its host is sent as `Host:` and, for https, as the TLS server name).
    package var url: URL
    /// The URL's host without IPv6 brackets.
    package var host: String
    /// The address the guard checked; the connection goes here, not to a second DNS answer.
    package var address: IPAddressBytes

    package init(url: URL, host: String, address: IPAddressBytes) {
        self.url = url
        self.host = host
        self.address = address
    }
}
