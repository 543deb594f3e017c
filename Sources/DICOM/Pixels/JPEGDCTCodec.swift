/// JPEG Baseline (Process 1, 8-bit) and Extended (Process 2 & 4, 8/12-bit), 1.2.840.10008.1.2.4.50
/// and .51: sequential Huffman-coded DCT (SOF0/SOF1), interleaved or not, with restart
/// intervals and chroma subsampling. Progressive and arithmetic-coded streams are refused by name.
///
/// Sluice's own decoder, not libjpeg-turbo: Debian's libjpeg-turbo is built 8-bit only, so the
/// 12-bit extended process needs another decoder anyway, and this one shares its marker,
/// Huffman and bit-stream code with the lossless process (see README, "Pixel decoding").
/// The inverse DCT is libjpeg's accurate integer transform on 8-lane SIMD vectors.
///
/// YCbCr frames come back as YBR_FULL with chroma upsampled (pydicom converts them to RGB
/// afterwards with the same float matrix as `ColorConversion`).
struct JPEGDCTCodec: FrameCodec {
    var name: String { "JPEG" }

    func decode(_ codeStream: UnsafeRawBufferPointer, _ d: PixelDescription) throws -> CodecFrame {
        var parser = try JPEGMarkerParser(codeStream)
        var planes: [ComponentPlane] = []
        var scans = 0
        while let (scan, dataStart) = try parser.nextScan() {
            guard let frame = parser.frame else { throw CodecError("scan before the frame header") }
            if planes.isEmpty {
                switch frame.process {
                case 0, 1: break
                case 2, 6, 10, 14: throw CodecError("progressive JPEG (SOF\(frame.process)) is not supported")
                case 3, 7, 11, 15: throw CodecError("lossless JPEG (SOF\(frame.process)) in a lossy transfer syntax")
                default: throw CodecError("arithmetic-coded or hierarchical JPEG (SOF\(frame.process)) is not supported")
                }
                guard frame.precision == 8 || frame.precision == 12 else {
                    throw CodecError("DCT sample precision \(frame.precision) (8 or 12 expected)")
                }
                try FrameCodecs.checkGeometry(width: frame.width, height: frame.height, components: frame.components.count,
                                              precision: frame.precision, d, maxPrecision: 12)
                planes = Self.allocatePlanes(frame)
            }
            guard scan.ss == 0, scan.se == 63, scan.ah == 0, scan.al == 0 else {
                throw CodecError("scan parameters Ss/Se/Ah/Al of a progressive stream")
            }
            var reader = JPEGBitReader(codeStream, from: dataStart)
            try Self.decodeScan(scan, frame: frame, parser: parser, planes: &planes, reader: &reader)
            try reader.checkNotCut()
            parser.skipEntropyData(from: reader.position)
            scans += 1
        }
        guard let frame = parser.frame, scans > 0 else { throw CodecError("no scan in the code stream") }
        let pi = parser.conformedPhotometric(d.photometricInterpretation, components: frame.components.count)
        return Self.output(frame, planes, photometric: pi)
    }

    /// One component's samples, padded to whole MCUs; `filled` tracks that a scan covered it.
    struct ComponentPlane {
        var width: Int, height: Int     // padded, in samples
        var blocksPerLine: Int, blocksPerColumn: Int
        var samples: [UInt16]
        var filled = false
    }

    static func allocatePlanes(_ f: JPEGFrame) -> [ComponentPlane] {
        let mcusX = (f.width + 8 * f.hMax - 1) / (8 * f.hMax), mcusY = (f.height + 8 * f.vMax - 1) / (8 * f.vMax)
        return f.components.map { c in
            let bpl = mcusX * c.h, bpc = mcusY * c.v
            return ComponentPlane(width: bpl * 8, height: bpc * 8, blocksPerLine: bpl, blocksPerColumn: bpc,
                                  samples: [UInt16](repeating: 0, count: bpl * 8 * bpc * 8))
        }
    }

