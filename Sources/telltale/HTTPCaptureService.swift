import ServiceLifecycle

/// Keeps HTTP capture running inside a `ServiceGroup`; on graceful shutdown stops the proxy and flushes.
struct HTTPCaptureService: Service {
    let runtime: HTTPCaptureRuntime

    func run() async throws {
        try? await gracefulShutdown()
        await runtime.stop()
    }
}
