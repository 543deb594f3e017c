import Foundation
import Reports
import Testing

@Suite struct KeyImageRendererTests {
    @Test func pureGrayWithoutHeatmapDecodesToTheSameGray() throws {
        let image = Fixtures.keyImage(width: 100, height: 50, gray: 137, heat: false, peak: nil)
        let data = try KeyImageRenderer().png(image)
        let png = try DecodedPNG.decode(data)
        #expect(png.mode == "RGB")
        #expect(png.width == 512 && png.height == 256)  // scaled into 512×512, aspect kept
        #expect(png.bytes.count == 512 * 256 * 3)
        #expect(png.bytes.allSatisfy { $0 == 137 })
        #expect(pngChunkTypes(data) == ["IHDR", "IDAT", "IEND"])
    }

    @Test func gradientSurvivesAnIdentityScale() throws {
        var options = KeyImageRenderer.Options()
        options.maxWidth = 80; options.maxHeight = 80
        let image = Fixtures.keyImage(width: 80, height: 60, heat: false, peak: nil)
        let png = try DecodedPNG.decode(try KeyImageRenderer(options: options).png(image))
        #expect(png.width == 80 && png.height == 60)
        for (x, y) in [(0, 0), (40, 10), (79, 59)] {
            let g = image.pixels[y * 80 + x]
            #expect(png.rgb(x, y) == [g, g, g])
        }
    }

    @Test func markerIsAtTheScaledPeak() throws {
        let image = Fixtures.keyImage(width: 100, height: 100, gray: 60, heat: false, peak: PixelPoint(x: 25, y: 70))
        let renderer = KeyImageRenderer()  // 100 → 512: scale 5.12
        let png = try DecodedPNG.decode(try renderer.png(image))
        let p = renderer.scaledPoint(PixelPoint(x: 25, y: 70), of: image)
        #expect(abs(p.x - 130.06) < 0.01 && abs(p.y - 360.46) < 0.01)
        let radius = Double(max(5, 512 / 30))
        let cyan: [UInt8] = [0, 255, 255]
        // (25 + 0.5)·5.12 − 0.5 = 130.06. On the ring in four directions, and not at the centre or far away.
        for (dx, dy) in [(radius, 0.0), (-radius, 0), (0, radius), (0, -radius)] {
            #expect(png.rgb(Int((p.x + dx).rounded()), Int((p.y + dy).rounded())) == cyan)
        }
        #expect(png.rgb(Int(p.x.rounded()), Int(p.y.rounded())) == [60, 60, 60])
        #expect(png.rgb(400, 100) == [60, 60, 60])
        let cyanPixels = stride(from: 0, to: png.bytes.count, by: 3).filter { Array(png.bytes[$0..<($0 + 3)]) == cyan }
        let xs = cyanPixels.map { ($0 / 3) % 512 }, ys = cyanPixels.map { ($0 / 3) / 512 }
        let meanX = Double(xs.reduce(0, +)) / Double(xs.count), meanY = Double(ys.reduce(0, +)) / Double(ys.count)
        #expect(abs(meanX - p.x) < 1 && abs(meanY - p.y) < 1)
    }

    @Test func heatmapColourAppearsOnlyWhereHot() throws {
        var options = KeyImageRenderer.Options()
        options.maxWidth = 160; options.maxHeight = 160
        let image = Fixtures.keyImage(width: 80, height: 80, gray: 100, heat: true, peak: nil)
        let png = try DecodedPNG.decode(try KeyImageRenderer(options: options).png(image))
        #expect(png.width == 160 && png.height == 160 + KeyImageRenderer.legendHeight)
        // Grid cell (6, 1) is hot (value 1): gray 100 blended 45% with inferno(1) = (252, 255, 164).
        let hot = png.rgb(130, 30)
        func mix(_ a: Double, _ b: Double) -> UInt8 { UInt8((a * 0.55 + b * 0.45).rounded()) }
        #expect(hot == [mix(100, 252), mix(100, 255), mix(100, 164)])
        // Cold cells (value 0 < floor) stay gray.
        #expect(png.rgb(20, 120) == [100, 100, 100])
        #expect(png.rgb(130, 140) == [100, 100, 100])
    }

    @Test func legendShowsTheColourBar() throws {
        var options = KeyImageRenderer.Options()
        options.maxWidth = 200; options.maxHeight = 200
        let png = try DecodedPNG.decode(try KeyImageRenderer(options: options).png(Fixtures.keyImage(width: 100, height: 100)))
        let barY = 200 + 18
        let left = png.rgb(14, barY), right = png.rgb(200 - 15, barY)
        #expect(left == [12, 12, 14])       // inferno(0) = (0, 0, 4), faded: under the floor
        #expect(png.rgb(14 + 40, barY) != png.rgb(14 + 40, barY - 12), "the bar differs from the strip")
        #expect(right == [252, 255, 164])   // inferno(1)
        // The "0" and "1" labels and the caption draw white pixels in the strip.
        let strip = (200..<png.height).flatMap { y in (0..<png.width).map { png.rgb($0, y) } }
        #expect(strip.filter { $0 == [255, 255, 255] }.count > 30)
    }

    @Test func bytesAreIdenticalAcrossRuns() throws {
        let image = Fixtures.keyImage()
        let a = try KeyImageRenderer().png(image), b = try KeyImageRenderer().png(image)
        #expect(a == b)
        let study = Fixtures.study(keyImage: image)
        let files = try KeyImageRenderer().render(study: study, batch: Fixtures.batch([study]))
        #expect(files.map(\.name) == ["studies/k1/key-image.png"])
        #expect(files.first?.data == a)
    }

    @Test func studyWithoutKeyImageWritesNothing() throws {
        let study = Fixtures.study(keyImage: nil)
        #expect(try KeyImageRenderer().render(study: study, batch: Fixtures.batch([study])).isEmpty)
        #expect(try KeyImageRenderer().render(batch: Fixtures.batch([study])).isEmpty)
    }

    @Test func peakOutsideTheImageIsIgnoredSafely() throws {
        let image = Fixtures.keyImage(width: 20, height: 20, gray: 9, heat: false, peak: PixelPoint(x: -500, y: 1e12))
        let png = try DecodedPNG.decode(try KeyImageRenderer().png(image))
        #expect(png.bytes.allSatisfy { $0 == 9 })
    }

    @Test func inconsistentSizesThrowInsteadOfCrashing() throws {
        let short = KeyImage(width: 10, height: 10, pixels: [1, 2, 3], sopInstanceUID: "1.2")
        #expect(throws: ReportRenderError.self) { try KeyImageRenderer().png(short) }
        let badHeat = KeyImage(width: 2, height: 2, pixels: [0, 0, 0, 0], heatmap: Heatmap(width: 3, height: 3, values: [1]),
                               sopInstanceUID: "1.2")
        #expect(throws: ReportRenderError.self) { try KeyImageRenderer().png(badHeat) }
        let study = Fixtures.study(keyImage: short)
        #expect(throws: ReportRenderError.self) { try PDFRenderer().render(study: study, batch: Fixtures.batch([study])) }
        #expect(throws: ReportRenderError.self) { try PNGEncoder.encode([1, 2], width: 1, height: 1) }
    }
}
