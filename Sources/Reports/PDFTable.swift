/// A table that flows over pages: its header repeats on each page it continues on.
extension PDFDocument {
    struct Column {
        var title: String
        /// Fraction of the content width.
        var share: Float
        var alignRight = false
    }

    static let rowHeight: Float = 15

    func table(_ columns: [Column], rows: [[String]], fills: [(Float, Float, Float)?] = [], size: Float = 8.5) {
        let total = columns.map(\.share).reduce(0, +)
        let widths = columns.map { $0.share / total * contentWidth }
        func drawRow(_ cells: [String], fill: (Float, Float, Float)?, style: Style) {
            ensure(Self.rowHeight)
            y -= Self.rowHeight
            if let fill { fillRect(x: Self.margin, y: y, width: contentWidth, height: Self.rowHeight, color: fill) }
            var x = Self.margin
            for (i, column) in columns.enumerated() {
                let cell = fit(i < cells.count ? cells[i] : "", maxWidth: widths[i] - 6, size: size, style: style)
                let tx = column.alignRight ? x + widths[i] - 3 - width(cell, size: size, style: style) : x + 3
                text(cell, x: tx, y: y + 4.5, size: size, style: style)
                x += widths[i]
            }
            strokeLine(from: (Self.margin, y), to: (Self.margin + contentWidth, y), width: 0.2, color: (0.6, 0.6, 0.6))
        }
        let header = { drawRow(columns.map(\.title), fill: (0.85, 0.87, 0.9), style: .bold) }
        ensure(2 * Self.rowHeight)
        header()
        let previous = onNewPage
        onNewPage = { previous?(); header() }
        for (i, row) in rows.enumerated() { drawRow(row, fill: i < fills.count ? fills[i] : nil, style: .regular) }
        onNewPage = previous
    }
}

extension Urgency {
    /// Row fill in the PDF tables: red, amber, green, gray; violet for a study not analysed.
    var fill: (Float, Float, Float) {
        switch self {
        case .critical: (0.98, 0.76, 0.76)
        case .urgent: (1.0, 0.88, 0.70)
        case .routine: (0.84, 0.94, 0.84)
        case .none: (0.94, 0.94, 0.94)
        case .notAnalysed: (0.86, 0.82, 0.96)
        }
    }
}