    static func decodeScan(_ scan: JPEGScan, frame f: JPEGFrame, parser: JPEGMarkerParser, planes: inout [ComponentPlane],
                           reader: inout JPEGBitReader) throws {
        struct Unit {
            var plane: Int, h: Int, v: Int
            var dc: JPEGHuffmanTable, ac: JPEGHuffmanTable
            var quant: [Int32]
        }
        var units: [Unit] = []
        for s in scan.components {
            let c = f.components[s.index]
            guard let dc = parser.dcTables[s.dc], let ac = parser.acTables[s.ac] else {
                throw CodecError("scan uses a Huffman table that was not defined")
            }
            guard let q = parser.quantTables[c.quantTable] else {
                throw CodecError("component uses a quantization table that was not defined")
            }
            units.append(Unit(plane: s.index, h: c.h, v: c.v, dc: dc, ac: ac, quant: q))
        }
        let maxValue = (1 << f.precision) - 1, center = 1 << (f.precision - 1)
        var predictors = [Int](repeating: 0, count: units.count)
        var coefficients = [Int32](repeating: 0, count: 64)
        let interval = parser.restartInterval

        // The MCU grid: interleaved scans cover the frame in MCUs of every component's blocks;
        // a single-component scan goes block by block over that component's own extent.
        let single = units.count == 1
        let mcusX: Int, mcusY: Int
        if single {
            let c = f.components[units[0].plane]
            let w = (f.width * c.h + f.hMax - 1) / f.hMax, h = (f.height * c.v + f.vMax - 1) / f.vMax
            mcusX = (w + 7) / 8
            mcusY = (h + 7) / 8
        } else {
            mcusX = planes[units[0].plane].blocksPerLine / units[0].h
            mcusY = planes[units[0].plane].blocksPerColumn / units[0].v
        }
        var mcu = 0
        for my in 0..<mcusY {
            for mx in 0..<mcusX {
                if interval > 0 && mcu > 0 && mcu % interval == 0 {
                    try reader.restart()
                    for i in predictors.indices { predictors[i] = 0 }
                }
                mcu += 1
                for (u, unit) in units.enumerated() {
                    let bh = single ? 1 : unit.h, bv = single ? 1 : unit.v
                    for by in 0..<bv {
                        for bx in 0..<bh {
                            // Decode one block's coefficients (F.2.2), dequantized, natural order.
                            for k in 0..<64 { coefficients[k] = 0 }
                            let t = try reader.decode(unit.dc)
                            guard t <= 16 else { throw CodecError("DC difference category \(t) out of range") }
                            predictors[u] &+= reader.receiveExtend(t)
                            coefficients[0] = Int32(truncatingIfNeeded: predictors[u]) &* unit.quant[0]
                            var k = 1
                            var acNonZero = false
                            while k < 64 {
                                let rs = try reader.decode(unit.ac)
                                let r = rs >> 4, s = rs & 15
                                if s == 0 {
                                    if r != 15 { break }
                                    k += 16
                                    continue
                                }
                                k += r
                                guard k < 64 else { throw CodecError("AC coefficient run past the end of a block") }
                                let z = JPEGZigZag.natural[k]
                                coefficients[z] = Int32(truncatingIfNeeded: reader.receiveExtend(s)) &* unit.quant[z]
                                acNonZero = true
                                k += 1
                            }
                            let blockX = single ? mx : mx * unit.h + bx, blockY = single ? my : my * unit.v + by
                            let width = planes[unit.plane].width
                            planes[unit.plane].samples.withUnsafeMutableBufferPointer { plane in
                                let origin = blockY * 8 * width + blockX * 8
                                coefficients.withUnsafeBufferPointer { coef in
                                    if acNonZero {
                                        JPEGIDCT.inverse(coef, into: plane, origin: origin, stride: width,
                                                         precision: f.precision)
                                    } else {
                                        // What the full transform gives for a DC-only block.
                                        let v = UInt16(min(max(((Int(coef[0]) + 4) >> 3) + center, 0), maxValue))
                                        for y in 0..<8 { for x in 0..<8 { plane[origin + y * width + x] = v } }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        for unit in units { planes[unit.plane].filled = true }
    }

    /// Upsamples subsampled components as libjpeg(-turbo) does by default — its "fancy"
    /// triangle filter for 2:1 horizontally, vertically or both, replication otherwise (what
    /// pydicom's decoders return) — crops to the frame, and writes interleaved little-endian samples.
    static func output(_ f: JPEGFrame, _ planes: [ComponentPlane], photometric: String) -> CodecFrame {
        let n = f.components.count, width = f.width, height = f.height
        let bytesPerSample = f.precision <= 8 ? 1 : 2
        var out = [UInt8](repeating: 0, count: width * height * n * bytesPerSample)
        let hMax = f.hMax, vMax = f.vMax
        out.withUnsafeMutableBufferPointer { dst in
            for (c, comp) in f.components.enumerated() where planes[c].filled {
                let full = comp.h == hMax && comp.v == vMax
                let upsampled = full ? nil : upsample(planes[c], comp, hMax: hMax, vMax: vMax, width: width, height: height)
                let samples = upsampled?.samples ?? planes[c].samples
                let stride = upsampled?.width ?? planes[c].width
                samples.withUnsafeBufferPointer { src in
                    for y in 0..<height {
                        let row = y * stride
                        var o = y * width * n + c
                        if bytesPerSample == 1 {
                            for x in 0..<width { dst[o] = UInt8(truncatingIfNeeded: src[row + x]); o += n }
                        } else {
                            for x in 0..<width {
                                let v = src[row + x]
                                dst[2 * o] = UInt8(truncatingIfNeeded: v)
                                dst[2 * o + 1] = UInt8(truncatingIfNeeded: v >> 8)
                                o += n
                            }
                        }
                    }
                }
            }
        }
        // Chroma is upsampled above, so 4:2:2 data is now full YBR.
        let pi = photometric == "YBR_FULL_422" ? "YBR_FULL" : photometric
        return CodecFrame(bytes: out, bytesPerSample: bytesPerSample, photometricInterpretation: pi, precision: f.precision)
    }

    /// One component brought to the frame's full resolution (at least `width` × `height`).
    static func upsample(_ plane: ComponentPlane, _ comp: JPEGFrame.Component, hMax: Int, vMax: Int,
                         width: Int, height: Int) -> (samples: [UInt16], width: Int) {
        // The component's own extent (A.1.1), which is where libjpeg's edge handling stops.
        let cw = (width * comp.h + hMax - 1) / hMax, ch = (height * comp.v + vMax - 1) / vMax
        let fx = hMax / comp.h, fy = vMax / comp.v
        let exact = hMax % comp.h == 0 && vMax % comp.v == 0
        let outW = exact ? cw * fx : width, outH = exact ? ch * fy : height
        var out = [UInt16](repeating: 0, count: max(outW, width) * max(outH, height))
        let stride = max(outW, width)
        let s = plane.width
        plane.samples.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                func at(_ x: Int, _ y: Int) -> Int { Int(src[y * s + x]) }
                if exact && fx == 2 && fy == 1 && cw > 2 {
                    for y in 0..<ch {
                        let o = y * stride
                        dst[o] = UInt16(at(0, y)); dst[o + 1] = UInt16((at(0, y) * 3 + at(1, y) + 2) >> 2)
                        for i in 1..<(cw - 1) {
                            let c = at(i, y) * 3
                            dst[o + 2 * i] = UInt16((c + at(i - 1, y) + 1) >> 2)
                            dst[o + 2 * i + 1] = UInt16((c + at(i + 1, y) + 2) >> 2)
                        }
                        dst[o + 2 * cw - 2] = UInt16((at(cw - 1, y) * 3 + at(cw - 2, y) + 1) >> 2)
                        dst[o + 2 * cw - 1] = UInt16(at(cw - 1, y))
                    }
                } else if exact && fx == 1 && fy == 2 {
                    for y in 0..<ch {
                        for (half, neighbour, bias) in [(0, max(y - 1, 0), 1), (1, min(y + 1, ch - 1), 2)] {
                            let o = (2 * y + half) * stride
                            for x in 0..<cw { dst[o + x] = UInt16((at(x, y) * 3 + at(x, neighbour) + bias) >> 2) }
                        }
                    }
                } else if exact && fx == 2 && fy == 2 && cw > 2 {
                    for y in 0..<ch {
                        for (half, neighbour) in [(0, max(y - 1, 0)), (1, min(y + 1, ch - 1))] {
                            let o = (2 * y + half) * stride
                            func colsum(_ x: Int) -> Int { at(x, y) * 3 + at(x, neighbour) }
                            var this = colsum(0), next = colsum(1), last = this
                            dst[o] = UInt16((this * 4 + 8) >> 4)
                            dst[o + 1] = UInt16((this * 3 + next + 7) >> 4)
                            for i in 1..<(cw - 1) {
                                last = this; this = next; next = colsum(i + 1)
                                dst[o + 2 * i] = UInt16((this * 3 + last + 8) >> 4)
                                dst[o + 2 * i + 1] = UInt16((this * 3 + next + 7) >> 4)
                            }
                            last = this; this = next
                            dst[o + 2 * cw - 2] = UInt16((this * 3 + last + 8) >> 4)
                            dst[o + 2 * cw - 1] = UInt16((this * 4 + 7) >> 4)
                        }
                    }
                } else {
                    for y in 0..<max(outH, height) {
                        let sy = min(y * comp.v / vMax, plane.height - 1)
                        for x in 0..<stride { dst[y * stride + x] = src[sy * s + min(x * comp.h / hMax, s - 1)] }
                    }
                }
            }
        }
        return (out, stride)
    }
}

/// The 8×8 inverse DCT (A.3.3) in libjpeg's accurate integer form (the Loeffler–Ligtenberg–
/// Moschytz factorisation of jidctint.c: 13-bit constants, 2 extra bits between passes for 8-bit
/// samples, 1 for 12-bit), so frames match what libjpeg-based peers (pydicom's plugins, dcmtk)
/// return. Each pass runs on eight lanes at once: columns in the first, rows in the second.
enum JPEGIDCT {
    static let constBits = 13

    /// `coef` holds 64 dequantized coefficients in natural order.
    static func inverse(_ coef: UnsafeBufferPointer<Int32>, into plane: UnsafeMutableBufferPointer<UInt16>, origin: Int,
                        stride: Int, precision: Int) {
        if precision <= 8 {
            inverse(coef, into: plane, origin: origin, stride: stride, pass1Bits: 2, as: Int32.self, precision: precision)
        } else {
            // 12-bit products overflow 32 bits (libjpeg uses its 64-bit JLONG here too).
            inverse(coef, into: plane, origin: origin, stride: stride, pass1Bits: 1, as: Int64.self, precision: precision)
        }
    }

    @inline(__always)
    static func inverse<T: FixedWidthInteger & SignedInteger & SIMDScalar>(
        _ coef: UnsafeBufferPointer<Int32>, into plane: UnsafeMutableBufferPointer<UInt16>, origin: Int, stride: Int,
        pass1Bits: Int, as: T.Type, precision: Int
    ) {
        withUnsafeTemporaryAllocation(of: SIMD8<T>.self, capacity: 8) { v in
            for r in 0..<8 {
                var row = SIMD8<T>()
                for c in 0..<8 { row[c] = T(coef[8 * r + c]) }
                v[r] = row                       // v[r]: row r of coefficients, lanes = columns
            }
            pass(v, descale: constBits - pass1Bits)
            transpose(v)                         // v[c]: column c of the workspace, lanes = rows
            pass(v, descale: constBits + pass1Bits + 3)
            let center = 1 << (precision - 1), maxValue = (1 << precision) - 1
            for x in 0..<8 {
                let column = v[x]
                for y in 0..<8 {
                    plane[origin + y * stride + x] = UInt16(min(max(Int(column[y]) + center, 0), maxValue))
                }
            }
        }
    }

    /// One 1-D IDCT of each lane over the eight vectors, in place, descaled by `descale` bits.
    @inline(__always)
    static func pass<T: FixedWidthInteger & SignedInteger & SIMDScalar>(_ x: UnsafeMutableBufferPointer<SIMD8<T>>, descale: Int) {
        typealias V = SIMD8<T>
        @inline(__always) func k(_ c: Int) -> V { V(repeating: T(c)) }
        let cb = T(constBits)
        // Even part.
        var z2 = x[2], z3 = x[6]
        var z1 = (z2 &+ z3) &* k(4433)                          // FIX_0_541196100
        let t2 = z1 &+ z3 &* k(-15137)                          // -FIX_1_847759065
        let t3 = z1 &+ z2 &* k(6270)                            // FIX_0_765366865
        z2 = x[0]; z3 = x[4]
        let t0 = (z2 &+ z3) &<< cb, t1 = (z2 &- z3) &<< cb
        let t10 = t0 &+ t3, t13 = t0 &- t3, t11 = t1 &+ t2, t12 = t1 &- t2
        // Odd part.
        var o0 = x[7], o1 = x[5], o2 = x[3], o3 = x[1]
        z1 = o0 &+ o3; z2 = o1 &+ o2; z3 = o0 &+ o2
        var z4 = o1 &+ o3
        let z5 = (z3 &+ z4) &* k(9633)                          // FIX_1_175875602
        o0 = o0 &* k(2446); o1 = o1 &* k(16819); o2 = o2 &* k(25172); o3 = o3 &* k(12299)
        z1 = z1 &* k(-7373); z2 = z2 &* k(-20995); z3 = z3 &* k(-16069); z4 = z4 &* k(-3196)
        z3 = z3 &+ z5; z4 = z4 &+ z5
        o0 = o0 &+ z1 &+ z3; o1 = o1 &+ z2 &+ z4; o2 = o2 &+ z2 &+ z3; o3 = o3 &+ z1 &+ z4
        let round = k(1 << (descale - 1)), n = T(descale)
        x[0] = (t10 &+ o3 &+ round) &>> n; x[7] = (t10 &- o3 &+ round) &>> n
        x[1] = (t11 &+ o2 &+ round) &>> n; x[6] = (t11 &- o2 &+ round) &>> n
        x[2] = (t12 &+ o1 &+ round) &>> n; x[5] = (t12 &- o1 &+ round) &>> n
        x[3] = (t13 &+ o0 &+ round) &>> n; x[4] = (t13 &- o0 &+ round) &>> n
    }

    @inline(__always)
    static func transpose<T: SIMDScalar>(_ v: UnsafeMutableBufferPointer<SIMD8<T>>) {
        for r in 0..<8 {
            for c in (r + 1)..<8 {
                let a = v[r][c]
                v[r][c] = v[c][r]
                v[c][r] = a
            }
        }
    }
}
