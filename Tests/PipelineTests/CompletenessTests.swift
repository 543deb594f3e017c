import Foundation
import Testing
@testable import Pipeline

@Suite struct CompletenessTests {
    func instance(_ n: Int, z: Double, rows: Int = 512, frames: Int = 1, inData: Int? = nil) -> InstanceInfo {
        InstanceInfo(
            file: "IM\(n).dcm", studyInstanceUID: "1.2", seriesInstanceUID: "1.2.3", sopInstanceUID: "1.2.3.\(n)",
            sopClassUID: "1.2.840.10008.5.1.4.1.1.2", patientID: "P", issuerOfPatientID: nil, accessionNumber: "A",
            studyDate: "20250101", modality: "CT", institution: "X", seriesNumber: 1, instanceNumber: n, rows: rows,
            columns: 512, frames: frames, framesInPixelData: inData, imagePosition: [0, 0, z],
            imageOrientation: [1, 0, 0, 0, 1, 0], modified: Date())
    }

    @Test func completeSeriesHasNoProblems() {
        let s = (1...10).map { instance($0, z: Double($0) * 2.5) }
        #expect(Completeness.problems(in: s).isEmpty)
    }

    @Test func missingSlicesAreFoundByNumberAndPosition() {
        let s = (1...10).filter { $0 != 4 && $0 != 5 }.map { instance($0, z: Double($0) * 2.5) }
        let p = Completeness.problems(in: s)
        #expect(p.contains("Instance Number gap: missing 4–5 of 1–10"))
        #expect(p.contains("slice position gap: about 2 slices missing (spacing 2.50 mm)"))
    }

    @Test func positionGapIsFoundEvenWhenNumbersAreContiguous() {
        // Renumbered after export: numbers look complete, geometry says otherwise.
        let s = [0.0, 1, 2, 3, 6, 7].enumerated().map { instance($0.offset + 1, z: $0.element) }
        let p = Completeness.problems(in: s)
        #expect(p == ["slice position gap: about 2 slices missing (spacing 1.00 mm)"])
    }

    @Test func obliqueSeriesUsesTheSliceNormal() {
        // Orientation rotated 30° about x: positions advance along the normal, not along z.
        let c = cos(Double.pi / 6), s = sin(Double.pi / 6)
        let normal = [0, -s, c]
        let series = (1...6).filter { $0 != 3 }.map { n -> InstanceInfo in
            var i = instance(n, z: 0)
            i.imageOrientation = [1, 0, 0, 0, c, s]
            i.imagePosition = normal.map { $0 * Double(n) * 3 }
            return i
        }
        #expect(Completeness.problems(in: series).contains { $0.hasPrefix("slice position gap: about 1 slice missing (spacing 3.00 mm)") })
    }

    @Test func mixedMatricesAndFrameMismatch() {
        let s = [instance(1, z: 0), instance(2, z: 1, rows: 256), instance(3, z: 2, frames: 10, inData: 8)]
        let p = Completeness.problems(in: s)
        #expect(p.contains("mixed matrix sizes: 256×512, 512×512"))
        #expect(p.contains("IM3.dcm: Number of Frames is 10 but the pixel data holds 8"))
    }

    @Test func stillReceivingRules() {
        var context = BatchContext(
            batchID: "b", run: 1, sourceName: "s", inputPath: "/x", workDirectory: "/tmp",
            log: Log(minimum: .error), clock: Clock(), allowDuplicate: false, workers: 1)
        let now = Date()
        context.claimedAt = now.addingTimeInterval(-5)
        // No marker: anything younger than settle is still arriving.
        #expect(GroupStage.stillReceiving(now.addingTimeInterval(-10), now: now, settle: 30, context: context))
        #expect(!GroupStage.stillReceiving(now.addingTimeInterval(-40), now: now, settle: 30, context: context))
        // Marked complete: only a file written after the claim (an open upload) holds the study.
        context.marked = true
        #expect(!GroupStage.stillReceiving(now.addingTimeInterval(-10), now: now, settle: 30, context: context))
        #expect(GroupStage.stillReceiving(now.addingTimeInterval(-1), now: now, settle: 30, context: context))
    }
}
