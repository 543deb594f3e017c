import Foundation

/// libharu 2.3.0 writes each embedded font's /ToUnicode as an identity *CID* range, which is
/// not a ToUnicode CMap (poppler warns "Invalid 'begincidrange'"; other readers may extract no
/// text). Its UTF-8 encoder uses the BMP code point as the 2-byte character code, so the right
/// map is code → same code point. We append an incremental update (PDF 32000-1 §7.5.6) that
/// replaces those objects: libharu's bytes stay as they are, and the result stays deterministic.
enum PDFToUnicodeFix {
    static func patch(_ pdf: Data) -> Data {
        let objects = toUnicodeObjects(pdf)
        // libharu writes no object streams, so the trailer is plain text at the end.
        let tail = String(decoding: pdf.suffix(2048), as: UTF8.self)
        guard !objects.isEmpty,
              let prev = matches(#"startxref\s+(\d+)"#, in: tail).last,
              let root = matches(#"/Root (\d+ \d+ R)"#, in: tail).last,
              let size = matches(#"/Size (\d+)"#, in: tail).last else { return pdf }
        let info = matches(#"/Info (\d+ \d+ R)"#, in: tail).last
        var out = pdf
        if out.last != 0x0A { out.append(0x0A) }
        let cmap = Data(Self.cmap.utf8)
        var offsets: [(Int, Int)] = []
        for n in objects {
            offsets.append((n, out.count))
            out.append(Data("\(n) 0 obj\n<< /Length \(cmap.count) >>\nstream\n".utf8))
            out.append(cmap)
            out.append(Data("\nendstream\nendobj\n".utf8))
        }
        let xref = out.count
        var table = "xref\n"
        for (n, offset) in offsets { table += "\(n) 1\n" + String(format: "%010d 00000 n \n", offset) }
        table += "trailer\n<< /Size \(size) /Root \(root)" + (info.map { " /Info \($0)" } ?? "") + " /Prev \(prev) >>\n"
        table += "startxref\n\(xref)\n%%EOF\n"
        out.append(Data(table.utf8))
        return out
    }

    /// Identity from 2-byte codes to UTF-16 for the BMP (surrogate codes left out), in
    /// blocks of at most 100 ranges as PDF CMaps require.
    static let cmap: String = {
        let highs = (0...0xFF).filter { !(0xD8...0xDF).contains($0) }
        var blocks: [String] = []
        var i = 0
        while i < highs.count {
            let chunk = highs[i..<min(i + 100, highs.count)]
            blocks.append("\(chunk.count) beginbfrange\n" + chunk.map { h in
                let hh = String(format: "%02X", h)
                return "<\(hh)00> <\(hh)FF> <\(hh)00>"
            }.joined(separator: "\n") + "\nendbfrange")
            i += 100
        }
        return """
            /CIDInit /ProcSet findresource begin
            12 dict begin
            begincmap
            /CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def
            /CMapName /Adobe-Identity-UCS def
            /CMapType 2 def
            1 begincodespacerange
            <0000> <FFFF>
            endcodespacerange
            \(blocks.joined(separator: "\n"))
            endcmap
            CMapName currentdict /CMap defineresource pop
            end
            end
            """
    }()

    /// Object numbers after each "/ToUnicode " (font dictionaries are never compressed by libharu).
    static func toUnicodeObjects(_ pdf: Data) -> [Int] {
        let key = Array("/ToUnicode ".utf8)
        var found = Set<Int>()
        pdf.withUnsafeBytes { raw in
            let b = raw.bindMemory(to: UInt8.self)
            var i = 0
            while i + key.count < b.count {
                if b[i] == key[0], b[i + 1] == key[1], Array(b[i..<(i + key.count)]) == key {
                    var j = i + key.count, n = 0
                    while j < b.count, (0x30...0x39).contains(b[j]), n < 10_000_000 { n = n * 10 + Int(b[j] - 0x30); j += 1 }
                    if j > i + key.count { found.insert(n) }
                    i = j
                } else { i += 1 }
            }
        }
        return found.sorted()
    }

    private static func matches(_ pattern: String, in text: String) -> [String] {
        guard let regex = try? NSRegularExpression(pattern: pattern) else { return [] }
        let ns = text as NSString
        return regex.matches(in: text, range: NSRange(location: 0, length: ns.length)).map { ns.substring(with: $0.range(at: 1)) }
    }
}
