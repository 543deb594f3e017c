/// JPEG Lossless, Non-Hierarchical (Process 14), 1.2.840.10008.1.2.4.57, and its first-order
/// prediction form (Selection Value 1), .70: Huffman-coded differences from one of seven
/// predictors (H.1.2.1), 2–16 bits, with point transform and restart intervals, one scan per
/// component or all components interleaved. Shares markers, Huffman tables and the bit stream
/// with the DCT processes (JPEGCodeStream.swift).
///
/// Prediction depends on the sample just decoded, so the row loop is inherently serial; the
/// work per sample is one table lookup, a few bits and an add.
struct JPEGLosslessCodec: FrameCodec {
    var name: String { "JPEG Lossless" }

    func decode(_ codeStream: UnsafeRawBufferPointer, _ d: PixelDescription) throws -> CodecFrame {
        var parser = try JPEGMarkerParser(codeStream)
        // All components' planes in one buffer, written through a pointer in the scan loop.
        var storage: UnsafeMutableBufferPointer<UInt16>?
        defer { storage?.deallocate() }
        var filled: [Bool] = []
        while let (scan, dataStart) = try parser.nextScan() {
            guard let frame = parser.frame else { throw CodecError("scan before the frame header") }
            if storage == nil {
                guard frame.process == 3 || frame.process == 7 else {
                    if frame.process == 11 || frame.process == 15 {
                        throw CodecError("arithmetic-coded lossless JPEG (SOF\(frame.process)) is not supported")
                    }
                    throw CodecError("a DCT (lossy) JPEG stream (SOF\(frame.process)) in a lossless transfer syntax")
                }
                try FrameCodecs.checkGeometry(width: frame.width, height: frame.height, components: frame.components.count,
                                              precision: frame.precision, d, maxPrecision: 16)
                guard frame.precision >= 2 else { throw CodecError("sample precision \(frame.precision) (2…16 expected)") }
                guard frame.components.allSatisfy({ $0.h == 1 && $0.v == 1 }) else {
                    throw CodecError("subsampled lossless JPEG is not supported")
                }
                let planes = UnsafeMutableBufferPointer<UInt16>.allocate(capacity: frame.width * frame.height * frame.components.count)
                planes.initialize(repeating: 0)
                storage = planes
                filled = Array(repeating: false, count: frame.components.count)
            }
            guard (0...7).contains(scan.ss), scan.al < frame.precision else {
                throw CodecError("predictor \(scan.ss) or point transform \(scan.al) out of range")
            }
            guard scan.ss != 0 else { throw CodecError("predictor 0 (differential coding) in a non-hierarchical stream") }
            var tables: [JPEGHuffmanTable] = []
            for c in scan.components {
                guard let t = parser.dcTables[c.dc] else { throw CodecError("scan uses a Huffman table that was not defined") }
                tables.append(t)
            }
            var reader = JPEGBitReader(codeStream, from: dataStart)
            try Self.decodeScan(scan, frame, tables: tables, restartInterval: parser.restartInterval,
                                planes: storage!, reader: &reader)
            try reader.checkNotCut()
            for c in scan.components { filled[c.index] = true }
            parser.skipEntropyData(from: reader.position)
        }
        guard let frame = parser.frame, let planes = storage, filled.contains(true) else { throw CodecError("no scan in the code stream") }
        guard filled.allSatisfy({ $0 }) else { throw CodecError("a component has no scan") }
        let n = frame.components.count, pixels = frame.width * frame.height
        let bytesPerSample = frame.precision <= 8 ? 1 : 2
        let bytes = [UInt8](unsafeUninitializedCapacity: pixels * n * bytesPerSample) { dst, count in
            count = pixels * n * bytesPerSample
            for c in 0..<n {
                do {
                    let src = planes.baseAddress! + c * pixels
                    if bytesPerSample == 1 {
                        for p in 0..<pixels { dst[p * n + c] = UInt8(truncatingIfNeeded: src[p]) }
                    } else {
                        for p in 0..<pixels {
                            let v = src[p], o = 2 * (p * n + c)
                            dst[o] = UInt8(truncatingIfNeeded: v)
                            dst[o + 1] = UInt8(truncatingIfNeeded: v >> 8)
                        }
                    }
                }
            }
        }
        let pi = parser.conformedPhotometric(d.photometricInterpretation, components: n)
        return CodecFrame(bytes: bytes, bytesPerSample: bytesPerSample,
                          photometricInterpretation: pi == "YBR_FULL_422" ? "YBR_FULL" : pi, precision: frame.precision)
    }

