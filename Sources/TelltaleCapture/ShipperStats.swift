/// Counters of a ``Shipper``, in calls unless the name says otherwise (a snapshot; read it again for news).
///
/// Every submitted call ends up, eventually, in exactly one of `sent`, `rejected` or `dropped`
/// (or twice in `sent` in the rare at-least-once case: a batch spooled by a flush timeout whose
/// request then succeeded); until then it is in the queue, in flight or in the spool.
public struct ShipperStats: Sendable, Equatable, CustomStringConvertible {
    /// Calls handed to ``Shipper/submit(_:)``.
    public var submitted: Int = 0
    /// Calls the collector acknowledged (accepted or already known), including calls sent from the spool.
    public var sent: Int = 0
    /// Calls written to the spool (a call spooled, then sent, counts in both).
    public var spooled: Int = 0
    /// Calls lost: refused by the collector (4xx other than 408/429), evicted from a full spool,
    /// unencodable, submitted after shutdown, or unspoolable because the disk failed.
    public var dropped: Int = 0
    /// Lines the collector answered 200 for but listed as rejected (bad records).
    public var rejected: Int = 0
    /// Failed attempts that will be retried (network errors, 5xx, 408, 429).
    public var retries: Int = 0
    /// Batches the collector acknowledged.
    public var batchesSent: Int = 0
    /// Calls waiting in memory right now.
    public var queueDepth: Int = 0

    /// Creates a zero snapshot.
    public init() {}

    public var description: String {
        "submitted=\(submitted) sent=\(sent) spooled=\(spooled) dropped=\(dropped) rejected=\(rejected) "
            + "retries=\(retries) batchesSent=\(batchesSent) queueDepth=\(queueDepth)"
    }
}
