public import Kernels

/// Everything the Image Pixel, Modality LUT, VOI LUT and Palette Color LUT modules say about
/// how to turn Pixel Data bytes into values — plain values, so decoding needs no data set.
public struct PixelDescription: Sendable, Hashable {
    public var rows: Int
    public var columns: Int
    public var samplesPerPixel: Int
    public var bitsAllocated: Int
    public var bitsStored: Int
    public var highBit: Int
    /// 0 unsigned, 1 two's complement.
    public var pixelRepresentation: Int
    public var photometricInterpretation: String
    /// 0 samples interleaved per pixel, 1 one plane per sample.
    public var planarConfiguration: Int
    public var numberOfFrames: Int
    public var rescaleSlope: Double
    public var rescaleIntercept: Double
    public var windowCenters: [Double]
    public var windowWidths: [Double]
    public var voiLUTFunction: VOIFunction
    public var palette: PaletteLUT?
    /// First item of the VOI LUT Sequence (0028,3010); preferred over windows, as pydicom does.
    public var voiLUT: VOILUT?
    /// First item of the Modality LUT Sequence (0028,3000); replaces the rescale when present.
    public var modalityLUT: LookupTable?

    public init(
        rows: Int, columns: Int, samplesPerPixel: Int = 1, bitsAllocated: Int, bitsStored: Int? = nil,
        highBit: Int? = nil, pixelRepresentation: Int = 0,
        photometricInterpretation: String = "MONOCHROME2", planarConfiguration: Int = 0,
        numberOfFrames: Int = 1, rescaleSlope: Double = 1, rescaleIntercept: Double = 0,
        windowCenters: [Double] = [], windowWidths: [Double] = [],
        voiLUTFunction: VOIFunction = .linear, palette: PaletteLUT? = nil, voiLUT: VOILUT? = nil,
        modalityLUT: LookupTable? = nil
    ) {
        self.rows = rows
        self.columns = columns
        self.samplesPerPixel = samplesPerPixel
        self.bitsAllocated = bitsAllocated
        self.bitsStored = bitsStored ?? bitsAllocated
        self.highBit = highBit ?? (bitsStored ?? bitsAllocated) - 1
        self.pixelRepresentation = pixelRepresentation
        self.photometricInterpretation = photometricInterpretation
        self.planarConfiguration = planarConfiguration
        self.numberOfFrames = numberOfFrames
        self.rescaleSlope = rescaleSlope
        self.rescaleIntercept = rescaleIntercept
        self.windowCenters = windowCenters
        self.windowWidths = windowWidths
        self.voiLUTFunction = voiLUTFunction
        self.palette = palette
        self.voiLUT = voiLUT
        self.modalityLUT = modalityLUT
    }

    public var pixelsPerFrame: Int { rows * columns }
    public var isSigned: Bool { pixelRepresentation == 1 }
    public var isColor: Bool { samplesPerPixel > 1 || photometricInterpretation == "PALETTE COLOR" }
    public var isMonochrome1: Bool { photometricInterpretation == "MONOCHROME1" }
    /// YBR_FULL_422 native data holds two luminance samples and one Cb/Cr pair per two pixels.
    var isSubsampled422: Bool { photometricInterpretation == "YBR_FULL_422" }

    /// Bits one native frame occupies (frames of 1-bit data need not start on a byte).
    public var bitsPerFrame: Int {
        isSubsampled422 ? pixelsPerFrame * 2 * bitsAllocated : pixelsPerFrame * samplesPerPixel * bitsAllocated
    }

    /// The window the VOI stage uses by default (the first pair), if any.
    public func window(_ index: Int = 0) -> VOIWindow? {
        guard index < windowCenters.count, index < windowWidths.count else { return nil }
        return VOIWindow(center: windowCenters[index], width: windowWidths[index], function: voiLUTFunction)
    }

    func validate() throws {
        func bad(_ name: String) -> PixelDecodingError { PixelDecodingError(.badAttribute(name)) }
        // US attributes: a larger value comes from a wrong VR, and would overflow the sizes.
        guard rows > 0, rows <= 0xFFFF else { throw bad("Rows (0028,0010)") }
        guard columns > 0, columns <= 0xFFFF else { throw bad("Columns (0028,0011)") }
        guard samplesPerPixel == 1 || samplesPerPixel == 3 else { throw bad("Samples per Pixel (0028,0002)") }
        guard [1, 8, 16, 32].contains(bitsAllocated) else { throw bad("Bits Allocated (0028,0100)") }
        guard bitsStored >= 1, bitsStored <= bitsAllocated else { throw bad("Bits Stored (0028,0101)") }
        guard numberOfFrames >= 1, numberOfFrames <= Int(Int32.max) else { throw bad("Number of Frames (0028,0008)") }
    }

    /// Refuses, naming the attribute, a header that is unusable or asks for more than `limits`.
    public func check(_ limits: PixelLimits) throws {
        try validate()
        try limits.check(rows: rows, columns: columns, samplesPerPixel: samplesPerPixel, bitsAllocated: bitsAllocated,
                         frames: numberOfFrames)
    }
}

/// What a header may make Sluice allocate or read. A header is only numbers — a 9 KB file can
/// declare 2³¹−1 frames of 65535² pixels — so these are checked, with checked arithmetic,
/// before a frame is decoded or a whole file is read. The pipeline file's `limits:` sets them.
public struct PixelLimits: Sendable, Equatable {
    /// Rows × Columns of one frame. Default 2²⁵ (about 5792²): a 4096 × 5120 mammogram fits,
    /// and one decoded frame stays near 400 MB however it is windowed.
    public var maxFramePixels: Int
    /// Number of Frames of one image. Default 10,000.
    public var maxFrames: Int
    /// The whole pixel data of one image at its stored depth, and (with 16 MiB for the rest of
    /// the header) the most of one file read into memory at once. Default 1 GiB.
    public var maxDecodedBytes: Int

