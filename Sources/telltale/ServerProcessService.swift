#if canImport(Glibc)
import Glibc
#endif
import ServiceLifecycle
import TelltaleCapture

/// The child of `telltale run --port` as a service: it returns when the child exited (which shuts the
/// group down); on a shutdown for another reason it sends the child SIGTERM and waits for it.
struct ServerProcessService: Service {
    let process: ServerProcess

    func run() async throws {
        let process = process
        await withTaskCancellationHandler {
            await withGracefulShutdownHandler {
                _ = await process.exitStatus()
            } onGracefulShutdown: {
                process.send(SIGTERM)
            }
        } onCancel: {
            process.send(SIGTERM)
        }
    }
}
