/// An axis-aligned ellipse in millimetres, with a soft edge so the phantom has no aliasing.
struct Ellipse: Sendable {
    var cx: Double, cy: Double, ax: Double, ay: Double

    /// 1 well inside, 0 well outside, a smoothstep across ±`edge` of the normalized radius.
    func weight(_ x: Double, _ y: Double, edge: Double = 0.03) -> Double {
        guard ax > 0, ay > 0 else { return 0 }
        let dx = (x - cx) / ax, dy = (y - cy) / ay
        let d2 = dx * dx + dy * dy
        let lo = (1 - edge) * (1 - edge), hi = (1 + edge) * (1 + edge)
        if d2 <= lo { return 1 }
        if d2 >= hi { return 0 }
        let t = (hi - d2) / (hi - lo)
        return t * t * (3 - 2 * t)
    }

    func scaled(_ s: Double) -> Ellipse { Ellipse(cx: cx, cy: cy, ax: ax * s, ay: ay * s) }
}

/// A round nodule: a disc (or a sphere in CT/MR) with a Gaussian edge. `radius` is where
/// the profile has fallen to exp(-1/2); the solid core ends a quarter-radius earlier.
struct Nodule: Sendable {
    var x: Double, y: Double, z: Double
    var radius: Double

    func weight(_ px: Double, _ py: Double, _ pz: Double) -> Double {
        let dx = px - x, dy = py - y, dz = pz - z
        let r2 = dx * dx + dy * dy + dz * dz
        let sigma = radius * 0.25
        let core = radius - sigma
        let outer = radius + 3 * sigma
        if r2 >= outer * outer { return 0 }
        if r2 <= core * core { return 1 }
        let over = r2.squareRoot() - core
        return portableExp(-(over * over) / (2 * sigma * sigma))
    }
}

/// One rib seen on a frontal radiograph: a parabolic band across one lung.
struct Rib: Sendable {
    var x0: Double, x1: Double, y: Double, curvature: Double, thickness: Double

    func weight(_ px: Double, _ py: Double) -> Double {
        guard px >= x0, px <= x1 else { return 0 }
        let mid = (x0 + x1) / 2
        let centre = y + curvature * (px - mid) * (px - mid)
        let d = abs(py - centre) / (thickness / 2)
        return d >= 1 ? 0 : 1 - d * d
    }
}

/// Chest anatomy drawn from a study's random stream; coordinates in mm from the image centre
/// (x to the image's right, y down), z along the patient axis for cross-sections.
struct ChestAnatomy: Sendable {
    var body: Ellipse
    var lungs: [Ellipse]
    var spine: Ellipse
    /// The heart shadow on radiographs; it hides the lung behind it.
    var heart: Ellipse?
    var ribs: [Rib]
    /// Cranio-caudal extent of the lungs (cross-sections): centre and half-length.
    var lungZ: Double, lungHalfLength: Double
    var gain: Double

    static func frontal(_ rng: inout SampleRandom) -> ChestAnatomy {
        let body = Ellipse(
            cx: rng.uniform(-6, 6), cy: rng.uniform(10, 30), ax: rng.uniform(160, 185), ay: rng.uniform(215, 240))
        let lungWidth = rng.uniform(52, 62), lungHeight = rng.uniform(110, 130)
        let right = Ellipse(
            cx: body.cx - rng.uniform(70, 82), cy: rng.uniform(-25, -5), ax: lungWidth, ay: lungHeight)
        let left = Ellipse(
            cx: body.cx + rng.uniform(70, 82), cy: rng.uniform(-20, 0), ax: lungWidth * rng.uniform(0.9, 1),
            ay: lungHeight * rng.uniform(0.93, 1))
        var ribs: [Rib] = []
        let ribSpacing = rng.uniform(22, 27)
        for lung in [right, left] {
            let top = lung.cy - lung.ay - 5
            for k in 0..<10 {
                ribs.append(
                    Rib(x0: lung.cx - lung.ax - 10, x1: lung.cx + lung.ax + 10, y: top + Double(k) * ribSpacing,
                        curvature: -0.004, thickness: rng.uniform(8, 11)))
            }
        }
        let spine = Ellipse(cx: body.cx, cy: body.cy, ax: rng.uniform(18, 24), ay: body.ay * 1.2)
        let heart = Ellipse(
            cx: body.cx + rng.uniform(20, 35), cy: left.cy + left.ay * rng.uniform(0.45, 0.6),
            ax: rng.uniform(60, 72), ay: rng.uniform(48, 58))
        return ChestAnatomy(
            body: body, lungs: [right, left], spine: spine, heart: heart, ribs: ribs, lungZ: 0, lungHalfLength: 0,
            gain: rng.uniform(0.92, 1.08))
    }

