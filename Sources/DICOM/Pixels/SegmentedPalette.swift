/// Segmented Palette Color LUT Data (PS3.3 C.7.9.2): discrete (opcode 0), linear (1) and
/// indirect (2) segments expanded to a plain table. Linear segments are rounded half to even
/// over evenly spaced points ending exactly on the target, as pydicom (numpy linspace) does.
enum SegmentedPalette {
    /// `words` are the segment data's 16-bit values (8-bit data: one value per byte).
    static func expand(_ words: [Int], limit: Int = 65536) -> [Int] {
        var lut: [Int] = []
        expand(words, from: 0, segments: nil, into: &lut, limit: limit, depth: 0)
        return lut
    }

    private static func expand(
        _ data: [Int], from start: Int, segments: Int?, into lut: inout [Int], limit: Int, depth: Int
    ) {
        var offset = start, read = 0
        while offset + 1 < data.count, lut.count < limit {
            let opcode = data[offset], length = data[offset + 1]
            offset += 2
            switch opcode {
            case 0:
                let end = min(offset + length, data.count)
                lut.append(contentsOf: data[offset..<end])
                offset += length
            case 1:
                guard let y0 = lut.last, offset < data.count, length > 0 else { return }
                let y1 = data[offset]
                offset += 1
                if y0 == y1 {
                    lut.append(contentsOf: repeatElement(y1, count: min(length, limit)))
                } else {
                    let first = Double(y0) + Double(y1 - y0) / Double(length)
                    let step = length > 1 ? (Double(y1) - first) / Double(length - 1) : 0
                    for i in 0..<min(length, limit) {
                        let v = i == length - 1 ? Double(y1) : Double(i) * step + first
                        lut.append(Int(v.rounded(.toNearestOrEven)))
                    }
                }
            case 2:
                // Copy `length` segments found at a byte offset (two words, low word first).
                guard !lut.isEmpty, offset + 1 < data.count, depth < 4 else { return }
                let byteOffset = data[offset + 1] << 16 | data[offset]
                offset += 2
                expand(data, from: byteOffset / 2, segments: length, into: &lut, limit: limit, depth: depth + 1)
            default:
                return
            }
            read += 1
            if let segments, read == segments { return }
        }
    }
}
