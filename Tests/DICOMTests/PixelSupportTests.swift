import Foundation

/// Seeded SplitMix64, so a failing pixel case can be replayed from its seed.
struct PixelTestRandom: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Bytes with runs of equal values mixed in, so both PackBits run kinds occur.
    mutating func runnyBytes(_ count: Int) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(count)
        while out.count < count {
            let len = Int.random(in: 1...200, using: &self)
            if Bool.random(using: &self) {
                out.append(contentsOf: repeatElement(UInt8.random(in: 0...255, using: &self), count: len))
            } else {
                for _ in 0..<len { out.append(UInt8.random(in: 0...255, using: &self)) }
            }
        }
        return Array(out.prefix(count))
    }
}
