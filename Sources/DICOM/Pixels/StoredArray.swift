/// Decoded stored values as a NumPy `.npy` array — what pydicom's `pixel_array` gives: shape
/// (frames, rows, columns[, samples]), dtype from Bits Allocated and Pixel Representation
/// (1-bit data as uint8), values before any LUT, YBR_FULL and YBR_FULL_422 converted to RGB with
/// pydicom's float matrix (its default `as_rgb`).
public enum StoredArray {
    public static func npy(_ file: DICOMFile, frames: [Int]? = nil, limits: PixelLimits = .default) throws -> [UInt8] {
        let d = file.pixelDescription
        do { try d.check(limits) } catch let e as PixelDecodingError { throw PixelDecodingError(e.code, frame: frames?.first) }
        let indexes = frames ?? Array(0..<d.numberOfFrames)
        let decoded = try indexes.map { try file.decodeFrame($0, limits: limits) }
        return npy(decoded, d)
    }

    /// The array of already decoded frames of one image.
    public static func npy(_ frames: [PixelFrame], _ d: PixelDescription) -> [UInt8] {
        let bits = d.bitsAllocated <= 8 ? 8 : d.bitsAllocated <= 16 ? 16 : 32
        let signed = d.isSigned && d.bitsAllocated > 1
        let descr = (bits == 8 ? "|" : "<") + (signed ? "i" : "u") + String(bits / 8)
        var shape = [frames.count, d.rows, d.columns]
        if d.samplesPerPixel > 1 { shape.append(d.samplesPerPixel) }
        let dims = shape.map(String.init).joined(separator: ", ")
        var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': (\(dims)), }"
        let total = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - total % 64) % 64) + "\n"
        var out: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0]
        out.append(contentsOf: [UInt8(header.utf8.count & 0xFF), UInt8(header.utf8.count >> 8)])
        out.append(contentsOf: Array(header.utf8))
        let perFrame = d.pixelsPerFrame * d.samplesPerPixel
        out.reserveCapacity(out.count + frames.count * perFrame * bits / 8)
        for frame in frames {
            var samples = frame.samples
            let pi = frame.description.photometricInterpretation
            if d.samplesPerPixel == 3 && (pi == "YBR_FULL" || pi == "YBR_FULL_422") {
                samples = ColorConversion.ybrFullToRGB(samples, count: d.pixelsPerFrame, shift: 0).map(Int32.init)
            }
            let count = min(samples.count, perFrame)
            for v in samples.prefix(count) {
                let u = UInt32(bitPattern: v)
                out.append(UInt8(truncatingIfNeeded: u))
                if bits >= 16 { out.append(UInt8(truncatingIfNeeded: u >> 8)) }
                if bits == 32 { out.append(UInt8(truncatingIfNeeded: u >> 16)); out.append(UInt8(truncatingIfNeeded: u >> 24)) }
            }
            // A short frame (never expected) is padded so the array keeps its declared shape.
            for _ in count..<perFrame { out.append(contentsOf: repeatElement(0, count: bits / 8)) }
        }
        return out
    }
}