    @inline(__always)
    static func difference(_ reader: inout JPEGBitReader, _ table: borrowing JPEGHuffmanTable,
                           _ lookup: UnsafePointer<UInt16>) throws -> Int {
        let t = try reader.decode(table, lookup: lookup)
        switch t {
        case 0: return 0
        case 16: return 32768
        case 1...15: return reader.receiveExtend(t)
        default: throw CodecError("difference category \(t) out of range")
        }
    }

    static func decodeSingle(_ plane: UnsafeMutablePointer<UInt16>, width: Int, height: Int, predictor: Int, initial: Int,
                             table: borrowing JPEGHuffmanTable, lookup: UnsafePointer<UInt16>,
                             reader: inout JPEGBitReader) throws {
        // First row: the initial value, then the left neighbour.
        plane[0] = UInt16(truncatingIfNeeded: initial + (try difference(&reader, table, lookup)))
        for x in 1..<max(width, 1) {
            plane[x] = UInt16(truncatingIfNeeded: Int(plane[x - 1]) + (try difference(&reader, table, lookup)))
        }
        for y in 1..<max(height, 1) {
            let row = plane + y * width, above = row - width
            row[0] = UInt16(truncatingIfNeeded: Int(above[0]) + (try difference(&reader, table, lookup)))
            @inline(__always) func run(_ predict: (Int, Int, Int) -> Int) throws {
                for x in 1..<width {
                    let p = predict(Int(row[x - 1]), Int(above[x]), Int(above[x - 1]))
                    row[x] = UInt16(truncatingIfNeeded: p + (try difference(&reader, table, lookup)))
                }
            }
            guard width > 1 else { continue }
            switch predictor {
            case 1: try run { a, _, _ in a }
            case 2: try run { _, b, _ in b }
            case 3: try run { _, _, c in c }
            case 4: try run { a, b, c in a + b - c }
            case 5: try run { a, b, c in a + ((b - c) >> 1) }
            case 6: try run { a, b, c in b + ((a - c) >> 1) }
            default: try run { a, b, _ in (a + b) >> 1 }
            }
        }
    }

    static func decodeScan(_ scan: JPEGScan, _ f: JPEGFrame, tables: [JPEGHuffmanTable], restartInterval: Int,
                           planes: UnsafeMutableBufferPointer<UInt16>, reader: inout JPEGBitReader) throws {
        let width = f.width, height = f.height
        let predictor = scan.ss, pt = scan.al
        let initial = 1 << (f.precision - pt - 1)
        let count = scan.components.count
        // An MCU is one sample of each component of the scan (all are 1×1 here).
        let mcusPerInterval = restartInterval > 0 ? restartInterval : Int.max
        var mcu = 0
        // Where the current restart interval began: its first sample takes the initial
        // prediction and the rest of that row predicts from the left (H.1.2.1).
        var intervalRow = 0, intervalColumn = 0
        let pointers = scan.components.map { planes.baseAddress! + $0.index * width * height }
        if count == 1 && restartInterval == 0 {
            // One component, no restarts (nearly every DICOM file): a tight loop per row.
            try tables[0].lookup.withUnsafeBufferPointer { lookup in
                try decodeSingle(pointers[0], width: width, height: height, predictor: predictor, initial: initial,
                                 table: tables[0], lookup: lookup.baseAddress!, reader: &reader)
            }
            if pt > 0 { for i in 0..<(width * height) { pointers[0][i] <<= UInt16(pt) } }
            return
        }
        for y in 0..<height {
            for x in 0..<width {
                if mcu > 0 && mcu % mcusPerInterval == 0 {
                    try reader.restart()
                    intervalRow = y
                    intervalColumn = x
                }
                mcu += 1
                for c in 0..<count {
                    let plane = pointers[c]
                    let i = y * width + x
                    let prediction: Int
                    if y == intervalRow && x == intervalColumn {
                        prediction = initial
                    } else if y == intervalRow {
                        prediction = Int(plane[i - 1])
                    } else if x == 0 {
                        prediction = Int(plane[i - width])
                    } else {
                        let ra = Int(plane[i - 1]), rb = Int(plane[i - width]), rc = Int(plane[i - width - 1])
                        switch predictor {
                        case 1: prediction = ra
                        case 2: prediction = rb
                        case 3: prediction = rc
                        case 4: prediction = ra + rb - rc
                        case 5: prediction = ra + ((rb - rc) >> 1)
                        case 6: prediction = rb + ((ra - rc) >> 1)
                        default: prediction = (ra + rb) >> 1
                        }
                    }
                    let t = try reader.decode(tables[c])
                    let diff: Int
                    switch t {
                    case 0: diff = 0
                    case 16: diff = 32768
                    case 1...15: diff = reader.receiveExtend(t)
                    default: throw CodecError("difference category \(t) out of range")
                    }
                    plane[i] = UInt16(truncatingIfNeeded: prediction + diff)
                }
            }
        }
        if pt > 0 {
            for p in pointers { for i in 0..<(width * height) { p[i] <<= UInt16(pt) } }
        }
    }
}

