import Foundation
import Reports
import TestSupport
import Testing

enum Fixtures {
    static func study(key: String = "k1", patientName: String? = "Müller^Zoë", patientID: String = "PID-001",
                      accession: String = "ACC-001", site: String = "Klinikum Süd",
                      findings: [Finding] = defaultFindings, keyImage: KeyImage? = nil,
                      analysis: Analysis = Analysis(analysedImages: 1)) -> StudyReport {
        StudyReport(
            studyKey: key, site: site, patientID: patientID, issuerOfPatientID: nil, accessionNumber: accession,
            studyInstanceUID: "1.2.826.0.1.3680043.10.1.\(key.utf8.reduce(0) { $0 &+ Int($1) })",
            studyDate: "20260301", modality: "DX",
            series: [SeriesSummary(seriesInstanceUID: "1.2.3.4", seriesNumber: 1, modality: "DX", instances: 1, frames: 1, problems: [])],
            instances: 1, files: ["a.dcm"], problems: [], orders: [], findings: findings,
            modelName: "demo-cxr", modelVersion: "1.2.0", reportFiles: [], analysis: analysis, patientName: patientName,
            keyImage: keyImage)
    }

    static let defaultFindings = [
        Finding(label: "Nodule", code: "27925004", codingScheme: "SCT", probability: 0.93, urgency: .critical,
                sopInstanceUID: "1.2.3.4.5", peakPixel: [40, 30]),
        Finding(label: "Effusion", probability: 0.41, urgency: .routine),
    ]

    static func batch(_ studies: [StudyReport], quarantine: [QuarantineEntry] = []) -> BatchReport {
        BatchReport(
            pipeline: "chest-xr-triage", batchID: "B-20260301-0001", run: 1, supersedes: nil, sourceName: "drop-1",
            generatedAt: "2026-03-01T12:34:56Z", toolVersion: "0.1.0", modelName: "demo-cxr", modelVersion: "1.2.0",
            studies: studies, quarantine: quarantine, unmatchedOrders: [], fileCount: studies.count + quarantine.count)
    }

    /// A gradient image with a heatmap blob around (`px`, `py`) on a coarse 8×8 grid.
    static func keyImage(width: Int = 80, height: Int = 60, gray: UInt8? = nil, heat: Bool = true,
                         peak: PixelPoint? = PixelPoint(x: 60, y: 15)) -> KeyImage {
        var pixels = [UInt8](repeating: 0, count: width * height)
        for y in 0..<height { for x in 0..<width { pixels[y * width + x] = gray ?? UInt8((x * 255) / max(width - 1, 1)) } }
        var heatmap: Heatmap?
        if heat {
            var values = [Float](repeating: 0, count: 64)
            // Hot in the top-right quarter, cold elsewhere.
            for gy in 0..<8 { for gx in 0..<8 where gx >= 5 && gy <= 2 { values[gy * 8 + gx] = 1 } }
            heatmap = Heatmap(width: 8, height: 8, values: values)
        }
        return KeyImage(width: width, height: height, pixels: pixels, heatmap: heatmap, peak: peak,
                        sopInstanceUID: "1.2.3.4.5")
    }
}

/// A PNG decoded by Pillow (the independent oracle): mode, size and raw pixel bytes.
struct DecodedPNG {
    let mode: String, width: Int, height: Int
    let bytes: [UInt8]

    func rgb(_ x: Int, _ y: Int) -> [UInt8] { let i = 3 * (y * width + x); return Array(bytes[i..<(i + 3)]) }

    static func decode(_ data: Data) throws -> DecodedPNG {
        let dir = try TemporaryDirectory("png")
        defer { dir.remove() }
        try data.write(to: URL(fileURLWithPath: dir.file("in.png")))
        let r = try runPython("""
            import sys
            from PIL import Image
            im = Image.open(sys.argv[1]); im.load()
            open(sys.argv[2], 'wb').write(im.tobytes())
            print(im.mode, im.size[0], im.size[1])
            """, [dir.file("in.png"), dir.file("out.raw")])
        #expect(r.status == 0, "Pillow failed (pip install Pillow): \(r.stderr)")
        let parts = r.stdout.split(separator: " ").map { String($0).trimmingCharacters(in: .whitespacesAndNewlines) }
        guard r.status == 0, parts.count == 3 else { throw OracleFailure() }
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: dir.file("out.raw"))))
        return DecodedPNG(mode: parts[0], width: Int(parts[1]) ?? 0, height: Int(parts[2]) ?? 0, bytes: bytes)
    }
}

struct OracleFailure: Error {}

/// PNG chunk types in file order (read here, not by the oracle, to check what we did not write).
func pngChunkTypes(_ data: Data) -> [String] {
    let b = [UInt8](data)
    var out: [String] = []
    var i = 8
    while i + 8 <= b.count {
        let length = Int(b[i]) << 24 | Int(b[i + 1]) << 16 | Int(b[i + 2]) << 8 | Int(b[i + 3])
        out.append(String(decoding: b[(i + 4)..<(i + 8)], as: UTF8.self))
        i += 12 + length
    }
    return out
}
