import AsyncHTTPClient
import Foundation
import Logging
import NIOConcurrencyHelpers
import TelltaleCore
import TelltaleStore

/// Delivers alert notifications in the background: each (notification, channel) becomes an `AlertDelivery`
/// in the store, attempted with exponential backoff and jitter, its log updated after every attempt.
///
/// Deliveries are independent: each runs in its own task, so a dead receiver never delays another; at most
/// `maxConcurrentAttempts` attempts run at once, the others wait their turn (sleeping retries hold no slot).
package actor AlertDispatcher: AlertDispatching {
    private let store: any AlertStore
    private let sender: AlertChannelSender
    private let policy: AlertDeliveryPolicy
    private let ownsHTTPClient: Bool
    private let logger: Logger
    /// `--public-url`-based link put in test notifications.
    private let testDashboardURL: String?

    private var jobs: [UUID: Task<Void, Never>] = [:]
    /// Jobs waiting between attempts (cancelled at shutdown).
    private var sleeping: Set<UUID> = []
    private var attemptsInFlight = 0
    private var slotWaiters: [CheckedContinuation<Bool, Never>] = []
    private var isShuttingDown = false

    /// A dispatcher using the shared alert HTTP client (`AlertHTTPSender.sharedClient`, never shut down).
    package init(store: any AlertStore, smtp: SMTPConfiguration?, targetGuard: AlertTargetGuard, policy: AlertDeliveryPolicy = AlertDeliveryPolicy(),
                 testDashboardURL: String? = nil, logger: Logger = Logger(label: "telltale.alerts")) {
        self.init(store: store, sender: AlertChannelSender(http: AlertHTTPSender(client: AlertHTTPSender.sharedClient), smtp: smtp, targetGuard: targetGuard),
                  ownsHTTPClient: false, policy: policy, testDashboardURL: testDashboardURL, logger: logger)
    }

    /// A dispatcher using `sender` (whose HTTP client it shuts down only when `ownsHTTPClient`).
    package init(store: any AlertStore, sender: AlertChannelSender, ownsHTTPClient: Bool, policy: AlertDeliveryPolicy = AlertDeliveryPolicy(),
                 testDashboardURL: String? = nil, logger: Logger = Logger(label: "telltale.alerts")) {
        self.store = store
        self.sender = sender
        self.ownsHTTPClient = ownsHTTPClient
        self.policy = policy
        self.testDashboardURL = testDashboardURL
        self.logger = logger
    }

    /// Records the delivery as pending and returns; attempts happen in the background.
    package func dispatch(_ notification: AlertNotification, to channel: AlertChannel, project: ProjectID) async {
        guard !isShuttingDown else {
            logger.warning("alert notification dropped: the server is shutting down", metadata: Self.metadata(notification, channel))
            return
        }
        let delivery = Self.pendingDelivery(notification, channel)
        await save(delivery, project: project, creating: true)
        let id = UUID()
        jobs[id] = Task { await self.deliver(delivery, notification: notification, channel: channel, project: project, job: id) }
    }

    /// Sends a test notification to `channel` now (one attempt, no retries) and returns its delivery.
    package func sendTest(channel: AlertChannel, project: ProjectID, projectName: String? = nil) async -> AlertDelivery {
        let now = Date()
        let rule = AlertRule(id: "test", name: "Test notification", condition: .callCount(above: 0), windowSeconds: 300, channelIDs: [channel.id])
        let transition = AlertTransition(ruleID: rule.id, kind: .firing, from: .ok, to: .firing, at: now, value: 1, threshold: 0,
                                         summary: "Test notification for channel \"\(channel.name)\": if you can read this, the channel works.")
        let notification = AlertNotification(id: "test_" + UUID().uuidString.lowercased(), project: projectName ?? String(project),
                                             rule: rule, transition: transition, dashboardURL: testDashboardURL, isTest: true)
        return await sendTest(notification, to: channel, project: project)
    }

    /// Sends `notification` (marked as a test) to `channel` now: one attempt, no retries, so the caller
    /// (the "send test" API) gets an answer within the attempt timeout. Records and returns the delivery.
    package func sendTest(_ notification: AlertNotification, to channel: AlertChannel, project: ProjectID) async -> AlertDelivery {
        var notification = notification
        notification.isTest = true
        var delivery = Self.pendingDelivery(notification, channel)
        await save(delivery, project: project, creating: true)
        // A test takes an attempt slot like any delivery, so a burst of tests cannot open unbounded connections.
        guard await acquireSlot() else {
            abandon(&delivery, reason: "not attempted: the server is shutting down")
            await save(delivery, project: project, creating: false)
            return delivery
        }
        let result = await attempt(notification, channel: channel)
        releaseSlot()
        apply(result, attempt: 1, isLast: true, to: &delivery)
        await save(delivery, project: project, creating: false)
        return delivery
    }

    /// Stops accepting notifications, abandons waiting retries (marked failed), and waits up to the grace
    /// period for attempts in flight; then cancels what is left and closes the HTTP client if it owns it.
    package func shutdown() async {
        guard !isShuttingDown else { return }
        isShuttingDown = true
        for id in sleeping { jobs[id]?.cancel() }
        let waiters = slotWaiters
        slotWaiters = []
        for waiter in waiters { waiter.resume(returning: false) }
        let tasks = Array(jobs.values)
        let finished = await Self.waitForAll(tasks, upTo: policy.shutdownGracePeriod)
        if !finished {
            logger.warning("alert deliveries still running after the shutdown grace period were cancelled", metadata: ["count": "\(jobs.count)"])
            for task in jobs.values { task.cancel() }
            // Cancelled attempts end quickly; wait (briefly) so their outcome is recorded.
            _ = await Self.waitForAll(Array(jobs.values), upTo: .seconds(2))
        }
        if ownsHTTPClient { try? await sender.http.client.shutdown() }
    }

    /// The number of deliveries not finished yet (for tests and metrics).
    package var activeDeliveries: Int { jobs.count }

    /// Waits until every delivery dispatched so far is delivered or failed.
    package func waitUntilIdle() async {
        while let task = jobs.values.first { await task.value }
    }

    // MARK: - One delivery

    private func deliver(_ initial: AlertDelivery, notification: AlertNotification, channel: AlertChannel, project: ProjectID, job: UUID) async {
        defer { jobs[job] = nil }
        var delivery = initial
        for attemptNumber in 1...policy.maxAttempts {
            guard await acquireSlot() else {
                abandon(&delivery, reason: "not attempted: the server shut down")
                await save(delivery, project: project, creating: false)
                return
            }
            let result = await attempt(notification, channel: channel)
            releaseSlot()
            apply(result, attempt: attemptNumber, isLast: attemptNumber == policy.maxAttempts, to: &delivery)
            await save(delivery, project: project, creating: false)
            if delivery.status != .retrying { return }
            if isShuttingDown {
                abandon(&delivery, reason: "not retried: the server shut down")
                await save(delivery, project: project, creating: false)
                return
            }
            sleeping.insert(job)
            let slept: Bool
            do {
                try await Task.sleep(for: policy.delay(afterAttempt: attemptNumber))
                slept = true
            } catch {
                slept = false
            }
            sleeping.remove(job)
            if !slept || isShuttingDown {
                abandon(&delivery, reason: "not retried: the server shut down")
                await save(delivery, project: project, creating: false)
                return
            }
        }
    }

    /// One attempt, outside the actor, cut off after the policy's attempt timeout.
    private nonisolated func attempt(_ notification: AlertNotification, channel: AlertChannel) async -> Result<Void, AlertSendError> {
        let sender = self.sender
        let limit = policy.attemptTimeout
        return await withTaskGroup(of: Result<Void, AlertSendError>?.self) { group in
            group.addTask {
                do throws(AlertSendError) {
                    try await sender.send(notification, to: channel)
                    return .success(())
                } catch {
                    return .failure(error)
                }
            }
            group.addTask {
                do {
                    try await Task.sleep(for: limit)
                } catch {
                    return nil  // the attempt finished first, or the delivery was cancelled
                }
                return .failure(AlertSendError("\(channel.kind.rawValue) delivery did not finish within \(Self.describe(limit))"))
            }
            var outcome: Result<Void, AlertSendError> = .failure(AlertSendError("delivery cancelled"))
            while let next = await group.next() {
                if let next {
                    outcome = next
                    break
                }
            }
            group.cancelAll()
            return outcome
        }
    }

    /// `30 s`, `300 ms`.
    private static func describe(_ duration: Duration) -> String {
        let milliseconds = duration.saturatingNanoseconds / 1_000_000
        return milliseconds % 1000 == 0 ? "\(milliseconds / 1000) s" : "\(milliseconds) ms"
    }

    private func apply(_ result: Result<Void, AlertSendError>, attempt: Int, isLast: Bool, to delivery: inout AlertDelivery) {
        let now = Date()
        delivery.attempts = attempt
        delivery.lastAttemptAt = now
        switch result {
        case .success:
            delivery.status = .delivered
            delivery.deliveredAt = now
            logger.info("alert delivered", metadata: Self.metadata(delivery, attempt: attempt))
        case .failure(let error):
            delivery.lastError = error.message
            delivery.status = error.isPermanent || isLast ? .failed : .retrying
            var metadata = Self.metadata(delivery, attempt: attempt)
            metadata["error"] = "\(error.message)"
            logger.warning(delivery.status == .failed ? "alert delivery failed" : "alert delivery attempt failed, will retry", metadata: metadata)
        }
    }

    private func abandon(_ delivery: inout AlertDelivery, reason: String) {
        delivery.status = .failed
        delivery.lastError = [delivery.lastError, reason].compactMap { $0 }.joined(separator: "; ")
    }

    /// Writes the delivery log; a store failure is logged and never stops the delivery. The write runs in
    /// its own task so that a delivery cancelled at shutdown still records how it ended.
    private func save(_ delivery: AlertDelivery, project: ProjectID, creating: Bool) async {
        let store = self.store
        let write = Task {
            if creating {
                try await store.createAlertDelivery(delivery, project: project)
            } else {
                try await store.updateAlertDelivery(delivery, project: project)
            }
        }
        do {
            try await write.value
        } catch {
            var metadata = Self.metadata(delivery, attempt: delivery.attempts)
            metadata["error"] = "\(String(reflecting: type(of: error)))"
            logger.error("cannot record the alert delivery", metadata: metadata)
        }
    }

    // MARK: - Attempt slots

    private func acquireSlot() async -> Bool {
        if isShuttingDown { return false }
        if attemptsInFlight < policy.maxConcurrentAttempts {
            attemptsInFlight += 1
            return true
        }
        return await withCheckedContinuation { slotWaiters.append($0) }
    }

    private func releaseSlot() {
        if !slotWaiters.isEmpty, !isShuttingDown {
            slotWaiters.removeFirst().resume(returning: true)  // the slot passes on; the count stays
        } else {
            attemptsInFlight -= 1
        }
    }

    // MARK: - Helpers

    private static func pendingDelivery(_ notification: AlertNotification, _ channel: AlertChannel) -> AlertDelivery {
        AlertDelivery(id: notification.id, ruleID: notification.rule.id, channelID: channel.id, channelName: channel.name,
                      channelKind: channel.kind, transitionKind: notification.transition.kind, transitionAt: notification.transition.at,
                      isTest: notification.isTest)
    }

    private static func metadata(_ notification: AlertNotification, _ channel: AlertChannel) -> Logger.Metadata {
        ["notification": "\(notification.id)", "rule": "\(notification.rule.name)", "channel": "\(channel.name)", "kind": "\(channel.kind.rawValue)"]
    }

    private static func metadata(_ delivery: AlertDelivery, attempt: Int) -> Logger.Metadata {
        ["delivery": "\(delivery.id)", "rule": "\(delivery.ruleID)", "channel": "\(delivery.channelName)",
         "kind": "\(delivery.channelKind.rawValue)", "attempt": "\(attempt)"]
    }

    /// Waits for every task, or until `limit` passed; true when all finished.
    private static func waitForAll(_ tasks: [Task<Void, Never>], upTo limit: Duration) async -> Bool {
        await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            let once = NIOLockedValueBox<CheckedContinuation<Bool, Never>?>(continuation)
            let timer = Task {
                try? await Task.sleep(for: limit)
                once.withLockedValue { $0.take() }?.resume(returning: false)
            }
            Task {
                for task in tasks { await task.value }
                once.withLockedValue { $0.take() }?.resume(returning: true)
                timer.cancel()
            }
        }
    }
}
