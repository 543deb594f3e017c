public import Foundation
import Kernels

/// `studies/<key>/key-image.png`: the windowed key image scaled into a box (aspect kept), the
/// heatmap blended where it exceeds a floor, a ring at the peak and a colour-bar legend.
/// A study without a key image gets no PNG.
public struct KeyImageRenderer: Renderer {
    public let format = RenderFormat.png
    public var options: Options

    public struct Options: Sendable, Equatable {
        /// The box the image is scaled into (up or down), aspect kept.
        public var maxWidth = 512, maxHeight = 512
        /// Weight of the colour over the gray image where the heatmap is shown.
        public var heatmapAlpha = 0.45
        /// Heatmap values below this are not drawn, so the anatomy stays readable.
        public var heatmapFloor = 0.2
        public var colorMap = ColorMap.inferno
        public var legendLabel = "probability"
        public var markerColor: RGB = RGB(0, 255, 255)
        public var zlibLevel = 1
        public init() {}
    }

    public init(options: Options = Options()) { self.options = options }

    public static let fileName = "key-image.png"

    public func studyFileNames(_ study: StudyReport, batch: BatchReport) -> [String] {
        study.keyImage == nil ? [] : [ReportPaths.studyFolder(study.studyKey) + "/" + Self.fileName]
    }

    public func render(study: StudyReport, batch: BatchReport) throws -> [RenderedFile] {
        guard let image = study.keyImage else { return [] }
        return [RenderedFile(name: ReportPaths.studyFolder(study.studyKey) + "/" + Self.fileName, data: try png(image))]
    }

    /// The PNG bytes for one key image (the PDF renderer embeds the same picture).
    public func png(_ image: KeyImage) throws -> Data {
        let canvas = try compose(image)
        return try PNGEncoder.encode(canvas.pixels, width: canvas.width, height: canvas.height,
                                     channels: .rgb, zlibLevel: options.zlibLevel)
    }

    /// The same picture as RGB pixels, for the Secondary Capture of the key image.
    public func rgbImage(_ image: KeyImage) throws -> RGBImage {
        let canvas = try compose(image)
        return RGBImage(width: canvas.width, height: canvas.height, pixels: canvas.pixels)
    }

    /// The picture's size inside the canvas (the legend strip, when drawn, lies below it).
    public func scaledSize(of image: KeyImage) -> (width: Int, height: Int) {
        let scale = min(Double(max(options.maxWidth, 1)) / Double(image.width),
                        Double(max(options.maxHeight, 1)) / Double(image.height))
        return (max(1, Int((Double(image.width) * scale).rounded())), max(1, Int((Double(image.height) * scale).rounded())))
    }

    /// Where a source pixel coordinate lands in the scaled picture (pixel centres aligned,
    /// as the bilinear resize does).
    public func scaledPoint(_ p: PixelPoint, of image: KeyImage) -> PixelPoint {
        let (w, h) = scaledSize(of: image)
        return PixelPoint(x: (p.x + 0.5) * Double(w) / Double(image.width) - 0.5,
                          y: (p.y + 0.5) * Double(h) / Double(image.height) - 0.5)
    }

    public static let legendHeight = 28

    func compose(_ image: KeyImage) throws -> RGBCanvas {
        guard image.width > 0, image.height > 0, image.pixels.count == image.width * image.height else {
            throw ReportRenderError(.badImage, file: Self.fileName)
        }
        let (w, h) = scaledSize(of: image)
        var gray = [UInt8](repeating: 0, count: w * h)
        gray.withUnsafeMutableBufferPointer { o in
            image.pixels.withUnsafeBufferPointer { i in
                resizeBilinear(o, width: w, height: h, i, width: image.width, height: image.height)
            }
        }
        var canvas = RGBCanvas(width: w, height: h + (image.heatmap == nil ? 0 : Self.legendHeight))
        for i in 0..<(w * h) { canvas.pixels[3 * i] = gray[i]; canvas.pixels[3 * i + 1] = gray[i]; canvas.pixels[3 * i + 2] = gray[i] }
        if let heatmap = image.heatmap {
            try blend(heatmap, into: &canvas, width: w, height: h)
            drawLegend(into: &canvas, top: h)
        }
        if let peak = image.peak { drawMarker(at: scaledPoint(peak, of: image), into: &canvas, width: w, height: h) }
        return canvas
    }

