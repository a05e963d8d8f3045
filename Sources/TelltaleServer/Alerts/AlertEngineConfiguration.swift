import Foundation

/// How often the ``AlertEngine`` evaluates rules, and where its dashboard links point.
package struct AlertEngineConfiguration: Sendable {
    /// Time between the starts of two evaluations of every rule (default 15 s).
    package var interval: Duration
    /// The dashboard's public base URL for links in notifications, e.g. `https://telltale.example.com`
    /// (`--public-url`; the listen URL by default). A trailing `/` is ignored.
    package var publicBaseURL: String

    package init(interval: Duration = .seconds(15), publicBaseURL: String) {
        self.interval = interval
        self.publicBaseURL = publicBaseURL
    }
}
