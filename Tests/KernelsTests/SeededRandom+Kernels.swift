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
