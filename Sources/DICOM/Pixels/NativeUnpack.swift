// Native (uncompressed) Pixel Data → Int32 samples, PS3.5 8.1.1 and 8.2: little-endian words of
// Bits Allocated, the value in bits HighBit−BitsStored+1 … HighBit, two's complement when Pixel
// Representation is 1. Bits outside the stored range are ignored (they may hold overlays).

enum NativeUnpack {
    /// One frame's samples, interleaved per pixel. `data` is the whole Pixel Data value.
    static func frame(
        _ index: Int, in data: UnsafeRawBufferPointer, _ d: PixelDescription, bigEndian: Bool,
        swapBytePairs: Bool = false
    ) throws -> [Int32] {
        try d.validate()
        guard index >= 0, index < d.numberOfFrames else {
            throw PixelDecodingError(.frameOutOfRange(count: d.numberOfFrames), frame: index)
        }
        let frameBits = d.bitsPerFrame
        let startBit = index * frameBits
        let neededBytes = (startBit + frameBits + 7) / 8
        guard data.count >= neededBytes else {
            throw PixelDecodingError(
                .truncated(needed: (frameBits + 7) / 8, available: max(0, data.count - startBit / 8)),
                frame: index)
        }
        if d.bitsAllocated == 1 { return unpackBits(data, startBit: startBit, count: frameBits) }

        let bytes = d.bitsAllocated / 8
        let count = frameBits / d.bitsAllocated
        let start = startBit / 8
        var out = [Int32](repeating: 0, count: count)
        let highBit = min(max(d.highBit, d.bitsStored - 1), d.bitsAllocated - 1)
        // Move the high bit to bit 31, then shift back arithmetically (signed) or logically.
        let up = UInt32(31 - highBit), down = UInt32(32 - d.bitsStored)
        let signed = d.isSigned
        out.withUnsafeMutableBufferPointer { dst in
            let base = data.baseAddress! + start
            switch (bytes, bigEndian) {
            case (1, _) where swapBytePairs:
                // 8-bit samples in an OW value of a big-endian file: each 16-bit word is swapped.
                for i in 0..<count {
                    let j = (start + i) ^ 1
                    let raw = j < data.count ? data[j] : 0
                    dst[i] = extend(UInt32(raw), up, down, signed)
                }
            case (1, _):
                for i in 0..<count { dst[i] = extend(UInt32(base.load(fromByteOffset: i, as: UInt8.self)), up, down, signed) }
            case (2, false):
                for i in 0..<count {
                    let raw = UInt16(littleEndian: base.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
                    dst[i] = extend(UInt32(raw), up, down, signed)
                }
            case (2, true):
                for i in 0..<count {
                    let raw = UInt16(bigEndian: base.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
                    dst[i] = extend(UInt32(raw), up, down, signed)
                }
            case (_, false):
                for i in 0..<count {
                    dst[i] = extend(UInt32(littleEndian: base.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)), up, down, signed)
                }
            case (_, true):
                for i in 0..<count {
                    dst[i] = extend(UInt32(bigEndian: base.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)), up, down, signed)
                }
            }
        }
        if d.isSubsampled422 { return expand422(out, d) }
        if d.samplesPerPixel > 1 && d.planarConfiguration == 1 { return interleave(out, d) }
        return out
    }

    /// Unsigned 32-bit values above Int32.max keep their bit pattern (documented on PixelFrame).
    @inline(__always)
    static func extend(_ raw: UInt32, _ up: UInt32, _ down: UInt32, _ signed: Bool) -> Int32 {
        let top = raw << up
        return signed ? Int32(bitPattern: top) >> down : Int32(bitPattern: top >> down)
    }

    /// 1-bit data: least significant bit first within each byte (PS3.5 D.2).
    static func unpackBits(_ data: UnsafeRawBufferPointer, startBit: Int, count: Int) -> [Int32] {
        (0..<count).map { i in
            let bit = startBit + i
            return Int32((data[bit >> 3] >> UInt8(bit & 7)) & 1)
        }
    }

    /// Planar Configuration 1 (RRR…GGG…BBB…) → interleaved.
    static func interleave(_ planes: [Int32], _ d: PixelDescription) -> [Int32] {
        let n = d.pixelsPerFrame, s = d.samplesPerPixel
        var out = [Int32](repeating: 0, count: planes.count)
        for p in 0..<n { for c in 0..<s { out[p * s + c] = planes[c * n + p] } }
        return out
    }

    /// YBR_FULL_422 (Y1 Y2 Cb Cr per pixel pair, PS3.3 C.7.6.3.1.2) → Y Cb Cr per pixel.
    static func expand422(_ packed: [Int32], _ d: PixelDescription) -> [Int32] {
        var out = [Int32](repeating: 0, count: d.pixelsPerFrame * 3)
        var p = 0, i = 0
        while p < d.pixelsPerFrame, i + 3 < packed.count {
            let cb = packed[i + 2], cr = packed[i + 3]
            out[3 * p] = packed[i]; out[3 * p + 1] = cb; out[3 * p + 2] = cr
            if p + 1 < d.pixelsPerFrame {
                out[3 * p + 3] = packed[i + 1]; out[3 * p + 4] = cb; out[3 * p + 5] = cr
            }
            p += 2; i += 4
        }
        return out
    }
}
