/// The bookkeeping of one pipelined upload: which SSH_FXP_WRITE to send next, which replies are
/// still owed, and how many bytes are surely on the server. Pure, so tests drive it without a
/// socket; `SFTPSideChannel` does the I/O.
///
/// The window slides from the lowest unanswered write, not from a count of outstanding ones: a
/// server may answer (and apply) requests in any order, and this bound is what makes
/// `resumeOffset(remoteSize:)` safe after a cut.
struct SFTPWriteWindow: Sendable {
    struct Request: Sendable, Equatable {
        let id: UInt32
        let offset: Int64
        let length: Int
    }

    enum Violation: Error, Equatable {
        /// A reply to no write in flight: a stranger's, a duplicate, or one already answered.
        case unexpectedReply(id: UInt32)
    }

    let end: Int64
    let chunk: Int
    let depth: Int
    /// The id the next request will carry.
    private(set) var nextID: UInt32
    private var next: Int64
    /// In send order; answered ones stay until every earlier one is answered too.
    private var inFlight: [(request: Request, answered: Bool)] = []

    init(from start: Int64, to end: Int64, chunk: Int, depth: Int, firstID: UInt32) {
        precondition(chunk > 0 && depth > 0 && start <= end)
        self.end = end
        self.chunk = chunk
        self.depth = depth
        next = start
        nextID = firstID
    }

    /// Every byte sent and every reply received.
    var isFinished: Bool { next == end && inFlight.isEmpty }

    /// Bytes from the start of the file that the server has confirmed, with no gap.
    var confirmed: Int64 { inFlight.first?.request.offset ?? next }

    /// The next write to send, or nil while the window is full or everything is sent.
    mutating func nextRequest() -> Request? {
        guard next < end, inFlight.count < depth else { return nil }
        let request = Request(id: nextID, offset: next, length: Int(min(Int64(chunk), end - next)))
        nextID &+= 1
        next += Int64(request.length)
        inFlight.append((request, false))
        return request
    }

    /// Records the reply to `id` (whatever its status) and returns the write it answers.
    mutating func answered(_ id: UInt32) throws(Violation) -> Request {
        guard let i = inFlight.firstIndex(where: { $0.request.id == id && !$0.answered }) else {
            throw .unexpectedReply(id: id)
        }
        inFlight[i].answered = true
        let request = inFlight[i].request
        let settled = inFlight.prefix { $0.answered }.count
        inFlight.removeFirst(settled)
        return request
    }

    /// Where to continue a cut upload whose remote file has `remoteSize` bytes. Writes are sent
    /// at most `depth` requests past the lowest unanswered one, and a server only answers what it
    /// has applied, so every byte below `remoteSize - depth × chunk` is surely there; above that,
    /// a server that reorders could have left a hole. Resending that stretch costs at most one
    /// window; it rewrites identical bytes.
    static func resumeOffset(remoteSize: Int64, chunk: Int, depth: Int) -> Int64 {
        max(0, remoteSize - Int64(chunk) * Int64(depth))
    }
}