    static func axial(_ rng: inout SampleRandom) -> ChestAnatomy {
        let body = Ellipse(cx: rng.uniform(-5, 5), cy: rng.uniform(-5, 5), ax: rng.uniform(150, 170), ay: rng.uniform(105, 120))
        let lungAx = rng.uniform(50, 60), lungAy = rng.uniform(68, 80)
        let right = Ellipse(cx: body.cx - rng.uniform(72, 82), cy: body.cy - rng.uniform(0, 10), ax: lungAx, ay: lungAy)
        let left = Ellipse(
            cx: body.cx + rng.uniform(72, 82), cy: body.cy - rng.uniform(0, 10), ax: lungAx * rng.uniform(0.9, 1),
            ay: lungAy)
        let spine = Ellipse(cx: body.cx, cy: body.cy + body.ay - rng.uniform(28, 34), ax: 17, ay: 17)
        return ChestAnatomy(
            body: body, lungs: [right, left], spine: spine, heart: nil, ribs: [], lungZ: rng.uniform(-10, 10),
            lungHalfLength: rng.uniform(135, 150), gain: rng.uniform(0.95, 1.05))
    }

    /// Whether a disc of `radius` at (x, y) stays clear of the heart shadow.
    func clearOfHeart(_ x: Double, _ y: Double, radius: Double) -> Bool {
        guard let heart else { return true }
        let grown = Ellipse(cx: heart.cx, cy: heart.cy, ax: heart.ax + 2 * radius, ay: heart.ay + 2 * radius)
        return grown.weight(x, y, edge: 0) == 0
    }

    /// How much the lungs shrink at height z (a rounded apex and base).
    func lungScale(atZ z: Double) -> Double {
        let t = (z - lungZ) / lungHalfLength
        let s = 1 - t * t
        return s <= 0 ? 0 : s.squareRoot()
    }
}

/// Picks nodule centres on whole pixels inside a lung so ground truth is exact.
struct NodulePlacer {
    var size: Int
    var spacing: Double

    func mm(_ pixel: Int) -> Double { (Double(pixel) - Double(size - 1) / 2) * spacing }
    func pixel(_ mm: Double) -> Int { Int((mm / spacing + Double(size - 1) / 2).rounded()) }

    /// Radius at least 3 pixels so small profiles still show the nodule.
    func radius(_ rng: inout SampleRandom) -> Double {
        max(rng.uniform(4, 12), 3 * spacing)
    }

    func place(in lung: Ellipse, radius: Double, _ rng: inout SampleRandom) -> (x: Int, y: Int) {
        // Keep the whole nodule inside the lung: shrink the lung by the radius and pick inside.
        let ax = max(lung.ax - radius * 1.6, 1), ay = max(lung.ay - radius * 1.6, 1)
        // A direction from a point of the square pulled onto the disc (no trigonometry, so the
        // same on every libm), then a distance out to 3/4 of the shrunken lung.
        let v = rng.uniform(0, 1)
        let rho = rng.uniform(0, 0.75)
        var ux = rng.uniform(-1, 1), uy = v * 2 - 1
        let n = (ux * ux + uy * uy).squareRoot()
        if n > 1 { ux /= n; uy /= n }
        return (pixel(lung.cx + ux * rho * ax), pixel(lung.cy + uy * rho * ay))
    }
}