/// The lossless process in the other direction, for sample files: one grayscale component,
/// one scan, any of the seven predictors, a Huffman table fitted to the frame's differences.
public enum JPEGLosslessEncoder {
    /// `samples` holds rows × columns values of `precision` bits (2…16).
    public static func encode(_ samples: [UInt16], rows: Int, columns: Int, precision: Int, predictor: Int = 1) -> [UInt8] {
        precondition((2...16).contains(precision) && (1...7).contains(predictor) && samples.count >= rows * columns)
        // Differences and their categories (H.1.2.2: modulo 2^16, 32768 as category 16).
        var categories = [UInt8](repeating: 0, count: rows * columns)
        var diffs = [Int32](repeating: 0, count: rows * columns)
        var counts = [Int](repeating: 0, count: 17)
        for y in 0..<rows {
            for x in 0..<columns {
                let i = y * columns + x
                let prediction: Int
                if x == 0 && y == 0 { prediction = 1 << (precision - 1) }
                else if y == 0 { prediction = Int(samples[i - 1]) }
                else if x == 0 { prediction = Int(samples[i - columns]) }
                else {
                    let ra = Int(samples[i - 1]), rb = Int(samples[i - columns]), rc = Int(samples[i - columns - 1])
                    switch predictor {
                    case 1: prediction = ra
                    case 2: prediction = rb
                    case 3: prediction = rc
                    case 4: prediction = ra + rb - rc
                    case 5: prediction = ra + ((rb - rc) >> 1)
                    case 6: prediction = rb + ((ra - rc) >> 1)
                    default: prediction = (ra + rb) >> 1
                    }
                }
                var d = (Int(samples[i]) - prediction) & 0xFFFF
                if d >= 32768 { d -= 65536 }
                let category = d == -32768 ? 16 : (d == 0 ? 0 : Int.bitWidth - abs(d).leadingZeroBitCount)
                categories[i] = UInt8(category)
                diffs[i] = Int32(d)
                counts[category] += 1
            }
        }
        // Code lengths by frequency from a fixed set whose Kraft sum stays below 1 (so no code is all ones).
        let lengthsByRank = [2, 2, 3, 3, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]
        let ranked = (0...16).sorted { counts[$0] != counts[$1] ? counts[$0] > counts[$1] : $0 < $1 }
        var lengthOf = [Int](repeating: 0, count: 17)
        for (rank, category) in ranked.enumerated() { lengthOf[category] = lengthsByRank[rank] }
        let symbols = ranked.sorted { lengthOf[$0] != lengthOf[$1] ? lengthOf[$0] < lengthOf[$1] : $0 < $1 }
        var codeOf = [Int](repeating: 0, count: 17)
        var code = 0, previous = lengthOf[symbols[0]]
        for s in symbols {
            code <<= (lengthOf[s] - previous)
            previous = lengthOf[s]
            codeOf[s] = code
            code += 1
        }
        var out: [UInt8] = [0xFF, 0xD8]
        func segment(_ marker: UInt8, _ body: [UInt8]) {
            out += [0xFF, marker, UInt8((body.count + 2) >> 8), UInt8((body.count + 2) & 0xFF)] + body
        }
        segment(0xC3, [UInt8(precision), UInt8(rows >> 8), UInt8(rows & 0xFF), UInt8(columns >> 8), UInt8(columns & 0xFF),
                       1, 1, 0x11, 0])
        var dht: [UInt8] = [0x00]
        for length in 1...16 { dht.append(UInt8(symbols.filter { lengthOf[$0] == length }.count)) }
        dht += symbols.map(UInt8.init)
        segment(0xC4, dht)
        segment(0xDA, [1, 1, 0x00, UInt8(predictor), 0, 0])
        var acc: UInt64 = 0, bits = 0
        func put(_ value: Int, _ n: Int) {
            guard n > 0 else { return }
            acc = acc << UInt64(n) | UInt64(value & ((1 << n) - 1))
            bits += n
            while bits >= 8 {
                let byte = UInt8(truncatingIfNeeded: acc >> UInt64(bits - 8))
                out.append(byte)
                if byte == 0xFF { out.append(0) }
                bits -= 8
            }
        }
        for i in 0..<(rows * columns) {
            let c = Int(categories[i])
            put(codeOf[c], lengthOf[c])
            if c > 0 && c < 16 {
                let d = Int(diffs[i])
                put(d > 0 ? d : d - 1, c)
            }
        }
        if bits > 0 { put((1 << (8 - bits)) - 1, 8 - bits) }  // pad with ones (F.1.2.3)
        out += [0xFF, 0xD9]
        return out
    }
}
