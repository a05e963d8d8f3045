import Foundation

/// How the Telltale server listens and what it accepts.
public struct ServerConfiguration: Sendable {
    /// Address to bind, e.g. `127.0.0.1`.
    public var host: String
    /// Port to bind; 0 picks a free port.
    public var port: Int
    /// Largest request body accepted on the wire (compressed, when gzip), in bytes.
    public var maxBodyBytes: Int
    /// Largest ingest body accepted after gzip decompression, in bytes.
    public var maxDecodedBodyBytes: Int
    /// Range the query API covers when neither `from` nor `to` is given, ending now.
    public var defaultRange: TimeInterval
    /// The name in the `Server` response header.
    public var serverName: String
    /// The web dashboard's sign-in and link options.
    public var dashboard: DashboardConfiguration
    /// Alert evaluation and delivery settings.
    public var alerts: AlertsConfiguration

    /// 16 MiB, the default for both body limits.
    public static let defaultBodyLimit = 16 * 1024 * 1024

    public init(
        host: String = "127.0.0.1",
        port: Int = 7340,
        maxBodyBytes: Int = ServerConfiguration.defaultBodyLimit,
        maxDecodedBodyBytes: Int = ServerConfiguration.defaultBodyLimit,
        defaultRange: TimeInterval = 24 * 3600,
        serverName: String = "telltale",
        dashboard: DashboardConfiguration = DashboardConfiguration(),
        alerts: AlertsConfiguration = AlertsConfiguration()
    ) {
        self.host = host
        self.port = port
        self.maxBodyBytes = maxBodyBytes
        self.maxDecodedBodyBytes = maxDecodedBodyBytes
        self.defaultRange = defaultRange
        self.serverName = serverName
        self.dashboard = dashboard
        self.alerts = alerts
    }
}
