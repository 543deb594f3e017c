import Kernels

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
        guard rows > 0 else { throw bad("Rows (0028,0010)") }
        guard columns > 0 else { throw bad("Columns (0028,0011)") }
        guard samplesPerPixel == 1 || samplesPerPixel == 3 else { throw bad("Samples per Pixel (0028,0002)") }
        guard [1, 8, 16, 32].contains(bitsAllocated) else { throw bad("Bits Allocated (0028,0100)") }
        guard bitsStored >= 1, bitsStored <= bitsAllocated else { throw bad("Bits Stored (0028,0101)") }
        guard numberOfFrames >= 1 else { throw bad("Number of Frames (0028,0008)") }
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
        entries = descriptor.first.map { $0 == 0 ? 65536 : $0 } ?? 0
        firstMapped = descriptor.count > 1 ? descriptor[1] : 0
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
        let count = descriptor.first.map { $0 == 0 ? 65536 : $0 } ?? data.count
        firstMapped = descriptor.count > 1 ? descriptor[1] : 0
        bitsPerEntry = descriptor.count > 2 ? descriptor[2] : 16
        self.data = Array(data.prefix(count))
    }

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