    private func blend(_ heatmap: Heatmap, into canvas: inout RGBCanvas, width w: Int, height h: Int) throws {
        guard heatmap.width > 0, heatmap.height > 0, heatmap.values.count == heatmap.width * heatmap.height else {
            throw ReportRenderError(.badImage, file: Self.fileName)
        }
        var heat = [Float](repeating: 0, count: w * h)
        heat.withUnsafeMutableBufferPointer { o in
            heatmap.values.withUnsafeBufferPointer { i in
                resizeBilinear(o, width: w, height: h, i, width: heatmap.width, height: heatmap.height)
            }
        }
        let alpha = min(max(options.heatmapAlpha, 0), 1)
        for i in 0..<(w * h) {
            let v = Double(heat[i])
            guard v.isFinite, v >= options.heatmapFloor else { continue }
            let c = options.colorMap.rgb(v)
            canvas.blend(i, RGB(c.0, c.1, c.2), alpha: alpha)
        }
    }

    private func drawMarker(at p: PixelPoint, into canvas: inout RGBCanvas, width w: Int, height h: Int) {
        let radius = Double(max(5, min(w, h) / 30))
        let tick = radius / 2 + 3
        let reach = Int((radius + 3 + tick).rounded(.up))
        guard p.x.isFinite, p.y.isFinite, abs(p.x) < 1e6, abs(p.y) < 1e6 else { return }
        let cx = Int(p.x.rounded()), cy = Int(p.y.rounded())
        let ys = max(0, cy - reach), ye = min(h - 1, cy + reach), xs = max(0, cx - reach), xe = min(w - 1, cx + reach)
        guard ys <= ye, xs <= xe else { return }
        for y in ys...ye {
            for x in xs...xe {
                let dx = Double(x) - p.x, dy = Double(y) - p.y
                let d = (dx * dx + dy * dy).squareRoot()
                let ring = abs(d - radius) <= 1.0
                let onAxis = abs(dx) < 0.5 || abs(dy) < 0.5
                let crosshair = onAxis && d >= radius + 3 && d <= radius + 3 + tick
                if ring || crosshair { canvas.set(x, y, options.markerColor) }
            }
        }
    }

    private func drawLegend(into canvas: inout RGBCanvas, top: Int) {
        let w = canvas.width
        for y in top..<canvas.height { for x in 0..<w { canvas.set(x, y, RGB(24, 24, 24)) } }
        let white = RGB(255, 255, 255)
        for (x, y) in BitmapFont.pixels(options.legendLabel, x: 14, y: top + 4) { canvas.set(x, y, white) }
        let x0 = 14, x1 = w - 14
        guard x1 - x0 >= 2 else { return }
        for x in x0..<x1 {
            let v = Double(x - x0) / Double(x1 - x0 - 1)
            var c = options.colorMap.rgb(v)
            // Values under the floor are not drawn on the image: show them faded.
            if v < options.heatmapFloor { c = (c.0 / 2 + 12, c.1 / 2 + 12, c.2 / 2 + 12) }
            for y in (top + 14)..<(top + 24) { canvas.set(x, y, RGB(c.0, c.1, c.2)) }
        }
        for (x, y) in BitmapFont.pixels("0", x: 4, y: top + 16) { canvas.set(x, y, white) }
        for (x, y) in BitmapFont.pixels("1", x: x1 + 4, y: top + 16) { canvas.set(x, y, white) }
    }
}

public struct RGB: Sendable, Equatable {
    public var r, g, b: UInt8
    public init(_ r: UInt8, _ g: UInt8, _ b: UInt8) { self.r = r; self.g = g; self.b = b }
}

/// An 8-bit RGB picture being drawn; writes outside it are dropped.
struct RGBCanvas {
    let width: Int, height: Int
    var pixels: [UInt8]

    init(width: Int, height: Int) {
        self.width = width; self.height = height
        pixels = [UInt8](repeating: 0, count: width * height * 3)
    }

    mutating func set(_ x: Int, _ y: Int, _ c: RGB) {
        guard x >= 0, y >= 0, x < width, y < height else { return }
        let i = 3 * (y * width + x)
        pixels[i] = c.r; pixels[i + 1] = c.g; pixels[i + 2] = c.b
    }

    mutating func blend(_ index: Int, _ c: RGB, alpha: Double) {
        func mix(_ a: UInt8, _ b: UInt8) -> UInt8 { UInt8((Double(a) * (1 - alpha) + Double(b) * alpha).rounded()) }
        let i = 3 * index
        pixels[i] = mix(pixels[i], c.r); pixels[i + 1] = mix(pixels[i + 1], c.g); pixels[i + 2] = mix(pixels[i + 2], c.b)
    }
}
