import CCharLS

/// JPEG-LS lossless and near-lossless (1.2.840.10008.1.2.4.80/.81) through CharLS. The frame
/// header is read first and checked against the data set; CharLS then decodes into a buffer of
/// exactly that size, interleaved per pixel whatever the stream's interleave mode.
struct JPEGLSCodec: FrameCodec {
    var name: String { "JPEG-LS" }

    func decode(_ codeStream: UnsafeRawBufferPointer, _ d: PixelDescription) throws -> CodecFrame {
        guard let base = codeStream.baseAddress, codeStream.count >= 4 else {
            throw CodecError("code stream shorter than a marker")
        }
        guard let decoder = charls_jpegls_decoder_create() else { throw CodecError("CharLS could not create a decoder") }
        defer { charls_jpegls_decoder_destroy(decoder) }
        func check(_ code: charls_jpegls_errc, _ what: String) throws {
            guard code.rawValue != 0 else { return }
            throw CodecError("\(what): \(String(cString: charls_get_error_message(code)))")
        }
        try check(charls_jpegls_decoder_set_source_buffer(decoder, base, codeStream.count), "unreadable JPEG-LS stream")
        try check(charls_jpegls_decoder_read_header(decoder), "unreadable JPEG-LS header")
        var info = charls_frame_info()
        try check(charls_jpegls_decoder_get_frame_info(decoder, &info), "unreadable JPEG-LS frame header")
        let precision = Int(info.bits_per_sample), components = Int(info.component_count)
        try FrameCodecs.checkGeometry(width: Int(info.width), height: Int(info.height), components: components,
                                      precision: precision, d, maxPrecision: 16)
        var mode = CHARLS_INTERLEAVE_MODE_NONE
        try check(charls_jpegls_decoder_get_interleave_mode(decoder, &mode), "unreadable JPEG-LS scan header")
        let bytesPerSample = precision <= 8 ? 1 : 2
        let pixels = d.pixelsPerFrame
        let size = pixels * components * bytesPerSample
        var planar = [UInt8](repeating: 0, count: size)
        // CharLS writes planes for interleave mode NONE, pixels otherwise (stride 0: packed rows).
        try planar.withUnsafeMutableBytes { dst in
            try check(charls_jpegls_decoder_decode_to_buffer(decoder, dst.baseAddress!, size, 0), "corrupt JPEG-LS code stream")
        }
        if components > 1 && mode == CHARLS_INTERLEAVE_MODE_NONE {
            planar = Self.interleave(planar, pixels: pixels, components: components, bytesPerSample: bytesPerSample)
        }
        return CodecFrame(bytes: planar, bytesPerSample: bytesPerSample,
                          photometricInterpretation: d.photometricInterpretation, precision: precision)
    }

    static func interleave(_ planes: [UInt8], pixels: Int, components: Int, bytesPerSample: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: planes.count)
        for c in 0..<components {
            for p in 0..<pixels {
                for k in 0..<bytesPerSample {
                    out[(p * components + c) * bytesPerSample + k] = planes[(c * pixels + p) * bytesPerSample + k]
                }
            }
        }
        return out
    }
}

/// JPEG-LS encoding through CharLS, for sample files (grayscale, lossless or near-lossless).
public enum JPEGLSEncoder {
    /// `samples`: rows × columns values of `precision` bits; `near` 0 is lossless.
    public static func encode(_ samples: [UInt16], rows: Int, columns: Int, precision: Int, near: Int = 0) throws -> [UInt8] {
        guard let encoder = charls_jpegls_encoder_create() else { throw CodecError("CharLS could not create an encoder") }
        defer { charls_jpegls_encoder_destroy(encoder) }
        func check(_ code: charls_jpegls_errc) throws {
            if code.rawValue != 0 { throw CodecError(String(cString: charls_get_error_message(code))) }
        }
        var info = charls_frame_info(width: UInt32(columns), height: UInt32(rows), bits_per_sample: Int32(precision),
                                     component_count: 1)
        try check(charls_jpegls_encoder_set_frame_info(encoder, &info))
        try check(charls_jpegls_encoder_set_near_lossless(encoder, Int32(near)))
        var size = 0
        try check(charls_jpegls_encoder_get_estimated_destination_size(encoder, &size))
        var out = [UInt8](repeating: 0, count: size)
        var written = 0
        try out.withUnsafeMutableBytes { dst in
            try check(charls_jpegls_encoder_set_destination_buffer(encoder, dst.baseAddress!, size))
            let wide = precision > 8
            if wide {
                try samples.withUnsafeBytes { try check(charls_jpegls_encoder_encode_from_buffer(encoder, $0.baseAddress!, $0.count, 0)) }
            } else {
                let narrow = samples.map { UInt8(truncatingIfNeeded: $0) }
                try narrow.withUnsafeBytes { try check(charls_jpegls_encoder_encode_from_buffer(encoder, $0.baseAddress!, $0.count, 0)) }
            }
            try check(charls_jpegls_encoder_get_bytes_written(encoder, &written))
        }
        return Array(out.prefix(written))
    }
}
