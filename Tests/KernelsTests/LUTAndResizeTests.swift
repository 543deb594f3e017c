import Testing
import TestSupport
@testable import Kernels

@Test func modalityRescaleMatchesReference() {
    var rng = SeededRandom(seed: 1)
    for round in 0..<100 {
        let n = rng.length()
        let slope = Float([1, 0.5, 2.5, -1].randomElement(using: &rng)!)
        let intercept = Float([0, -1024, 3.25].randomElement(using: &rng)!)
        var out = [Float](repeating: .nan, count: n)
        let expected: [Double]
        switch round % 4 {
        case 0:
            let v = (0..<n).map { _ in Int16.random(in: .min ... .max, using: &rng) }
            expected = ScalarReference.modalityRescale(v, slope: Double(slope), intercept: Double(intercept))
            v.withUnsafeBufferPointer { i in out.withUnsafeMutableBufferPointer { modalityRescale($0, i, slope: slope, intercept: intercept) } }
        case 1:
            let v = (0..<n).map { _ in UInt16.random(in: 0 ... .max, using: &rng) }
            expected = ScalarReference.modalityRescale(v, slope: Double(slope), intercept: Double(intercept))
            v.withUnsafeBufferPointer { i in out.withUnsafeMutableBufferPointer { modalityRescale($0, i, slope: slope, intercept: intercept) } }
        case 2:
            let v = (0..<n).map { _ in Int32.random(in: -1_000_000...1_000_000, using: &rng) }
            expected = ScalarReference.modalityRescale(v, slope: Double(slope), intercept: Double(intercept))
            v.withUnsafeBufferPointer { i in out.withUnsafeMutableBufferPointer { modalityRescale($0, i, slope: slope, intercept: intercept) } }
        default:
            let v = (0..<n).map { _ in UInt8.random(in: 0 ... .max, using: &rng) }
            expected = ScalarReference.modalityRescale(v, slope: Double(slope), intercept: Double(intercept))
            v.withUnsafeBufferPointer { i in out.withUnsafeMutableBufferPointer { modalityRescale($0, i, slope: slope, intercept: intercept) } }
        }
        for (g, e) in zip(out, expected) {
            #expect(abs(Double(g) - e) <= max(1e-6, abs(e) * 1e-6), "round \(round)")
        }
    }
}

@Test func invertMatchesReferenceInPlaceAndOutOfPlace() {
    var rng = SeededRandom(seed: 2)
    for _ in 0..<50 {
        let v = (0..<rng.length()).map { _ in UInt8.random(in: 0...255, using: &rng) }
        var out = [UInt8](repeating: 0, count: v.count)
        v.withUnsafeBufferPointer { i in out.withUnsafeMutableBufferPointer { invert8Bit($0, i) } }
        #expect(out == v.map { 255 - $0 })
        var inPlace = v
        inPlace.withUnsafeMutableBufferPointer { invert8Bit($0, UnsafeBufferPointer($0)) }
        #expect(inPlace == out)
    }
}

@Test func voiLUTLookupMatchesReference() {
    var rng = SeededRandom(seed: 3)
    for round in 0..<100 {
        let entries = Int.random(in: 1...4096, using: &rng)
        let bits = [8, 10, 12, 16].randomElement(using: &rng)!
        let lut = (0..<entries).map { _ in UInt16.random(in: 0...UInt16((1 << bits) - 1), using: &rng) }
        let table = voiLUTTo8BitTable(lut, bitsPerEntry: bits)
        #expect(table.count == entries)
        #expect(zip(lut, table).allSatisfy { l, t in abs(Double(l) * 255 / Double((1 << bits) - 1) - Double(t)) <= 0.5 })
        let first = Int.random(in: -2000...2000, using: &rng)
        let n = rng.length()
        var out = [UInt8](repeating: 0, count: n)
        let expected: [UInt8]
        switch round % 3 {
        case 0:
            let v = (0..<n).map { _ in Int32.random(in: -5000...8000, using: &rng) }
            expected = ScalarReference.voiLUTLookup(v, lut8: table, firstMapped: first)
            table.withUnsafeBufferPointer { t in v.withUnsafeBufferPointer { i in out.withUnsafeMutableBufferPointer { voiLUTLookup($0, i, table: t, firstMapped: first) } } }
        case 1:
            let v = (0..<n).map { _ in Int16.random(in: -5000...8000, using: &rng) }
            expected = ScalarReference.voiLUTLookup(v, lut8: table, firstMapped: first)
            table.withUnsafeBufferPointer { t in v.withUnsafeBufferPointer { i in out.withUnsafeMutableBufferPointer { voiLUTLookup($0, i, table: t, firstMapped: first) } } }
        default:
            let v = (0..<n).map { _ in UInt16.random(in: 0...8000, using: &rng) }
            expected = ScalarReference.voiLUTLookup(v, lut8: table, firstMapped: first)
            table.withUnsafeBufferPointer { t in v.withUnsafeBufferPointer { i in out.withUnsafeMutableBufferPointer { voiLUTLookup($0, i, table: t, firstMapped: first) } } }
        }
        #expect(out == expected, "round \(round)")
    }
}

@Test func bilinearResizeMatchesReference() {
    var rng = SeededRandom(seed: 4)
    for round in 0..<120 {
        let inW = Int.random(in: 1...70, using: &rng), inH = Int.random(in: 1...40, using: &rng)
        let outW = Int.random(in: 1...90, using: &rng), outH = Int.random(in: 1...50, using: &rng)
        if round % 2 == 0 {
            let img = (0..<(inW * inH)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            var out = [UInt8](repeating: 0, count: outW * outH)
            img.withUnsafeBufferPointer { i in out.withUnsafeMutableBufferPointer {
                resizeBilinear($0, width: outW, height: outH, i, width: inW, height: inH) } }
            let ref = ScalarReference.resizeBilinear(img.map(Double.init), width: inW, height: inH, toWidth: outW, height: outH)
            let expected = ref.map { UInt8(($0 + 0.5).rounded(.down)) }
            #expect(maxDifference(out, expected) <= 1, "round \(round) \(inW)x\(inH)→\(outW)x\(outH)")
        } else {
            let img = (0..<(inW * inH)).map { _ in Float.random(in: -1000...1000, using: &rng) }
            var out = [Float](repeating: .nan, count: outW * outH)
            img.withUnsafeBufferPointer { i in out.withUnsafeMutableBufferPointer {
                resizeBilinear($0, width: outW, height: outH, i, width: inW, height: inH) } }
            let ref = ScalarReference.resizeBilinear(img.map(Double.init), width: inW, height: inH, toWidth: outW, height: outH)
            #expect(zip(out, ref).allSatisfy { abs(Double($0) - $1) <= 1e-3 }, "round \(round)")
        }
    }
}

/// Same size is the identity, and a constant image stays constant at any size.
@Test func bilinearResizeInvariants() {
    let img = (0..<(37 * 11)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
    var same = [UInt8](repeating: 0, count: img.count)
    img.withUnsafeBufferPointer { i in same.withUnsafeMutableBufferPointer { resizeBilinear($0, width: 37, height: 11, i, width: 37, height: 11) } }
    #expect(same == img)
    let flat = [UInt8](repeating: 93, count: 50 * 20)
    var big = [UInt8](repeating: 0, count: 123 * 77)
    flat.withUnsafeBufferPointer { i in big.withUnsafeMutableBufferPointer { resizeBilinear($0, width: 123, height: 77, i, width: 50, height: 20) } }
    #expect(big.allSatisfy { $0 == 93 })
}
