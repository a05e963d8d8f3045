import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import TelltaleStore

/// The Telltale HTTP server: ingest, query API, health and the OpenAPI document, on Hummingbird.
///
/// ```swift
/// let app = TelltaleServer.buildApplication(store: store, configuration: .init(port: 7340))
/// try await app.runService()   // or: try await TelltaleServer.run(store: store, configuration: …)
/// ```
public enum TelltaleServer {
    /// The application serving `store` with `configuration`.
    /// - Parameters:
    ///   - logger: the server's logger (default: label `telltale.server`, level from `LOG_LEVEL`, else `info`).
    ///   - onServerRunning: called once the server listens, with the bound port (useful with port 0).
    public static func buildApplication(
        store: any CallStore,
        configuration: ServerConfiguration,
        logger: Logger? = nil,
        onServerRunning: @escaping @Sendable (_ port: Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        buildApplication(
            store: store, configuration: configuration, alertServices: AlertServices(), logger: logger,
            onServerRunning: onServerRunning
        )
    }

    /// The application, with the alert delivery services the alerts API uses (test notifications, target checks).
    package static func buildApplication(
        store: any CallStore,
        configuration: ServerConfiguration,
        alertServices: AlertServices,
        logger: Logger? = nil,
        onServerRunning: @escaping @Sendable (_ port: Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let router = buildRouter(store: store, configuration: configuration, alertServices: alertServices).router
        let logger = logger ?? defaultLogger()
        return Application(
            router: router,
            configuration: .init(
                address: .hostname(configuration.host, port: configuration.port),
                serverName: configuration.serverName
            ),
            onServerRunning: { channel in
                await onServerRunning(channel.localAddress?.port ?? configuration.port)
            },
            logger: logger
        )
    }

    /// Builds the application and runs it until SIGINT or SIGTERM, then shuts down gracefully.
    public static func run(
        store: any CallStore,
        configuration: ServerConfiguration,
        logger: Logger? = nil,
        stoppedFirst: [any Service] = [],
        onServerRunning: @escaping @Sendable (_ port: Int) async -> Void = { _ in }
    ) async throws {
        try await run(
            store: store, configuration: configuration, alertServices: AlertServices(), logger: logger,
            stoppedFirst: stoppedFirst, onServerRunning: onServerRunning
        )
    }

    /// ``run(store:configuration:logger:stoppedFirst:onServerRunning:)`` with the alert delivery services.
    package static func run(
        store: any CallStore,
        configuration: ServerConfiguration,
        alertServices: AlertServices,
        logger: Logger? = nil,
        stoppedFirst: [any Service] = [],
        onServerRunning: @escaping @Sendable (_ port: Int) async -> Void = { _ in }
    ) async throws {
        let logger = logger ?? defaultLogger()
        let app = buildApplication(
            store: store, configuration: configuration, alertServices: alertServices, logger: logger,
            onServerRunning: onServerRunning
        )
        // ServiceGroup shuts services down in reverse order: the extra services (e.g. demo traffic
        // whose wrappers still flush to this server) stop before the HTTP server does.
        let services = [ServiceGroupConfiguration.ServiceConfiguration(service: app)]
            + stoppedFirst.map { .init(service: $0, successTerminationBehavior: .ignore) }
        let group = ServiceGroup(
            configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        )
        try await group.run()
    }

    /// Label `telltale.server`, level from the `LOG_LEVEL` environment variable, else `info`.
    static func defaultLogger() -> Logger {
        var logger = Logger(label: "telltale.server")
        let level = ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap { Logger.Level(rawValue: $0) }
        logger.logLevel = level ?? .info
        return logger
    }

    /// The router with every route, and the table of those routes (method + OpenAPI path).
    static func buildRouter(
        store: any CallStore, configuration: ServerConfiguration, alertServices: AlertServices = AlertServices()
    ) -> RouteTable {
        let router = Router(context: TelltaleRequestContext.self)
        let registry = RouteRegistry()
        router.add(middleware: ErrorMiddleware(registry: registry))
        let routes = RouteTable(router: router, store: store, registry: registry)
        routes.add(.get, "/healthz") { _, _ in
            try JSONBody.response(["status": "ok"])
        }
        routes.add(.get, "/api/v1/openapi.yaml") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "application/yaml; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: OpenAPIDocument.yaml))
            )
        }
        IngestController(store: store, configuration: configuration).register(on: routes)
        QueryController(store: store, configuration: configuration).register(on: routes)
        AlertsController(store: store, services: alertServices, configuration: configuration).register(on: routes)
        DashboardController(store: store, configuration: configuration, alertServices: alertServices).register(on: routes.router)
        return routes
    }
}
