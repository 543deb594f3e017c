public import DICOM
import Kernels

/// The image a study's PNG and PDF show: already windowed to 8-bit gray, so renderers stay
/// pure and never touch DICOM. The infer stage fills it; keep it small (see `fromDICOM`).
public struct KeyImage: Sendable, Codable, Equatable {
    public var width: Int
    public var height: Int
    /// Row-major 8-bit gray, `width * height` bytes (renderers throw `badImage` otherwise).
    public var pixels: [UInt8]
    public var heatmap: Heatmap?
    /// Heatmap peak in this image's pixel coordinates (column, row), pixel centres at integers.
    public var peak: PixelPoint?
    /// SOP Instance UID of the source image.
    public var sopInstanceUID: String

    public init(width: Int, height: Int, pixels: [UInt8], heatmap: Heatmap? = nil, peak: PixelPoint? = nil,
                sopInstanceUID: String) {
        self.width = width; self.height = height; self.pixels = pixels
        self.heatmap = heatmap; self.peak = peak; self.sopInstanceUID = sopInstanceUID
    }

    /// Frame `frame` of `file`, windowed (`windowIndex`) and shrunk so its longer side is at
    /// most `maxSide`: a batch report carries every study's key image, so memory stays bounded.
    /// `peak` is in the source frame's pixel coordinates (as `Finding.peakPixel`) and is moved
    /// with the shrink; the heatmap covers the whole image, so it needs no change.
    public static func fromDICOM(_ file: DICOMFile, frame: Int = 0, windowIndex: Int = 0, maxSide: Int = 1024,
                                 heatmap: Heatmap? = nil, peak: PixelPoint? = nil,
                                 sopInstanceUID: String, limits: PixelLimits = .default) throws -> KeyImage {
        let d = file.pixelDescription
        let gray = try file.render8Bit(frame: frame, windowIndex: windowIndex, limits: limits)
        let (w, h) = (d.columns, d.rows)
        guard w > 0, h > 0, gray.count == w * h else { throw ReportRenderError(.badImage, file: "key image") }
        let scale = min(1, Double(max(maxSide, 1)) / Double(max(w, h)))
        guard scale < 1 else {
            return KeyImage(width: w, height: h, pixels: gray, heatmap: heatmap, peak: peak, sopInstanceUID: sopInstanceUID)
        }
        let ow = max(1, Int((Double(w) * scale).rounded())), oh = max(1, Int((Double(h) * scale).rounded()))
        var out = [UInt8](repeating: 0, count: ow * oh)
        out.withUnsafeMutableBufferPointer { o in
            gray.withUnsafeBufferPointer { i in resizeBilinear(o, width: ow, height: oh, i, width: w, height: h) }
        }
        let moved = peak.map {
            PixelPoint(x: ($0.x + 0.5) * Double(ow) / Double(w) - 0.5, y: ($0.y + 0.5) * Double(oh) / Double(h) - 0.5)
        }
        return KeyImage(width: ow, height: oh, pixels: out, heatmap: heatmap, peak: moved, sopInstanceUID: sopInstanceUID)
    }
}

/// A model's class-activation map: a coarse grid of 0…1 values covering the whole image.
public struct Heatmap: Sendable, Codable, Equatable {
    public var width: Int
    public var height: Int
    /// Row-major, `width * height` values in 0…1 (others are clamped when drawn).
    public var values: [Float]

    public init(width: Int, height: Int, values: [Float]) {
        self.width = width; self.height = height; self.values = values
    }
}

public struct PixelPoint: Sendable, Codable, Equatable {
    public var x: Double
    public var y: Double
    public init(x: Double, y: Double) { self.x = x; self.y = y }
}
