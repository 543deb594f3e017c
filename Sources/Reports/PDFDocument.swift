import CHaru
import Foundation

/// Where the PDF fonts come from (Debian: fonts-dejavu-core, fonts-droid-fallback). All are
/// embedded; the fallback is loaded only when some text needs it (CJK), to keep files small.
public struct PDFFonts: Sendable, Equatable {
    public var regular = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
    public var bold = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
    /// For characters DejaVu lacks (CJK ideographs, kana, hangul).
    public var fallback = "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"
    public init() {}
}

/// A thin, page-cursor view of one libharu document. Not shared across threads: each render
/// call makes its own. Every drawing call's status is folded into `HPDF_GetError` at the end.
final class PDFDocument {
    static let pageWidth: Float = 595.276, pageHeight: Float = 841.89  // A4 in points
    static let margin: Float = 48

    enum Style { case regular, bold }

    private let pdf: HPDF_Doc
    private let fonts: PDFFonts
    private let outputName: String
    private var regularFont: HPDF_Font?
    private var boldFont: HPDF_Font?
    private var fallbackFont: HPDF_Font?
    private(set) var pages: [HPDF_Page] = []
    /// Baseline cursor on the current page, from the top margin down.
    var y: Float = 0
    /// Drawn on every new page (table headers that repeat), after the cursor resets.
    var onNewPage: (() -> Void)?

    init(fonts: PDFFonts, outputName: String, title: String, generatedAt: String, producer: String) throws {
        for path in [fonts.regular, fonts.bold] {
            guard FileManager.default.fileExists(atPath: path) else { throw ReportRenderError(.fontMissing(path: path), file: outputName) }
            guard Self.isTrueType(path) else { throw ReportRenderError(.fontUnsupported(path: path), file: outputName) }
        }
        guard let pdf = HPDF_New(nil, nil) else { throw ReportRenderError(.libraryFailure(code: -1), file: outputName) }
        self.pdf = pdf
        self.fonts = fonts
        self.outputName = outputName
        HPDF_SetCompressionMode(pdf, UInt32(HPDF_COMP_ALL))
        HPDF_UseUTFEncodings(pdf)
        HPDF_SetCurrentEncoder(pdf, "UTF-8")
        regularFont = loadFont(fonts.regular)
        boldFont = loadFont(fonts.bold)
        HPDF_SetInfoAttr(pdf, HPDF_INFO_TITLE, title)
        HPDF_SetInfoAttr(pdf, HPDF_INFO_CREATOR, "Sluice")
        HPDF_SetInfoAttr(pdf, HPDF_INFO_PRODUCER, producer)
        // The report's own clock, never the wall clock: reruns give the same bytes.
        if let date = Self.pdfDate(generatedAt) {
            HPDF_SetInfoDateAttr(pdf, HPDF_INFO_CREATION_DATE, date)
            HPDF_SetInfoDateAttr(pdf, HPDF_INFO_MOD_DATE, date)
        }
        newPage()
    }

    deinit { HPDF_Free(pdf) }

    private func loadFont(_ path: String) -> HPDF_Font? {
        guard let name = HPDF_LoadTTFontFromFile(pdf, path, HPDF_TRUE) else { return nil }
        return HPDF_GetFont(pdf, name, "UTF-8")
    }

    /// libharu 2.3.0 crashes on a file that is not a TrueType font, so the table directory is
    /// checked first: TrueType outlines (not CFF "OTTO", not a collection) and the tables it reads.
    static func isTrueType(_ path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        guard let head = try? handle.read(upToCount: 12), head.count == 12 else { return false }
        let b = [UInt8](head)
        guard b[0...3] == [0, 1, 0, 0] || b[0...3] == Array("true".utf8)[0...3] else { return false }
        let tables = Int(b[4]) << 8 | Int(b[5])
        guard tables > 0, tables < 100, let dir = try? handle.read(upToCount: 16 * tables), dir.count == 16 * tables,
              let size = try? handle.seekToEnd() else { return false }
        let d = [UInt8](dir)
        var tags = Set<String>()
        for i in 0..<tables {
            let r = 16 * i
            func u32(_ o: Int) -> UInt64 { UInt64(d[r + o]) << 24 | UInt64(d[r + o + 1]) << 16 | UInt64(d[r + o + 2]) << 8 | UInt64(d[r + o + 3]) }
            guard u32(8) + u32(12) <= size else { return false }
            tags.insert(String(decoding: d[r..<(r + 4)], as: UTF8.self))
        }
        return ["cmap", "glyf", "head", "hhea", "hmtx", "loca", "maxp"].allSatisfy(tags.contains)
    }

