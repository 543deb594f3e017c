import Kernels

/// One decoded frame: stored values after masking and sign extension (before any LUT),
/// row-major, samples interleaved per pixel whatever the file's Planar Configuration;
/// YBR_FULL_422 comes back expanded to three samples per pixel. Unsigned 32-bit values above
/// Int32.max keep their bit pattern.
public struct PixelFrame: Sendable, Hashable {
    public let index: Int
    public let description: PixelDescription
    public let samples: [Int32]
}

/// Pixel Data bytes → frames → modality values / 8-bit display images. Encapsulated frames go
/// through the codec of their transfer syntax (`FrameCodec`); syntaxes without one (MPEG, HEVC,
/// JPEG XL) throw `notDecoded` naming the syntax.
public enum PixelDecoder {
    /// A frame of native Pixel Data; `data` is the whole (7FE0,0010) value. Explicit VR big
    /// endian files store 16/32-bit words byte-swapped, hence `bigEndian`; there 8-bit samples
    /// in an OW value are swapped in pairs too, so pass the element's VR code.
    public static func decodeFrame(
        _ index: Int, native data: UnsafeRawBufferPointer, description d: PixelDescription,
        bigEndian: Bool = false, pixelDataVR: String = "OB"
    ) throws -> PixelFrame {
        let samples = try NativeUnpack.frame(
            index, in: data, d, bigEndian: bigEndian, swapBytePairs: bigEndian && pixelDataVR == "OW")
        return PixelFrame(index: index, description: d, samples: samples)
    }

    /// A frame of encapsulated Pixel Data: `frameBytes` is that frame's fragments concatenated.
    /// The codec is chosen by transfer syntax (`FrameCodecs`); a syntax without one throws
    /// `notDecoded` naming it, a code stream the codec refuses throws `.codec` naming the frame.
    public static func decodeFrame(
        _ index: Int, encapsulated frameBytes: UnsafeRawBufferPointer, transferSyntaxUID uid: String,
        description d: PixelDescription
    ) throws -> PixelFrame {
        let syntax = TransferSyntax(uid: uid)
        if syntax == .encapsulatedUncompressed {
            // Encapsulated Uncompressed: each frame's fragments hold native little-endian data.
            var single = d
            single.numberOfFrames = 1
            let samples = try NativeUnpack.frame(0, in: frameBytes, single, bigEndian: false)
            return PixelFrame(index: index, description: d, samples: samples)
        }
        guard let codec = FrameCodecs.codec(for: syntax) else {
            throw PixelDecodingError(.notDecoded(name: CompressedSyntaxNames.name(uid), uid: uid), frame: index)
        }
        do { try d.validate() } catch let e as PixelDecodingError { throw PixelDecodingError(e.code, frame: index) }
        guard index >= 0, index < d.numberOfFrames else {
            throw PixelDecodingError(.frameOutOfRange(count: d.numberOfFrames), frame: index)
        }
        let decoded: CodecFrame
        do {
            decoded = try codec.decode(frameBytes, d)
        } catch let error as CodecError {
            throw PixelDecodingError(.codec(name: codec.name, message: error.message), frame: index)
        }
        return try frame(index, from: decoded, d)
    }

    /// A codec's output through the native path: masked to Bits Stored and sign-extended as
    /// native data is, described with the photometric interpretation the codec left it in.
    static func frame(_ index: Int, from decoded: CodecFrame, _ d: PixelDescription) throws -> PixelFrame {
        var single = d
        single.numberOfFrames = 1
        single.planarConfiguration = 0
        single.photometricInterpretation = decoded.photometricInterpretation
        single.bitsAllocated = decoded.bytesPerSample * 8
        single.bitsStored = min(d.bitsStored, single.bitsAllocated)
        single.highBit = single.bitsStored - 1
        let needed = d.pixelsPerFrame * d.samplesPerPixel * decoded.bytesPerSample
        guard decoded.bytes.count >= needed else {
            throw PixelDecodingError(.truncated(needed: needed, available: decoded.bytes.count), frame: index)
        }
        let samples = try decoded.bytes.withUnsafeBytes { try NativeUnpack.frame(0, in: $0, single, bigEndian: false) }
        var described = d
        described.photometricInterpretation = decoded.photometricInterpretation
        described.planarConfiguration = 0
        return PixelFrame(index: index, description: described, samples: samples)
    }

