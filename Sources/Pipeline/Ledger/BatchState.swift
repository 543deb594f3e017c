/// Where a batch run stands. Transitions are pure (`BatchLifecycle`); the ledger only persists them.
public enum BatchState: String, Sendable, CaseIterable, Codable {
    case claimed, unpacked, validated, grouped, inferred, rendered, published
    /// Done: input moved to archive/ after every output was delivered.
    case archived
    /// Waiting: a study in the batch is still receiving files.
    case held
    /// Same content as an earlier batch; archived without processing.
    case duplicate
    /// Unreadable as a whole; input moved to error/ with a report.
    case failed

    public var isFinal: Bool { self == .archived || self == .duplicate || self == .failed }
}

public enum BatchEvent: Sendable, Equatable {
    case unpacked, validated, grouped, inferred, rendered, published, archived
    /// A study is still receiving files: the run waits (`held`) and restarts on a later pass.
    case hold, duplicateFound, failed
    /// A restarted process begins a run again from its input (only before anything was rendered).
    case restart
}

/// The batch lifecycle as a pure state machine; tested without files or a database.
public enum BatchLifecycle {
    public struct InvalidTransition: Error, CustomStringConvertible {
        public let from: BatchState
        public let event: BatchEvent
        public var description: String { "invalid batch transition: \(event) in state \(from.rawValue)" }
    }

    public static func next(_ state: BatchState, on event: BatchEvent) throws(InvalidTransition) -> BatchState {
        switch (state, event) {
        case (.claimed, .unpacked): return .unpacked
        case (.unpacked, .validated): return .validated
        case (.validated, .grouped): return .grouped
        case (.validated, .hold), (.grouped, .hold): return .held
        case (.grouped, .inferred): return .inferred
        case (.inferred, .rendered): return .rendered
        case (.rendered, .published): return .published
        case (.published, .archived): return .archived
        case (.unpacked, .duplicateFound): return .duplicate
        case (.claimed, .restart), (.unpacked, .restart), (.validated, .restart), (.grouped, .restart),
             (.inferred, .restart), (.held, .restart):
            return .claimed
        case (let s, .failed) where !s.isFinal: return .failed
        default: throw InvalidTransition(from: state, event: event)
        }
    }

    /// Where a restarted process picks a run up. Everything before `rendered` is recomputed from
    /// the input (deterministic, nothing was delivered yet); rendered outputs are reused so that
    /// what was already delivered is never regenerated differently.
    public enum ResumePoint: Sendable, Equatable { case start, publish, archive, none }

    public static func resumePoint(for state: BatchState) -> ResumePoint {
        switch state {
        case .claimed, .unpacked, .validated, .grouped, .inferred, .held: return .start
        case .rendered: return .publish
        case .published: return .archive
        case .archived, .duplicate, .failed: return .none
        }
    }
}
