/// SplitMix64 (Steele, Lea & Flood 2014): seeds streams and hashes (seed, site, study, slice)
/// into independent ones, so adding a study never changes the pixels of another.
struct SplitMix64 {
    private(set) var state: UInt64

    init(_ seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A well-mixed 64-bit key for a path of integers.
    static func key(_ parts: UInt64...) -> UInt64 {
        var mix = SplitMix64(0x5EED_5A3B_1E00_0001)
        var acc: UInt64 = 0
        for part in parts {
            mix = SplitMix64(mix.next() ^ part)
            acc = mix.next()
        }
        return acc
    }
}

/// xoshiro256** (Blackman & Vigna): the per-image stream. Only integer and basic IEEE
/// arithmetic is used downstream, so the same seed gives the same bytes on every platform.
struct SampleRandom {
    private var s: (UInt64, UInt64, UInt64, UInt64)

    init(seed: UInt64) {
        var sm = SplitMix64(seed)
        s = (sm.next(), sm.next(), sm.next(), sm.next())
    }

    mutating func next() -> UInt64 {
        let result = rotl(s.1 &* 5, 7) &* 9
        let t = s.1 << 17
        s.2 ^= s.0
        s.3 ^= s.1
        s.1 ^= s.2
        s.0 ^= s.3
        s.2 ^= t
        s.3 = rotl(s.3, 45)
        return result
    }

    /// Uniform in [0, 1) with 53 random bits.
    mutating func unit() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    mutating func uniform(_ low: Double, _ high: Double) -> Double { low + (high - low) * unit() }

    /// Uniform integer in `range`.
    mutating func int(_ range: ClosedRange<Int>) -> Int {
        let span = UInt64(range.upperBound - range.lowerBound + 1)
        return range.lowerBound + Int(next() % span)
    }

    mutating func chance(_ p: Double) -> Bool { unit() < p }

    /// Approximately standard normal (Irwin–Hall of four uniforms): no libm, so no
    /// platform-dependent rounding; the tails are short, which suits image noise.
    mutating func normal() -> Double {
        let sum = unit() + unit() + unit() + unit()
        return (sum - 2) * 1.7320508075688772
    }

    private func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }
}

/// exp(x) for x ≤ 0 from basic arithmetic only (range reduction by halving, then a Taylor
/// series and squaring), so Gaussian edges are bit-identical across libm implementations.
func portableExp(_ x: Double) -> Double {
    if x >= 0 { return 1 }
    if x < -40 { return 0 }
    var r = x
    var halvings = 0
    while r < -0.125 {
        r *= 0.5
        halvings += 1
    }
    var term = 1.0
    var sum = 1.0
    for n in 1...10 {
        term *= r / Double(n)
        sum += term
    }
    for _ in 0..<halvings { sum *= sum }
    return sum
}
