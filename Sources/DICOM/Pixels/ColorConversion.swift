// Colour frames → 8-bit RGB: RGB scaled to 8 bits, YBR_FULL by PS3.3 C.7.6.3.1.2 (the same
// float32 matrix and round-half-up pydicom uses), PALETTE COLOR through its LUT.

enum ColorConversion {
    static func rgb8(_ samples: [Int32], _ d: PixelDescription) throws -> [UInt8] {
        let n = d.pixelsPerFrame
        // The photometric interpretation says how many samples each pixel has; a header whose
        // Samples per Pixel disagrees leaves too few samples to index.
        let perPixel = d.photometricInterpretation == "PALETTE COLOR" ? 1 : 3
        guard d.samplesPerPixel == perPixel, samples.count >= n * perPixel else {
            throw PixelDecodingError(.badAttribute("Samples per Pixel (0028,0002) for \(d.photometricInterpretation)"))
        }
        switch d.photometricInterpretation {
        case "RGB":
            let shift = UInt32(max(0, d.bitsStored - 8))
            if d.isSigned { return samples.prefix(n * 3).map { UInt8(clamping: $0 >> Int32(shift)) } }
            return samples.prefix(n * 3).map { UInt8(clamping: UInt32(bitPattern: $0) >> shift) }
        case "YBR_FULL", "YBR_FULL_422":
            return ybrFullToRGB(samples, count: n, shift: Int32(max(0, d.bitsStored - 8)))
        case "PALETTE COLOR":
            guard let lut = d.palette, lut.entries > 0 else {
                throw PixelDecodingError(.badAttribute("Palette Color Lookup Table (0028,1101-1203)"))
            }
            let r = lut.channel8(lut.red), g = lut.channel8(lut.green), b = lut.channel8(lut.blue)
            guard r.count == lut.entries, g.count == lut.entries, b.count == lut.entries else {
                throw PixelDecodingError(.badAttribute("Palette Color Lookup Table Data (0028,1201-1203)"))
            }
            var out = [UInt8](repeating: 0, count: n * 3)
            for p in 0..<n {
                let i = min(max(Int(samples[p]) - lut.firstMapped, 0), lut.entries - 1)
                out[3 * p] = r[i]; out[3 * p + 1] = g[i]; out[3 * p + 2] = b[i]
            }
            return out
        default:
            throw PixelDecodingError(.unsupported("Photometric Interpretation \(d.photometricInterpretation) as colour"))
        }
    }

    static func ybrFullToRGB(_ s: [Int32], count n: Int, shift: Int32) -> [UInt8] {
        let gb: Float = -0.114 * 1.772 / 0.587, gr: Float = -0.299 * 1.402 / 0.587
        var out = [UInt8](repeating: 0, count: n * 3)
        for p in 0..<n {
            let y = Float(s[3 * p] >> shift), cb = Float(s[3 * p + 1] >> shift) - 128
            let cr = Float(s[3 * p + 2] >> shift) - 128
            let rgb = (y + 1.402 * cr, y + gb * cb + gr * cr, y + 1.772 * cb)
            out[3 * p] = clamp8(rgb.0); out[3 * p + 1] = clamp8(rgb.1); out[3 * p + 2] = clamp8(rgb.2)
        }
        return out
    }

    @inline(__always) static func clamp8(_ v: Float) -> UInt8 {
        UInt8(min(max((v + 0.5).rounded(.down), 0), 255))
    }
}
