import Hummingbird
import Logging
import NIOCore

/// The `--admin-addr` endpoint of the HTTP capture commands: `/healthz`, `/readyz` and `/metrics`.
enum AdminServer {
    /// How long `/readyz` waits for the upstream to accept a connection.
    static let readinessTimeout = Duration.seconds(2)

    /// The admin application on `address`, reading the state of `runtime`.
    static func application(address: HostPort, runtime: HTTPCaptureRuntime) -> some ApplicationProtocol {
        let metrics = AdminMetrics(runtime: runtime)
        let router = Router()
        router.get("healthz") { _, _ in
            Self.text("ok\n")
        }
        router.get("readyz") { _, _ in
            if await runtime.proxy.upstreamReachable(timeout: Self.readinessTimeout) {
                return Self.text("ready: upstream \(runtime.upstream) accepts connections\n")
            }
            return Self.text("not ready: upstream \(runtime.upstream) does not accept connections\n", status: .serviceUnavailable)
        }
        router.get("metrics") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: metrics.render())))
        }
        var logger = Logger(label: "telltale.admin")
        logger.logLevel = .warning
        return Application(
            router: router,
            configuration: .init(address: .hostname(address.host, port: address.port), serverName: nil),
            logger: logger)
    }

    private static func text(_ body: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "text/plain; charset=utf-8"],
                 body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}
