import ServiceLifecycle

/// Runs an `AlertDispatcher` as part of the server's service group: on graceful shutdown it stops taking
/// notifications and waits (bounded) for the attempts in flight.
package struct AlertDispatcherService: Service {
    package let dispatcher: AlertDispatcher

    package init(dispatcher: AlertDispatcher) {
        self.dispatcher = dispatcher
    }

    /// Waits for graceful shutdown (or cancellation), then shuts the dispatcher down.
    package func run() async throws {
        try? await gracefulShutdown()
        await dispatcher.shutdown()
    }
}
