import Foundation
import Synchronization
import Testing
@testable import Kernels

/// How many times parallel(count) ran each index (each index writes only its own slot).
private func runCounts(_ count: Int, nested: Int = 0) -> [Int] {
    var runs = [Int](repeating: 0, count: count)
    runs.withUnsafeMutableBufferPointer { slots in
        let base = slots.baseAddress!
        parallel(count) { i in
            // A nested region that goes wrong shows as a count that is not 1.
            let inner = nested > 0 && runCounts(nested) != [Int](repeating: 1, count: nested)
            base[i] += inner ? 100 : 1
        }
    }
    return runs
}

@Suite struct WorkerPoolTests {
    /// Regions back to back (workers still polling), and after pauses longer than the poll
    /// (workers asleep, woken by the next region); more iterations than threads, too.
    @Test func everyIndexRunsOnceAcrossRegions() {
        for round in 0..<2000 {
            let count = 1 + round % 9
            if round % 50 == 49 { usleep(1_000) }     // 5× WorkerPool.spinNanoseconds
            let runs = runCounts(count)
            #expect(runs == [Int](repeating: 1, count: count), "round \(round), \(count) iterations")
            if runs != [Int](repeating: 1, count: count) { return }
        }
    }

    /// Callers racing for the pool (the losers run on Dispatch) and regions inside regions.
    @Test func concurrentAndNestedRegionsComplete() async {
        await withTaskGroup(of: Bool.self) { group in
            for task in 0..<8 {
                group.addTask {
                    (0..<200).allSatisfy { r in runCounts(2 + (task + r) % 4, nested: r % 10 == 0 ? 3 : 0) == [Int](repeating: 1, count: 2 + (task + r) % 4) }
                }
            }
            for await ok in group { #expect(ok) }
        }
    }

    /// With a second core, two iterations that wait for each other run on two threads (on one,
    /// the first would give up after a second and the threads would match).
    @available(macOS 15, *)
    @Test func iterationsThatWaitForEachOtherRunOnTwoThreads() {
        guard ProcessInfo.processInfo.activeProcessorCount > 1 else { return }
        final class Arrived: Sendable { let count = Atomic<Int>(0) }
        let arrived = Arrived()
        var threads = [pthread_t?](repeating: nil, count: 2)
        threads.withUnsafeMutableBufferPointer { slots in
            let base = slots.baseAddress!
            parallel(2) { i in
                base[i] = pthread_self()
                arrived.count.add(1, ordering: .sequentiallyConsistent)
                let start = Date()
                while arrived.count.load(ordering: .sequentiallyConsistent) < 2 && Date().timeIntervalSince(start) < 1 {}
            }
        }
        #expect(pthread_equal(threads[0]!, threads[1]!) == 0)
    }
}