    /// Modality LUT applied (the LUT Sequence when present, else Rescale Slope/Intercept):
    /// values in output units, e.g. HU.
    public static func modalityValues(frame: PixelFrame) -> [Float] {
        let (input, slope, intercept) = modalityStage(frame)
        var out = [Float](repeating: 0, count: input.count)
        input.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer {
                modalityRescale($0, src, slope: Float(slope), intercept: Float(intercept))
            }
        }
        return out
    }

    /// Values entering the VOI stage, as integers plus the rescale still to apply.
    static func modalityStage(_ frame: PixelFrame) -> (values: [Int32], slope: Double, intercept: Double) {
        let d = frame.description
        if let lut = d.modalityLUT { return (lut.lookup(frame.samples), 1, 0) }
        return (frame.samples, d.rescaleSlope, d.rescaleIntercept)
    }

    /// Grayscale display image: modality LUT → VOI (the VOI LUT Sequence when present, else
    /// window `windowIndex`, else the frame's full range) → 8 bits, MONOCHROME1 inverted so
    /// that 255 is always white. Colour frames are converted to RGB and then to luminance.
    public static func render8Bit(frame: PixelFrame, windowIndex: Int = 0) throws -> [UInt8] {
        let d = frame.description
        if d.isColor {
            let rgb = try rgb8(frame: frame)
            return (0..<d.pixelsPerFrame).map { p in
                let y = 0.299 * Float(rgb[3 * p]) + 0.587 * Float(rgb[3 * p + 1]) + 0.114 * Float(rgb[3 * p + 2])
                return UInt8(min(255, (y + 0.5).rounded(.down)))
            }
        }
        var out = [UInt8](repeating: 0, count: frame.samples.count)
        let (values, slope, intercept) = modalityStage(frame)
        if let lut = d.voiLUT, !lut.data.isEmpty {
            let table = voiLUTTo8BitTable(lut.data, bitsPerEntry: lut.bitsPerEntry)
            let input = slope == 1 && intercept == 0
                ? values
                : modalityValues(frame: frame).map(Self.clampedInt32)
            table.withUnsafeBufferPointer { t in
                input.withUnsafeBufferPointer { src in
                    out.withUnsafeMutableBufferPointer { voiLUTLookup($0, src, table: t, firstMapped: lut.firstMapped) }
                }
            }
            if d.isMonochrome1 {
                out.withUnsafeMutableBufferPointer { invert8Bit($0, UnsafeBufferPointer($0)) }
            }
            return out
        }
        let window = d.window(windowIndex) ?? fullRangeWindow(values, slope: slope, intercept: intercept)
        values.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer {
                windowTo8Bit($0, src, slope: slope, intercept: intercept,
                             window: window, invert: d.isMonochrome1)
            }
        }
        return out
    }

    /// A modality value as a LUT input: truncated toward zero, clamped to Int32, NaN as 0 (a
    /// float-to-integer conversion of NaN or ±inf traps).
    static func clampedInt32(_ v: Float) -> Int32 {
        guard !v.isNaN else { return 0 }
        if v >= 2147483520 { return .max }  // the largest Float below 2³¹
        if v <= -2147483648 { return .min }
        return Int32(v.rounded(.towardZero))
    }

    /// Colour display image, 3 bytes per pixel (R, G, B).
    public static func rgb8(frame: PixelFrame) throws -> [UInt8] {
        let d = frame.description
        guard d.isColor else {
            return try render8Bit(frame: frame).flatMap { [$0, $0, $0] }
        }
        return try ColorConversion.rgb8(frame.samples, d)
    }

    /// Without a window in the file: map the frame's rescaled minimum…maximum onto 0…255.
    static func fullRangeWindow(_ values: [Int32], slope: Double, intercept: Double) -> VOIWindow {
        guard let lo = values.min(), let hi = values.max() else {
            return VOIWindow(center: 0, width: 1, function: .linearExact)
        }
        let a = Double(lo) * slope + intercept
        let b = Double(hi) * slope + intercept
        return VOIWindow(center: (a + b) / 2, width: max(abs(b - a), 1), function: .linearExact)
    }
}
