// Threads for `parallel`: kept alive and spinning for a moment after each parallel region, so
// the next region (the next layer of a CNN, microseconds later) starts on a running thread.
// Dispatch parks its workers at once; waking one took about as long as a small layer's share
// of work, so two threads were no faster than one at batch 1.
internal import CKernels
import Dispatch
import Foundation
import Synchronization

@available(macOS 15, *)
final class WorkerPool: @unchecked Sendable {
    /// One worker per core besides the caller's (none on one core: regions then run inline).
    static let shared = WorkerPool(workers: min(ProcessInfo.processInfo.activeProcessorCount, 64) - 1)

    /// How long a worker polls for the next region before it sleeps.
    static let spinNanoseconds: UInt64 = 200_000

    let workers: Int
    /// Region number << 32 | its iteration count << 16 | the next unclaimed iteration, in one
    /// word so that a claim checks region and count together: a worker still looping on a
    /// finished region can never claim an iteration of the next one (with the count in a
    /// separate atomic it could, seeing the new count before the new region, and run the new
    /// body under the old region's number). Iterations are claimed, not assigned: when a worker
    /// is descheduled (a busy machine), the caller runs its share instead of waiting for it.
    /// Only the caller holding `busy` starts a region.
    private let claim = Atomic<Int>(0)
    /// How many iterations of the current region have finished.
    private let finished = Atomic<Int>(0)
    /// Held by the one caller whose region the workers run; others use Dispatch.
    private let busy = Atomic<Bool>(false)
    private let sleepers = Atomic<Int>(0)
    private let wake = NSCondition()
    /// The region's work: written before the region is published and read only by a thread
    /// that has claimed one of its iterations, which the caller waits for.
    private var body: ((Int) -> Void)?

    /// Regions hold at most this many iterations (the claim's low bits).
    static let maxIterations = 1 << 16 - 1

    init(workers: Int) {
        self.workers = max(0, workers)
        for w in 0..<self.workers {
            let thread = Thread { [self] in work() }
            thread.name = "sluice-kernels-\(w + 1)"
            thread.start()
        }
    }

    /// Runs body(0 ..< count) on the caller and the pool's threads; false (nothing run) when
    /// another region holds the pool or count is out of range.
    func run(_ count: Int, _ body: (Int) -> Void) -> Bool {
        guard count <= Self.maxIterations,
              busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else { return false }
        defer { busy.store(false, ordering: .releasing) }
        withoutActuallyEscaping(body) { body in
            self.body = body
            finished.store(0, ordering: .relaxed)
            let region = (Self.region(claim.load(ordering: .relaxed)) &+ 1) & 0xFFFF_FFFF
            // Sequentially consistent with the sleepers count (see `wait`): a worker going to
            // sleep either sees this region or is seen asleep and woken.
            claim.store(region << 32 | count << 16, ordering: .sequentiallyConsistent)
            if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
                wake.lock()
                wake.broadcast()
                wake.unlock()
            }
            runClaimed(region)
            var polls = 0
            while finished.load(ordering: .acquiring) < count {
                polls &+= 1
                // A worker descheduled mid-iteration should not cost a whole core of polling.
                if polls > 1 << 16 { sched_yield() } else { ck_spin_pause() }
            }
            self.body = nil
        }
        return true
    }

    private static func region(_ claim: Int) -> Int { (claim >> 32) & 0xFFFF_FFFF }

    /// Claims and runs iterations of `region` until none is left (or a later region began).
    private func runClaimed(_ region: Int) {
        while true {
            let v = claim.load(ordering: .acquiring)
            guard Self.region(v) == region, v & 0xFFFF < (v >> 16) & 0xFFFF else { return }
            guard claim.compareExchange(expected: v, desired: v + 1, ordering: .acquiringAndReleasing).exchanged else { continue }
            runIteration(v & 0xFFFF)
            finished.add(1, ordering: .releasing)
        }
    }

    /// One iteration, in a call of its own so that this thread's reference to `body` is
    /// released before `finished` counts the iteration: ARC may otherwise sink the release past
    /// the atomic, and the caller would leave `withoutActuallyEscaping` while a worker still
    /// holds the closure (a crash in checked builds, a dangling closure context otherwise).
    @inline(never)
    private func runIteration(_ i: Int) {
        body?(i)
    }

    private func work() {
        var region = 0
        while true {
            region = wait(after: region)
            runClaimed(region)
        }
    }

    /// The first region after `seen`: polled for spinNanoseconds, then slept for.
    private func wait(after seen: Int) -> Int {
        let deadline = DispatchTime.now().uptimeNanoseconds + Self.spinNanoseconds
        var polls = 0
        while true {
            let region = Self.region(claim.load(ordering: .acquiring))
            if region != seen { return region }
            polls &+= 1
            if polls & 255 == 0 && DispatchTime.now().uptimeNanoseconds > deadline { break }
            ck_spin_pause()
        }
        wake.lock()
        defer { wake.unlock() }
        sleepers.add(1, ordering: .sequentiallyConsistent)
        defer { sleepers.subtract(1, ordering: .sequentiallyConsistent) }
        while true {
            let region = Self.region(claim.load(ordering: .sequentiallyConsistent))
            if region != seen { return region }
            wake.wait()
        }
    }
}
