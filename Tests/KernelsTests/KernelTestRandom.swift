/// Seeded SplitMix64 so a failing property case can be replayed from its seed.
struct KernelTestRandom: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

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
