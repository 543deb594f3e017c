/// One frame as a codec hands it back: samples in native little-endian layout, interleaved per
/// pixel (Planar Configuration 0), `bytesPerSample` wide, in `photometricInterpretation` —
/// which differs from the data set's when the codec converted colour (JPEG 2000's
/// multi-component transform gives RGB) or expanded subsampled chroma (YBR_FULL_422 → YBR_FULL).
public struct CodecFrame: Sendable {
    public var bytes: [UInt8]
    public var bytesPerSample: Int
    public var photometricInterpretation: String
    /// Bits of each sample the code stream carries (its precision); at most `bytesPerSample × 8`.
    public var precision: Int

    public init(bytes: [UInt8], bytesPerSample: Int, photometricInterpretation: String, precision: Int) {
        self.bytes = bytes
        self.bytesPerSample = bytesPerSample
        self.photometricInterpretation = photometricInterpretation
        self.precision = precision
    }
}

/// Why a codec refused a code stream: its own words (no pixel values), for `PixelDecodingError`.
public struct CodecError: Error, Sendable, Hashable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// The seam every encapsulated transfer syntax's decoder sits behind (one file per codec, as
/// pydicom keeps one decoder per syntax). A codec gets one frame's code stream (its fragments
/// joined) and the pixel module, checks every size the stream declares against that module
/// before allocating, and returns the frame; it never sees the data set or the file.
public protocol FrameCodec: Sendable {
    /// How errors name it, e.g. "JPEG Lossless".
    var name: String { get }
    func decode(_ codeStream: UnsafeRawBufferPointer, _ description: PixelDescription) throws -> CodecFrame
}

/// Which codec decodes which transfer syntax.
public enum FrameCodecs {
    public static func codec(for syntax: TransferSyntax) -> (any FrameCodec)? {
        switch syntax {
        case .rleLossless: RLEFrameCodec()
        case .jpegBaseline, .jpegExtended: JPEGDCTCodec()
        case .jpegLossless, .jpegLosslessSV1: JPEGLosslessCodec()
        case .jpegLSLossless, .jpegLSNearLossless: JPEGLSCodec()
        case .jpeg2000Lossless, .jpeg2000, .htj2kLossless, .htj2kLosslessRPCL, .htj2k: JPEG2000Codec()
        default: nil
        }
    }

    /// Every syntax that has a codec (the samples' and benchmarks' list).
    public static let decodable: [TransferSyntax] = [
        .rleLossless, .jpegBaseline, .jpegExtended, .jpegLossless, .jpegLosslessSV1, .jpegLSLossless,
        .jpegLSNearLossless, .jpeg2000Lossless, .jpeg2000, .htj2kLossless, .htj2kLosslessRPCL, .htj2k,
    ]

    /// The size a codec must check a code stream's declared geometry against: one frame of the
    /// pixel module (`pixelsPerFrame × samplesPerPixel` samples). Nil when it overflows.
    static func frameSamples(_ d: PixelDescription) -> Int? {
        let (n, o) = d.pixelsPerFrame.multipliedReportingOverflow(by: d.samplesPerPixel)
        return o ? nil : n
    }

    /// Refuses a code stream whose geometry is not the data set's.
    static func checkGeometry(width: Int, height: Int, components: Int, precision: Int, _ d: PixelDescription,
                              maxPrecision: Int) throws {
        guard width == d.columns, height == d.rows else {
            throw CodecError("the code stream is \(width) × \(height) pixels, the data set says \(d.columns) × \(d.rows)")
        }
        guard components == d.samplesPerPixel else {
            throw CodecError("the code stream has \(components) components, the data set says \(d.samplesPerPixel) samples per pixel")
        }
        guard precision >= 1, precision <= maxPrecision else {
            throw CodecError("sample precision \(precision) is outside 1…\(maxPrecision)")
        }
        guard precision <= max(d.bitsAllocated, 8) else {
            throw CodecError("sample precision \(precision) exceeds Bits Allocated \(d.bitsAllocated)")
        }
    }
}

/// RLE Lossless behind the codec seam (the PackBits work is in `RLECodec`).
struct RLEFrameCodec: FrameCodec {
    var name: String { "RLE Lossless" }

    func decode(_ codeStream: UnsafeRawBufferPointer, _ d: PixelDescription) throws -> CodecFrame {
        let bytes: [UInt8]
        do {
            bytes = try RLECodec.decode(fragment: codeStream, rows: d.rows, columns: d.columns,
                                        samplesPerPixel: d.samplesPerPixel, bitsAllocated: d.bitsAllocated)
        } catch let error as RLEError {
            throw CodecError(error.description)
        }
        return CodecFrame(bytes: bytes, bytesPerSample: max(1, d.bitsAllocated / 8),
                          photometricInterpretation: d.photometricInterpretation, precision: d.bitsAllocated)
    }
}
