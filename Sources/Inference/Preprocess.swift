public import DICOM
import Kernels

/// One image ready for a model: `channels × height × width` normalized values, plus what is
/// needed to map model coordinates back to the source frame and to the patient.
public struct PreparedImage: Sendable {
    public var values: [Float]
    public var sourceWidth: Int
    public var sourceHeight: Int
    public var geometry: ImageGeometry?

    public init(values: [Float], sourceWidth: Int, sourceHeight: Int, geometry: ImageGeometry? = nil) {
        self.values = values; self.sourceWidth = sourceWidth; self.sourceHeight = sourceHeight; self.geometry = geometry
    }
}

/// Image Plane geometry (PS3.3 C.7.6.2): maps a pixel (column, row) to patient millimetres.
public struct ImageGeometry: Sendable, Equatable {
    public var position: [Double]       // Image Position (Patient): centre of the first pixel
    public var rowDirection: [Double]   // direction of increasing column
    public var columnDirection: [Double] // direction of increasing row
    public var rowSpacing: Double       // Pixel Spacing[0]: between rows
    public var columnSpacing: Double    // Pixel Spacing[1]: between columns

    public init(position: [Double], rowDirection: [Double], columnDirection: [Double], rowSpacing: Double, columnSpacing: Double) {
        self.position = position; self.rowDirection = rowDirection; self.columnDirection = columnDirection
        self.rowSpacing = rowSpacing; self.columnSpacing = columnSpacing
    }

    public init?(_ ds: DataSet) {
        let p = ds.doubles(.imagePositionPatient), o = ds.doubles(.imageOrientationPatient), s = ds.doubles(.pixelSpacing)
        guard p.count == 3, o.count == 6, s.count == 2, s.allSatisfy({ $0 > 0 }) else { return nil }
        position = p; rowDirection = Array(o[0..<3]); columnDirection = Array(o[3..<6])
        rowSpacing = s[0]; columnSpacing = s[1]
    }

    public func patient(column x: Double, row y: Double) -> [Double] {
        (0..<3).map { position[$0] + x * columnSpacing * rowDirection[$0] + y * rowSpacing * columnDirection[$0] }
    }
}

public enum Preprocessor {
    /// Frame `frame` of `file` as the descriptor's input: modality LUT, window to 0…1
    /// (MONOCHROME1 inverted so bright is dense), shrink (box filter for whole factors, else
    /// bilinear), normalize. Colour frames give luminance for 1-channel models and R, G, B planes
    /// for 3-channel ones. `tools/onnx/preprocess.py` is the reference this must agree with.
    public static func prepare(_ file: DICOMFile, frame: Int = 0, for d: ModelDescriptor,
                               limits: PixelLimits = .default) throws -> PreparedImage {
        let px = try file.decodeFrame(frame, limits: limits)
        let desc = px.description
        let (w, h) = (desc.columns, desc.rows)
        var planes: [[Float]]
        if desc.isColor {
            let rgb = try PixelDecoder.rgb8(frame: px)
            let n = w * h
            if d.input.channels == 3 {
                planes = (0..<3).map { c in (0..<n).map { Float(rgb[3 * $0 + c]) / 255 } }
            } else {
                planes = [(0..<n).map { p in
                    (0.299 * Float(rgb[3 * p]) + 0.587 * Float(rgb[3 * p + 1]) + 0.114 * Float(rgb[3 * p + 2])) / 255
                }]
            }
        } else {
            let values = PixelDecoder.modalityValues(frame: px)
            var unit = [Float](repeating: 0, count: values.count)
            let window: (Double, Double)?
            switch d.preprocess.window {
            case .fixed(let c, let width): window = (c, width)
            case .file:
                if let win = desc.window(0) {
                    window = (win.center, win.width)
                } else if let (lo, hi) = values.withUnsafeBufferPointer(minMax), hi > lo {
                    // The value range mapped exactly onto 0…1: LINEAR with w − 1 = hi − lo and
                    // c = lo + 0.5 + (hi − lo)/2, so that y = (x − lo) / (hi − lo).
                    window = (Double(lo) + 0.5 + Double(hi - lo) / 2, Double(hi - lo) + 1)
                } else {
                    window = nil  // a constant frame: all zero
                }
            }
            if let (c, width) = window {
                values.withUnsafeBufferPointer { src in
                    unit.withUnsafeMutableBufferPointer { windowToUnit($0, src, center: c, width: width, invert: desc.isMonochrome1) }
                }
            }
            planes = [unit]
            if d.input.channels == 3 { planes = [unit, unit, unit] }
        }
        let (ow, oh) = (d.input.width, d.input.height)
        var out: [Float] = []
        out.reserveCapacity(planes.count * ow * oh)
        for plane in planes {
            var small = [Float](repeating: 0, count: ow * oh)
            plane.withUnsafeBufferPointer { src in
                small.withUnsafeMutableBufferPointer { dst in
                    if w == ow && h == oh {
                        _ = dst.initialize(from: src)
                    } else if w % ow == 0 && h % oh == 0 {
                        boxDownsample(dst, width: ow, height: oh, src, width: w, height: h)
                    } else {
                        resizeBilinear(dst, width: ow, height: oh, src, width: w, height: h)
                    }
                    normalize(dst, mean: Float(d.preprocess.mean), std: Float(d.preprocess.std))
                }
            }
            out += small
        }
        return PreparedImage(values: out, sourceWidth: w, sourceHeight: h, geometry: ImageGeometry(file.dataSet))
    }
}
