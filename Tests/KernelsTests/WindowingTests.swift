import Foundation
import Testing
import TestSupport
@testable import Kernels

private func vectorWindow<T>(_ input: [T], slope: Double, intercept: Double, window: VOIWindow, invert: Bool,
                             _ kernel: (UnsafeMutableBufferPointer<UInt8>, UnsafeBufferPointer<T>, Double, Double, VOIWindow, Bool) -> Void) -> [UInt8] {
    var out = [UInt8](repeating: 7, count: input.count)
    input.withUnsafeBufferPointer { inBuf in
        out.withUnsafeMutableBufferPointer { kernel($0, inBuf, slope, intercept, window, invert) }
    }
    return out
}

private func randomWindow(_ rng: inout SeededRandom, around range: ClosedRange<Double>) -> VOIWindow {
    let function = VOIFunction.allCases.randomElement(using: &rng)!
    let span = range.upperBound - range.lowerBound
    let center = Double.random(in: range, using: &rng).rounded()
    var width = Double.random(in: 1...max(2, span), using: &rng).rounded()
    if Int.random(in: 0..<10, using: &rng) == 0 { width = 1 }     // LINEAR's degenerate step
    return VOIWindow(center: center, width: width, function: function)
}

/// Property: for any length (tails included), type, rescale, window and function, the vector
/// kernel matches the plain formula within one grey level (float vs double rounding at .5).
@Test func windowingMatchesScalarReference() {
    var rng = SeededRandom(seed: 42)
    for round in 0..<300 {
        let n = rng.length()
        let slope = [1.0, 0.5, 2.0, -1.0, 0.003].randomElement(using: &rng)!
        let intercept = [0.0, -1024, 100.5].randomElement(using: &rng)!
        let invert = Bool.random(using: &rng)
        var expected: [UInt8] = [], got: [UInt8] = []
        switch round % 4 {
        case 0:
            let v = (0..<n).map { _ in Int16.random(in: .min ... .max, using: &rng) }
            let w = randomWindow(&rng, around: (-3000 * abs(slope) + intercept)...(3000 * abs(slope) + intercept))
            expected = ScalarReference.windowTo8Bit(v, slope: slope, intercept: intercept, window: w, invert: invert)
            got = vectorWindow(v, slope: slope, intercept: intercept, window: w, invert: invert) {
                windowTo8Bit($0, $1, slope: $2, intercept: $3, window: $4, invert: $5) }
        case 1:
            let v = (0..<n).map { _ in UInt16.random(in: 0...4095, using: &rng) }
            let w = randomWindow(&rng, around: (intercept - 4095 * abs(slope))...(intercept + 4095 * abs(slope)))
            expected = ScalarReference.windowTo8Bit(v, slope: slope, intercept: intercept, window: w, invert: invert)
            got = vectorWindow(v, slope: slope, intercept: intercept, window: w, invert: invert) {
                windowTo8Bit($0, $1, slope: $2, intercept: $3, window: $4, invert: $5) }
        case 2:
            let v = (0..<n).map { _ in Int32.random(in: -100_000...100_000, using: &rng) }
            let w = randomWindow(&rng, around: (intercept - 1e5 * abs(slope))...(intercept + 1e5 * abs(slope)))
            expected = ScalarReference.windowTo8Bit(v, slope: slope, intercept: intercept, window: w, invert: invert)
            got = vectorWindow(v, slope: slope, intercept: intercept, window: w, invert: invert) {
                windowTo8Bit($0, $1, slope: $2, intercept: $3, window: $4, invert: $5) }
        default:
            let v = (0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let w = randomWindow(&rng, around: (intercept - 255 * abs(slope))...(intercept + 255 * abs(slope)))
            expected = ScalarReference.windowTo8Bit(v, slope: slope, intercept: intercept, window: w, invert: invert)
            got = vectorWindow(v, slope: slope, intercept: intercept, window: w, invert: invert) {
                windowTo8Bit($0, $1, slope: $2, intercept: $3, window: $4, invert: $5) }
        }
        #expect(got.count == expected.count)
        #expect(maxDifference(got, expected) <= 1, "round \(round) length \(n)")
    }
}

/// The clamped ends are exact: values far outside the window give exactly 0 and 255.
@Test func windowingEndsAreExact() {
    let v: [Int16] = [-2000, -1001, 999, 3000] + [Int16](repeating: 40, count: 17)
    for function in VOIFunction.allCases where function != .sigmoid {
        let w = VOIWindow(center: 40, width: 400, function: function)
        let out = vectorWindow(v, slope: 1, intercept: 0, window: w, invert: false) {
            windowTo8Bit($0, $1, slope: $2, intercept: $3, window: $4, invert: $5) }
        #expect(out[0] == 0 && out[1] == 0 && out[2] == 255 && out[3] == 255)
        // Centre of the window sits at mid-grey (127.5 rounds up for LINEAR at x = c).
        #expect(out[4...].allSatisfy { $0 == 128 || $0 == 127 })
        let inverted = vectorWindow(v, slope: 1, intercept: 0, window: w, invert: true) {
            windowTo8Bit($0, $1, slope: $2, intercept: $3, window: $4, invert: $5) }
        #expect(zip(out, inverted).allSatisfy { Int($0) + Int($1) == 255 })
    }
}

@Test func floatInputWindowingMatchesReference() {
    var rng = SeededRandom(seed: 5)
    for _ in 0..<50 {
        let n = rng.length()
        let v = (0..<n).map { _ in Float(Int.random(in: -2000...2000, using: &rng)) }
        let w = randomWindow(&rng, around: -2000...2000)
        let expected = v.map { x -> UInt8 in UInt8((ScalarReference.window(Double(x), w) + 0.5).rounded(.down)) }
        let got = vectorWindow(v, slope: 1, intercept: 0, window: w, invert: false) {
            windowTo8Bit($0, $1, slope: $2, intercept: $3, window: $4, invert: $5) }
        #expect(maxDifference(got, expected) <= 1)
    }
}

@Test func vectorExpIsAccurate() {
    var x = SIMD16<Float>()
    for start in stride(from: -85.0, to: 85.0, by: 0.37) {
        for k in 0..<16 { x[k] = Float(start + Double(k) * 0.023) }
        let e = vectorExp(x)
        for k in 0..<16 {
            let truth = Float(Foundation.exp(Double(x[k])))
            #expect(abs(e[k] - truth) <= truth * 1e-5, "exp(\(x[k]))")
        }
    }
    // Beyond Float's normal range the result saturates instead of turning into NaN.
    let far = vectorExp(SIMD16<Float>(repeating: -500)), near = vectorExp(SIMD16<Float>(repeating: 500))
    #expect(far[0] >= 0 && far[0] < 1e-37 && near[0] > 1e37 && near[0].isFinite)
}

/// ReLU in place: negatives to zero, everything else kept — NaN too, in the SIMD lanes and in
/// the scalar tail alike (a fused conv ReLU keeps it as well), on one thread or several.
@Test func reluKeepsNaNAndZeroesNegativesEverywhere() {
    for count in [3, 16, 19, 70_001] {
        var values: [Float] = []
        for i in 0..<count {
            let x = Float(i)
            if i % 5 == 0 { values.append(-x - 1) } else if i % 7 == 3 { values.append(.nan) } else { values.append(x) }
        }
        let expected: [Float] = values.map { $0 < 0 ? 0 : $0 }
        for threads in [1, 2] {
            var copy = values
            copy.withUnsafeMutableBufferPointer { reluInPlace($0, threads: threads) }
            #expect(zip(copy, expected).allSatisfy { $0.isNaN ? $1.isNaN : $0 == $1 }, "count \(count), \(threads) thread(s)")
        }
        values.withUnsafeMutableBufferPointer { reluInPlace($0) }
        let nans = values.filter { $0.isNaN }.count, expectedNaNs = expected.filter { $0.isNaN }.count
        #expect(nans == expectedNaNs && !values.contains { $0 < 0 })
    }
}