    /// Set while footers are drawn onto earlier pages.
    private var footerPage: HPDF_Page?
    var page: HPDF_Page { footerPage ?? pages[pages.count - 1] }
    var contentWidth: Float { Self.pageWidth - 2 * Self.margin }
    /// The lowest baseline content may use (the footer lives below it).
    var bottom: Float { Self.margin + 28 }

    func newPage() {
        guard let p = HPDF_AddPage(pdf) else { return }
        HPDF_Page_SetSize(p, HPDF_PAGE_SIZE_A4, HPDF_PAGE_PORTRAIT)
        pages.append(p)
        y = Self.pageHeight - Self.margin
        onNewPage?()
    }

    /// Starts a new page unless `height` points still fit above the footer.
    func ensure(_ height: Float) {
        if y - height < bottom { newPage() }
    }

    // MARK: text

    /// Characters DejaVu Sans has no glyph for, drawn with the fallback font instead.
    static func needsFallback(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x1100...0x11FF, 0x2E80...0x2FDF, 0x3000...0x303F, 0x3040...0x30FF, 0x3100...0x31FF,
             0x3200...0x9FFF, 0xA960...0xA97F, 0xAC00...0xD7FF, 0xF900...0xFAFF, 0xFE30...0xFE4F,
             0xFF00...0xFFEF, 0x20000...0x3FFFF: true
        default: false
        }
    }

    /// `text` cut into runs that share a font.
    private func runs(_ text: String, style: Style) -> [(HPDF_Font?, String)] {
        var out: [(Bool, String)] = []
        for s in text.unicodeScalars {
            // Control characters would show as boxes; drop them.
            if s.value < 0x20 || (0x7F...0x9F).contains(s.value) { continue }
            let fallback = Self.needsFallback(s)
            if let last = out.last, last.0 == fallback { out[out.count - 1].1.unicodeScalars.append(s) }
            else { out.append((fallback, String(s))) }
        }
        return out.map { ($0.0 ? fallbackFontLoaded() : (style == .bold ? boldFont : regularFont), $0.1) }
    }

    private func fallbackFontLoaded() -> HPDF_Font? {
        if fallbackFont == nil, Self.isTrueType(fonts.fallback) { fallbackFont = loadFont(fonts.fallback) }
        return fallbackFont ?? regularFont
    }

    func width(_ text: String, size: Float, style: Style = .regular) -> Float {
        runs(text, style: style).reduce(0) { sum, run in
            guard let font = run.0 else { return sum }
            let w = HPDF_Font_TextWidth(font, run.1, UInt32(run.1.utf8.count))
            return sum + Float(w.width) * size / 1000
        }
    }

    /// `text` shortened with an ellipsis until it fits in `maxWidth`. Values come from dropped
    /// files and may be 64 KiB long: no glyph is narrower than 0.1 em, so anything past
    /// `maxWidth / (0.1 · size)` characters is cut before measuring (libharu refuses strings of
    /// 64 KiB), and the cut point is found by bisection, not one character at a time.
    func fit(_ text: String, maxWidth: Float, size: Float, style: Style = .regular) -> String {
        let most = Int(max(maxWidth, 0) / (0.1 * max(size, 0.1))) + 1
        var chars = Array(text.prefix(most + 1))
        if chars.count <= most, width(text, size: size, style: style) <= maxWidth { return text }
        chars = Array(chars.prefix(most))
        var (lo, hi) = (0, chars.count)  // the longest prefix that fits with "…" lies in lo...hi
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if width(String(chars[..<mid]) + "…", size: size, style: style) <= maxWidth { lo = mid } else { hi = mid - 1 }
        }
        return String(chars[..<lo]) + "…"
    }

    func text(_ text: String, x: Float, y: Float, size: Float, style: Style = .regular, color: (Float, Float, Float) = (0, 0, 0)) {
        HPDF_Page_SetRGBFill(page, color.0, color.1, color.2)
        HPDF_Page_BeginText(page)
        var cx = x
        for (font, run) in runs(text, style: style) {
            guard let font else { continue }
            HPDF_Page_SetFontAndSize(page, font, size)
            HPDF_Page_TextOut(page, cx, y, run)
            cx += Float(HPDF_Font_TextWidth(font, run, UInt32(run.utf8.count)).width) * size / 1000
        }
        HPDF_Page_EndText(page)
    }

    /// A line of text at the cursor, then the cursor moves down by `leading`.
    func line(_ s: String, size: Float = 10, style: Style = .regular, indent: Float = 0, leading: Float? = nil) {
        let step = leading ?? size * 1.45
        ensure(step)
        y -= step
        text(fit(s, maxWidth: contentWidth - indent, size: size, style: style), x: Self.margin + indent, y: y, size: size, style: style)
    }

    // MARK: shapes and images

    func fillRect(x: Float, y: Float, width: Float, height: Float, color: (Float, Float, Float)) {
        HPDF_Page_SetRGBFill(page, color.0, color.1, color.2)
        HPDF_Page_Rectangle(page, x, y, width, height)
        HPDF_Page_Fill(page)
    }

    func strokeLine(from a: (Float, Float), to b: (Float, Float), width: Float = 0.5, color: (Float, Float, Float) = (0, 0, 0)) {
        HPDF_Page_SetLineWidth(page, width)
        HPDF_Page_SetRGBStroke(page, color.0, color.1, color.2)
        HPDF_Page_MoveTo(page, a.0, a.1)
        HPDF_Page_LineTo(page, b.0, b.1)
        HPDF_Page_Stroke(page)
    }

    func strokeRect(x: Float, y: Float, width: Float, height: Float, lineWidth: Float = 0.5) {
        HPDF_Page_SetLineWidth(page, lineWidth)
        HPDF_Page_SetRGBStroke(page, 0, 0, 0)
        HPDF_Page_Rectangle(page, x, y, width, height)
        HPDF_Page_Stroke(page)
    }

    /// Draws PNG bytes with the lower-left corner at (x, y).
    func png(_ data: Data, x: Float, y: Float, width: Float, height: Float) throws {
        let image = data.withUnsafeBytes { raw in
            HPDF_LoadPngImageFromMem(pdf, raw.bindMemory(to: UInt8.self).baseAddress, UInt32(raw.count))
        }
        guard let image else { throw ReportRenderError(.libraryFailure(code: Int(HPDF_GetError(pdf))), file: outputName) }
        HPDF_Page_DrawImage(page, image, x, y, width, height)
    }

    // MARK: output

    /// "Page i of n" and `footer` on every page, then the document's bytes.
    func finish(footer: String) throws -> Data {
        for (i, p) in pages.enumerated() {
            footerPage = p
            strokeLine(from: (Self.margin, Self.margin + 18), to: (Self.pageWidth - Self.margin, Self.margin + 18), width: 0.3,
                       color: (0.5, 0.5, 0.5))
            text(fit(footer, maxWidth: contentWidth - 80, size: 8, style: .bold), x: Self.margin, y: Self.margin + 6, size: 8, style: .bold)
            let label = "Page \(i + 1) of \(pages.count)"
            text(label, x: Self.pageWidth - Self.margin - width(label, size: 8), y: Self.margin + 6, size: 8)
        }
        footerPage = nil
        guard HPDF_GetError(pdf) == HPDF_OK else {
            throw ReportRenderError(.libraryFailure(code: Int(HPDF_GetError(pdf))), file: outputName)
        }
        let status = HPDF_SaveToStream(pdf)
        guard status == HPDF_OK else { throw ReportRenderError(.libraryFailure(code: Int(status)), file: outputName) }
        var size = HPDF_GetStreamSize(pdf)
        var bytes = [UInt8](repeating: 0, count: Int(size))
        let read = HPDF_ReadFromStream(pdf, &bytes, &size)
        guard read == HPDF_OK || read == HPDF_STREAM_EOF else {
            throw ReportRenderError(.libraryFailure(code: Int(read)), file: outputName)
        }
        return PDFToUnicodeFix.patch(Data(bytes.prefix(Int(size))))
    }

    /// ISO 8601 (`2026-03-01T12:34:56Z`, with or without offset) as a PDF date; nil if unparsable.
    static func pdfDate(_ text: String) -> HPDF_Date? {
        guard let date = try? Date(text, strategy: .iso8601) else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return HPDF_Date(year: Int32(c.year ?? 0), month: Int32(c.month ?? 1), day: Int32(c.day ?? 1), hour: Int32(c.hour ?? 0),
                         minutes: Int32(c.minute ?? 0), seconds: Int32(c.second ?? 0), ind: CChar(UInt8(ascii: "Z")),
                         off_hour: 0, off_minutes: 0)
    }
}
