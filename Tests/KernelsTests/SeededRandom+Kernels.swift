import TestSupport

/// Helpers on the shared seeded generator (TestSupport) for Kernels tests.
extension SeededRandom {
    /// Lengths around and between multiples of the 16-lane chunk, plus empty and tiny.
    mutating func length() -> Int {
        switch Int.random(in: 0..<4, using: &self) {
        case 0: return Int.random(in: 0...17, using: &self)
        case 1: return 16 * Int.random(in: 1...20, using: &self) + Int.random(in: -1...1, using: &self)
        default: return Int.random(in: 0...3000, using: &self)
        }
    }
}

/// Largest absolute difference between two byte arrays of equal length.
func maxDifference(_ a: [UInt8], _ b: [UInt8]) -> Int {
    zip(a, b).map { abs(Int($0) - Int($1)) }.max() ?? 0
}

extension SeededRandom {
    /// A matrix dimension: tile and block edges, primes and 1 as often as arbitrary sizes.
    mutating func dimension(upTo limit: Int = 300) -> Int {
        let special = [1, 2, 3, 5, 7, 8, 11, 12, 13, 16, 17, 31, 32, 33, 47, 48, 49, 61, 64, 127, 251, 256, 257, 293]
        if Bool.random(using: &self) { return special.filter { $0 <= limit }.randomElement(using: &self)! }
        return Int.random(in: 1...limit, using: &self)
    }

    /// `count` values uniform in −1…1.
    mutating func floats(_ count: Int) -> [Float] {
        (0..<count).map { _ in Float.random(in: -1...1, using: &self) }
    }
}

/// Whether `got` matches `expected` within `tolerance` of `scale` (the same sum over absolute
/// values, which bounds Float rounding; Higham's γ_k ≈ k·2⁻²⁴ for a k-term dot product).
func matches(_ got: [Float], _ expected: [Double], scale: [Double], tolerance: Double = 3e-5) -> Bool {
    guard got.count == expected.count else { return false }
    for i in got.indices where !(abs(Double(got[i]) - expected[i]) <= tolerance * scale[i] + 1e-6) { return false }
    return true
}
