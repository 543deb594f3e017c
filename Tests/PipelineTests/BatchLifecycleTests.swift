import Testing
@testable import Pipeline

@Suite struct BatchLifecycleTests {
    @Test func happyPathReachesArchived() throws {
        var state = BatchState.claimed
        for event: BatchEvent in [.unpacked, .validated, .grouped, .inferred, .rendered, .published, .archived] {
            state = try BatchLifecycle.next(state, on: event)
        }
        #expect(state == .archived)
        #expect(state.isFinal)
    }

    @Test func finalStatesAcceptNothing() {
        for final in [BatchState.archived, .duplicate, .failed] {
            for event: BatchEvent in [.unpacked, .validated, .rendered, .published, .archived, .failed, .restart, .hold] {
                #expect(throws: BatchLifecycle.InvalidTransition.self) { try BatchLifecycle.next(final, on: event) }
            }
        }
    }

    @Test func stepsCannotBeSkipped() {
        #expect(throws: BatchLifecycle.InvalidTransition.self) { try BatchLifecycle.next(.claimed, on: .rendered) }
        #expect(throws: BatchLifecycle.InvalidTransition.self) { try BatchLifecycle.next(.validated, on: .published) }
        #expect(throws: BatchLifecycle.InvalidTransition.self) { try BatchLifecycle.next(.rendered, on: .archived) }
    }

    @Test func restartOnlyBeforeRendering() throws {
        for s in [BatchState.claimed, .unpacked, .validated, .grouped, .inferred, .held] {
            #expect(try BatchLifecycle.next(s, on: .restart) == .claimed)
        }
        // Once rendered, outputs may be out of the door: never recompute them.
        #expect(throws: BatchLifecycle.InvalidTransition.self) { try BatchLifecycle.next(.rendered, on: .restart) }
        #expect(throws: BatchLifecycle.InvalidTransition.self) { try BatchLifecycle.next(.published, on: .restart) }
    }

    @Test func resumePoints() {
        #expect(BatchLifecycle.resumePoint(for: .grouped) == .start)
        #expect(BatchLifecycle.resumePoint(for: .rendered) == .publish)
        #expect(BatchLifecycle.resumePoint(for: .published) == .archive)
        #expect(BatchLifecycle.resumePoint(for: .archived) == .none)
    }

    @Test func duplicateOnlyAfterUnpack() throws {
        #expect(try BatchLifecycle.next(.unpacked, on: .duplicateFound) == .duplicate)
        #expect(throws: BatchLifecycle.InvalidTransition.self) { try BatchLifecycle.next(.validated, on: .duplicateFound) }
    }
}
