/// Perceptually ordered colour maps for heatmaps (no rainbow "jet": it invents edges).
public enum ColorMap: String, Sendable, Codable, CaseIterable {
    /// Nine stops approximating matplotlib's `inferno` (black → purple → orange → pale yellow).
    case inferno

    private var stops: [(Double, Double, Double)] {
        switch self {
        case .inferno:
            [(0, 0, 4), (40, 11, 84), (101, 21, 110), (159, 42, 99), (212, 72, 66),
             (245, 125, 21), (250, 193, 39), (245, 251, 150), (252, 255, 164)]
        }
    }

    /// The colour at `value` (clamped to 0…1), linearly between the stops.
    public func rgb(_ value: Double) -> (UInt8, UInt8, UInt8) {
        let stops = self.stops
        let v = value.isNaN ? 0 : min(max(value, 0), 1)
        let position = v * Double(stops.count - 1)
        let i = min(Int(position), stops.count - 2)
        let t = position - Double(i)
        let a = stops[i], b = stops[i + 1]
        func mix(_ p: Double, _ q: Double) -> UInt8 { UInt8((p + (q - p) * t).rounded()) }
        return (mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
    }
}