    public init(maxFramePixels: Int = 1 << 25, maxFrames: Int = 10_000, maxDecodedBytes: Int = 1 << 30) {
        self.maxFramePixels = maxFramePixels
        self.maxFrames = maxFrames
        self.maxDecodedBytes = maxDecodedBytes
    }

    public static let `default` = PixelLimits()

    /// The largest file read whole (pixel data at the limit plus a header).
    public var maxFileBytes: Int {
        let (sum, overflow) = maxDecodedBytes.addingReportingOverflow(1 << 24)
        return overflow ? .max : sum
    }

    /// Checks the sizes a header declares: each product with overflow reported, each value
    /// against its limit. Values must already be in range (see `PixelDescription.validate`) for
    /// the error to name the right attribute; any overflow is reported as over the limit.
    public func check(rows: Int, columns: Int, samplesPerPixel: Int, bitsAllocated: Int, frames: Int) throws {
        let (pixels, o1) = rows.multipliedReportingOverflow(by: columns)
        guard !o1, pixels <= maxFramePixels else {
            throw PixelDecodingError(.overLimit(attribute: "Rows × Columns (0028,0010)×(0028,0011)", limit: maxFramePixels))
        }
        guard frames <= maxFrames else {
            throw PixelDecodingError(.overLimit(attribute: "Number of Frames (0028,0008)", limit: maxFrames))
        }
        guard let bytes = Self.decodedBytes(rows: rows, columns: columns, samplesPerPixel: samplesPerPixel,
                                            bitsAllocated: bitsAllocated, frames: frames), bytes <= maxDecodedBytes else {
            throw PixelDecodingError(.overLimit(attribute: "Pixel Data (7FE0,0010) as decoded", limit: maxDecodedBytes))
        }
    }

    /// Bytes of `frames` native frames (rounded up to whole bytes per frame), or nil on overflow.
    public static func decodedBytes(rows: Int, columns: Int, samplesPerPixel: Int, bitsAllocated: Int, frames: Int) -> Int? {
        var total = 1
        for factor in [rows, columns, max(samplesPerPixel, 1), max(bitsAllocated, 1)] {
            guard factor >= 0 else { return nil }
            let (p, o) = total.multipliedReportingOverflow(by: factor)
            guard !o else { return nil }
            total = p
        }
        let (bytes, o) = (total / 8 + (total % 8 == 0 ? 0 : 1)).multipliedReportingOverflow(by: max(frames, 1))
        return o ? nil : bytes
    }
}

/// Palette Color Lookup Table (PS3.3 C.7.6.3.1.5/6): one descriptor shared by the three
/// channels, data as stored (8- or 16-bit little-endian entries).
public struct PaletteLUT: Sendable, Hashable {
    /// Entries (a descriptor value of 0 means 65536), first mapped stored value, bits per entry.
    public var entries: Int
    public var firstMapped: Int
    public var bitsPerEntry: Int
    public var red: [UInt8], green: [UInt8], blue: [UInt8]

    public init(descriptor: [Int], red: [UInt8], green: [UInt8], blue: [UInt8]) {
        // US/SS values: anything outside comes from a wrong VR, and would overflow the lookups.
        entries = descriptor.first.map { $0 == 0 ? 65536 : min(max($0, 0), 65536) } ?? 0
        firstMapped = descriptor.count > 1 ? LookupTable.clampedFirstMapped(descriptor[1]) : 0
        bitsPerEntry = descriptor.count > 2 ? descriptor[2] : 16
        self.red = red
        self.green = green
        self.blue = blue
    }

    /// Each channel as 8-bit values; the entry width comes from the data length, since some
    /// writers store 8-bit entries in 16-bit words or say 16 bits and write bytes.
    func channel8(_ data: [UInt8]) -> [UInt8] {
        guard entries > 0 else { return [] }
        if data.count >= entries * 2 {
            return (0..<entries).map { data[2 * $0 + 1] }          // high byte of each LE word
        }
        return Array(data.prefix(entries))
    }
}

/// One Modality or VOI LUT Sequence item: LUT Descriptor and LUT Data (PS3.3 C.11.1, C.11.2.1.1).
public struct LookupTable: Sendable, Hashable {
    public var firstMapped: Int
    public var bitsPerEntry: Int
    public var data: [UInt16]

    public init(descriptor: [Int], data: [UInt16]) {
        let count = descriptor.first.map { $0 == 0 ? 65536 : min(max($0, 0), 65536) } ?? data.count
        firstMapped = descriptor.count > 1 ? Self.clampedFirstMapped(descriptor[1]) : 0
        bitsPerEntry = descriptor.count > 2 ? descriptor[2] : 16
        self.data = Array(data.prefix(count))
    }

    /// The first mapped value within what US or SS can hold (a wrong VR can carry any
    /// integer, and `value − firstMapped` must not overflow).
    static func clampedFirstMapped(_ v: Int) -> Int { min(max(v, -0x8000), 0xFFFF) }

    /// Input values below the first mapped value take entry 0, those past the end the last.
    func lookup(_ samples: [Int32]) -> [Int32] {
        guard !data.isEmpty else { return samples }
        let mask = bitsPerEntry >= 16 ? 0xFFFF : (1 << max(bitsPerEntry, 1)) - 1
        let last = data.count - 1
        return samples.map { v in
            let i = Int(v) - firstMapped
            return Int32(Int(data[i < 0 ? 0 : (i > last ? last : i)]) & mask)
        }
    }
}

public typealias VOILUT = LookupTable
