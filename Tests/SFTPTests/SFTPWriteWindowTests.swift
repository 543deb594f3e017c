@testable import Delivery
import Testing
import TestSupport

/// The pipelined upload's bookkeeping, driven without a socket: requests tile the file exactly,
/// the window never runs ahead of the lowest unanswered write, stray replies are refused, and
/// the resume offset is safe against a server that applies writes in any order.
@Suite struct SFTPWriteWindowTests {
    @Test func requestsTileTheRangeInChunksWithinTheWindow() throws {
        for (start, end) in [(0, 0), (0, 1), (0, 99), (0, 100), (0, 101), (250, 1234), (1000, 1000)] as [(Int64, Int64)] {
            var window = SFTPWriteWindow(from: start, to: end, chunk: 100, depth: 4, firstID: 7)
            var covered = start
            var ids: [UInt32] = []
            while !window.isFinished {
                var sent: [SFTPWriteWindow.Request] = []
                while let r = window.nextRequest() { sent.append(r) }
                #expect(sent.count <= 4)
                for r in sent {
                    #expect(r.offset == covered && r.length > 0 && r.length <= 100)
                    covered += Int64(r.length)
                    ids.append(r.id)
                }
                for r in sent { #expect(try window.answered(r.id) == r) }
                #expect(window.confirmed == covered)
            }
            #expect(covered == end, "\(start)..<\(end)")
            #expect(ids == (0..<UInt32(ids.count)).map { 7 + $0 })
        }
    }

    @Test func theWindowSlidesOnlyFromTheLowestUnansweredWrite() throws {
        var window = SFTPWriteWindow(from: 0, to: 1000, chunk: 100, depth: 3, firstID: 1)
        let a = window.nextRequest()!, b = window.nextRequest()!, c = window.nextRequest()!
        #expect(window.nextRequest() == nil, "full")
        _ = try window.answered(c.id)
        _ = try window.answered(b.id)
        #expect(window.nextRequest() == nil, "later answers do not open the window while the first is owed")
        #expect(window.confirmed == 0)
        _ = try window.answered(a.id)
        #expect(window.confirmed == 300)
        #expect(window.nextRequest()?.offset == 300)
    }

    @Test func strayAndDuplicateRepliesAreRefused() throws {
        var window = SFTPWriteWindow(from: 0, to: 1000, chunk: 100, depth: 3, firstID: 1)
        let a = window.nextRequest()!, b = window.nextRequest()!
        #expect(throws: SFTPWriteWindow.Violation.unexpectedReply(id: 99)) { try window.answered(99) }
        _ = try window.answered(b.id)
        #expect(throws: SFTPWriteWindow.Violation.unexpectedReply(id: b.id)) { try window.answered(b.id) }
        _ = try window.answered(a.id)
        #expect(throws: SFTPWriteWindow.Violation.unexpectedReply(id: a.id)) { try window.answered(a.id) }
        #expect(!window.isFinished)
    }

    /// A server that applies (and answers) in-flight writes in random order, cut at a random
    /// moment: every byte below `resumeOffset` of the resulting file size was written.
    @Test func resumeOffsetIsSafeWhateverOrderTheServerAppliesWritesIn() throws {
        var rng = SeededRandom(seed: 0x5EED)
        for _ in 0..<500 {
            let chunk = Int.random(in: 1...50, using: &rng), depth = Int.random(in: 1...8, using: &rng)
            let end = Int64.random(in: 0...3000, using: &rng)
            var window = SFTPWriteWindow(from: 0, to: end, chunk: chunk, depth: depth, firstID: 1)
            var applied = [Bool](repeating: false, count: Int(end))
            var inFlight: [SFTPWriteWindow.Request] = []
            let cutAfter = Int.random(in: 0...(Int(end) / chunk + 1) * 2, using: &rng)
            var steps = 0
            while !window.isFinished && steps < cutAfter {
                while let r = window.nextRequest() { inFlight.append(r) }
                let r = inFlight.remove(at: Int.random(in: 0..<inFlight.count, using: &rng))
                for i in r.offset..<r.offset + Int64(r.length) { applied[Int(i)] = true }
                _ = try window.answered(r.id)
                steps += 1
            }
            // At the cut the server may also have applied some writes whose replies were lost.
            for r in inFlight where Bool.random(using: &rng) {
                for i in r.offset..<r.offset + Int64(r.length) { applied[Int(i)] = true }
            }
            let size = Int64(applied.lastIndex(of: true).map { $0 + 1 } ?? 0)
            let resume = SFTPWriteWindow.resumeOffset(remoteSize: size, chunk: chunk, depth: depth)
            #expect(applied.prefix(Int(resume)).allSatisfy { $0 }, "chunk \(chunk) depth \(depth) size \(size) resume \(resume)")
        }
    }
}
