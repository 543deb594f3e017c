import Foundation
public import ServiceLifecycle

/// The engine as a service of a `ServiceGroup` (swift-service-lifecycle): `sluice run` runs it
/// in one, so that an HTTP surface or a DICOM listener can run beside it and all of them shut
/// down together on SIGTERM/SIGINT. A graceful shutdown lets the batch in hand finish (the
/// engine's stop flag); everything else the next start resumes from the ledger.
public struct EngineService: Service {
    public let engine: Engine
    let stop: StopFlag

    public init(_ engine: Engine, stop: StopFlag = StopFlag()) {
        self.engine = engine
        self.stop = stop
    }

    /// Errors seen while running (the daemon's exit status).
    public final class Outcome: @unchecked Sendable {
        private let lock = NSLock()
        private var count = 0
        public var errors: Int { lock.withLock { count } }
        func add(_ n: Int) { lock.withLock { count += n } }
    }

    public let outcome = Outcome()

    public func run() async throws {
        let stop = self.stop
        await withGracefulShutdownHandler {
            outcome.add(await Runner.runForever(engine, stop: stop))
        } onGracefulShutdown: {
            stop.set()
        }
    }
}
