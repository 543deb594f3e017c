/// Renders phantoms to stored pixel values (16-bit, little-endian order handled by the writer).
enum PhantomRenderer {
    /// A frontal chest radiograph. Values model attenuation (bright bone, dark lungs) in
    /// MONOCHROME2 sense; MONOCHROME1 images store the inverse, as CR plates often do.
    static func radiograph(
        _ anatomy: ChestAnatomy, nodules: [Nodule], size: Int, spacing: Double, bitsStored: Int,
        monochrome1: Bool, noiseSeed: UInt64
    ) -> [UInt16] {
        var rng = SampleRandom(seed: noiseSeed)
        let maxValue = Double((1 << bitsStored) - 1)
        var pixels = [UInt16](repeating: 0, count: size * size)
        let half = Double(size - 1) / 2
        for row in 0..<size {
            let y = (Double(row) - half) * spacing
            for col in 0..<size {
                let x = (Double(col) - half) * spacing
                var v = 0.04
                let wb = anatomy.body.weight(x, y, edge: 0.01)
                if wb > 0 {
                    var tissue = 0.5
                    tissue += 0.2 * anatomy.spine.weight(x, y, edge: 0.08)
                    var lungWeight = 0.0
                    for lung in anatomy.lungs { lungWeight = max(lungWeight, lung.weight(x, y, edge: 0.04)) }
                    if lungWeight > 0, let heart = anatomy.heart { lungWeight *= 1 - heart.weight(x, y, edge: 0.05) }
                    if lungWeight > 0 {
                        var lungValue = 0.18
                        for nodule in nodules { lungValue += 0.26 * nodule.weight(x, y, nodule.z) }
                        tissue = tissue * (1 - lungWeight) + lungValue * lungWeight
                    }
                    var rib = 0.0
                    for r in anatomy.ribs { rib = max(rib, r.weight(x, y)) }
                    tissue += 0.09 * rib * wb
                    v = v * (1 - wb) + tissue * wb
                }
                v = v * anatomy.gain + 0.012 * rng.normal()
                if monochrome1 { v = 1 - v }
                pixels[row * size + col] = quantize(v * maxValue, max: maxValue)
            }
        }
        return pixels
    }

    struct AxialScale {
        var air: Double, body: Double, lung: Double, bone: Double, nodule: Double, noise: Double
        var offset: Double, maxStored: Double
        /// CT numbers are calibrated (air stays −1000 HU); MR intensities vary by scanner.
        var varyGain: Bool
        /// CT in HU, stored with Rescale Intercept −1024.
        static let ct = AxialScale(
            air: -1000, body: 40, lung: -840, bone: 650, nodule: 30, noise: 12, offset: 1024, maxStored: 4095, varyGain: false)
        /// MR in arbitrary units (T2-like: lungs dark, soft tissue and nodule bright).
        static let mr = AxialScale(
            air: 5, body: 700, lung: 60, bone: 260, nodule: 640, noise: 15, offset: 0, maxStored: 4095, varyGain: true)
    }

    /// One axial slice at height `z` of a CT or MR volume.
    static func axial(
        _ anatomy: ChestAnatomy, nodules: [Nodule], size: Int, spacing: Double, z: Double, scale: AxialScale,
        noiseSeed: UInt64
    ) -> [UInt16] {
        var rng = SampleRandom(seed: noiseSeed)
        var pixels = [UInt16](repeating: 0, count: size * size)
        let half = Double(size - 1) / 2
        let lungScale = anatomy.lungScale(atZ: z)
        let lungs = anatomy.lungs.map { $0.scaled(lungScale) }
        let live = nodules.filter { abs($0.z - z) < $0.radius * 1.75 }
        for row in 0..<size {
            let y = (Double(row) - half) * spacing
            for col in 0..<size {
                let x = (Double(col) - half) * spacing
                var v = scale.air
                let wb = anatomy.body.weight(x, y, edge: 0.01)
                if wb > 0 {
                    var tissue = scale.body
                    let bone = anatomy.spine.weight(x, y, edge: 0.06)
                    tissue = tissue * (1 - bone) + scale.bone * bone
                    var lungWeight = 0.0
                    if lungScale > 0 { for lung in lungs { lungWeight = max(lungWeight, lung.weight(x, y, edge: 0.04)) } }
                    if lungWeight > 0 {
                        var lungValue = scale.lung
                        for nodule in live {
                            let w = nodule.weight(x, y, z)
                            lungValue = lungValue * (1 - w) + scale.nodule * w
                        }
                        tissue = tissue * (1 - lungWeight) + lungValue * lungWeight
                    }
                    v = v * (1 - wb) + tissue * wb
                }
                if scale.varyGain { v *= anatomy.gain }
                v += scale.noise * rng.normal() + scale.offset
                pixels[row * size + col] = quantize(v, max: scale.maxStored)
            }
        }
        return pixels
    }

    static func quantize(_ v: Double, max: Double) -> UInt16 {
        if !(v > 0) { return 0 }
        if v >= max { return UInt16(max) }
        return UInt16(v.rounded())
    }
}
