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
        // A corrupt Number of Frames can make index × frame size overflow: treat as too short.
        let (startBit, overflow) = index.multipliedReportingOverflow(by: frameBits)
        guard !overflow, data.count >= (startBit + frameBits + 7) / 8 else {
            throw PixelDecodingError(
                .truncated(needed: (frameBits + 7) / 8, available: overflow ? 0 : max(0, data.count - startBit / 8)),
                frame: index)
        }
        if d.bitsAllocated == 1 { return unpackBits(data, startBit: startBit, count: frameBits) }

        let bytes = d.bitsAllocated / 8
        let count = frameBits / d.bitsAllocated
        let start = startBit / 8
        let highBit = min(max(d.highBit, d.bitsStored - 1), d.bitsAllocated - 1)
        // Move the high bit to bit 31, then shift back arithmetically (signed) or logically.
        let up = UInt32(31 - highBit), down = UInt32(32 - d.bitsStored)
        let signed = d.isSigned
        // Every element is written below, so skip zero-filling a frame-sized array first.
        let out = [Int32](unsafeUninitializedCapacity: count) { dst, initialized in
            initialized = count
            let src = UnsafeRawBufferPointer(rebasing: data[start..<(start + count * bytes)])
            switch bytes {
            case 1 where swapBytePairs:
                // 8-bit samples in an OW value of a big-endian file: each 16-bit word is swapped.
                for i in 0..<count {
                    let j = (start + i) ^ 1
                    dst[i] = extend(UInt32(j < data.count ? data[j] : 0), up, down, signed)
                }
            case 1: widen(dst, src, as: UInt8.self, bigEndian: false, up: up, down: down, signed: signed)
            case 2: widen(dst, src, as: UInt16.self, bigEndian: bigEndian, up: up, down: down, signed: signed)
            default: widen(dst, src, as: UInt32.self, bigEndian: bigEndian, up: up, down: down, signed: signed)
            }
        }
        if d.isSubsampled422 { return expand422(out, d) }
        if d.samplesPerPixel > 1 && d.planarConfiguration == 1 { return interleave(out, d) }
        return out
    }

    /// One loop per word size, byte order and signedness, so each is a straight loop the
    /// compiler vectorizes (shift left to drop bits above High Bit, shift right to drop those
    /// below the stored field and to sign-extend).
    @inline(__always)
    static func widen<W: FixedWidthInteger & UnsignedInteger>(
        _ dst: UnsafeMutableBufferPointer<Int32>, _ src: UnsafeRawBufferPointer, as: W.Type,
        bigEndian: Bool, up: UInt32, down: UInt32, signed: Bool
    ) {
        let n = dst.count
        guard n > 0, let s = src.baseAddress, let o = dst.baseAddress else { return }
        let size = MemoryLayout<W>.size
        switch (bigEndian, signed) {
        case (false, false):
            for i in 0..<n { o[i] = Int32(bitPattern: (UInt32(truncatingIfNeeded: W(littleEndian: s.loadUnaligned(fromByteOffset: i &* size, as: W.self))) &<< up) &>> down) }
        case (false, true):
            for i in 0..<n { o[i] = Int32(bitPattern: UInt32(truncatingIfNeeded: W(littleEndian: s.loadUnaligned(fromByteOffset: i &* size, as: W.self))) &<< up) &>> down }
        case (true, false):
            for i in 0..<n { o[i] = Int32(bitPattern: (UInt32(truncatingIfNeeded: W(bigEndian: s.loadUnaligned(fromByteOffset: i &* size, as: W.self))) &<< up) &>> down) }
        case (true, true):
            for i in 0..<n { o[i] = Int32(bitPattern: UInt32(truncatingIfNeeded: W(bigEndian: s.loadUnaligned(fromByteOffset: i &* size, as: W.self))) &<< up) &>> down }
        }
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
