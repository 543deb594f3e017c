import Foundation
import TestSupport

/// Helpers on the shared seeded generator (TestSupport) for pixel tests.
extension SeededRandom {
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
