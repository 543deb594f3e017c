import DICOM
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
    public static func fromDICOM(_ file: DICOMFile, frame: Int = 0, windowIndex: Int = 0, maxSide: Int = 1024,
                                 sopInstanceUID: String) throws -> KeyImage {
        let d = file.pixelDescription
        let gray = try file.render8Bit(frame: frame, windowIndex: windowIndex)
        let (w, h) = (d.columns, d.rows)
        let scale = min(1, Double(maxSide) / Double(max(w, h)))
        guard scale < 1 else { return KeyImage(width: w, height: h, pixels: gray, sopInstanceUID: sopInstanceUID) }
        let ow = max(1, Int((Double(w) * scale).rounded())), oh = max(1, Int((Double(h) * scale).rounded()))
        var out = [UInt8](repeating: 0, count: ow * oh)
        out.withUnsafeMutableBufferPointer { o in
            gray.withUnsafeBufferPointer { i in resizeBilinear(o, width: ow, height: oh, i, width: w, height: h) }
        }
        return KeyImage(width: ow, height: oh, pixels: out, sopInstanceUID: sopInstanceUID)
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
