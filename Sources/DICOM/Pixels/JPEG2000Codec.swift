import COpenJPEG
#if canImport(Glibc)
import Glibc
#endif

/// JPEG 2000 (1.2.840.10008.1.2.4.90/.91) and High-Throughput JPEG 2000 (.201–.203) through
/// OpenJPEG, which decodes HTJ2K since 2.5. The header is read first and its geometry checked
/// against the data set before OpenJPEG allocates the image. When the code stream uses the
/// multi-component transform OpenJPEG undoes it, so YBR_ICT / YBR_RCT come back as RGB.
struct JPEG2000Codec: FrameCodec {
    var name: String { "JPEG 2000" }

    func decode(_ codeStream: UnsafeRawBufferPointer, _ d: PixelDescription) throws -> CodecFrame {
        guard let base = codeStream.baseAddress, codeStream.count >= 4 else {
            throw CodecError("code stream shorter than a marker")
        }
        let b = codeStream
        // A raw code stream starts with SOC (FF4F); a JP2 file (seen in the wild) with its signature box.
        let format: OPJ_CODEC_FORMAT
        if b[0] == 0xFF && b[1] == 0x4F { format = OPJ_CODEC_J2K }
        else if b.count >= 12 && b[4] == 0x6A && b[5] == 0x50 && b[6] == 0x20 && b[7] == 0x20 { format = OPJ_CODEC_JP2 }
        else { throw CodecError("no JPEG 2000 code stream (SOC marker or JP2 signature) at the start of the frame") }

        guard let codec = opj_create_decompress(format) else { throw CodecError("OpenJPEG could not create a decoder") }
        defer { opj_destroy_codec(codec) }
        var message = [CChar](repeating: 0, count: 256)
        var memory = sluice_opj_memory(data: base.assumingMemoryBound(to: UInt8.self), size: codeStream.count, offset: 0)
        return try message.withUnsafeMutableBufferPointer { msg in
            sluice_opj_handlers(codec, msg.baseAddress)
            func failure(_ what: String) -> CodecError {
                let detail = String(cString: msg.baseAddress!)
                return CodecError(detail.isEmpty ? what : "\(what): \(detail)")
            }
            var parameters = opj_dparameters_t()
            opj_set_default_decoder_parameters(&parameters)
            guard opj_setup_decoder(codec, &parameters) != 0 else { throw failure("OpenJPEG refused the decoder setup") }
            return try withUnsafeMutablePointer(to: &memory) { mem in
                guard let stream = sluice_opj_stream(mem) else { throw CodecError("OpenJPEG could not create a stream") }
                defer { opj_stream_destroy(stream) }
                var imagePointer: UnsafeMutablePointer<opj_image_t>?
                guard opj_read_header(stream, codec, &imagePointer) != 0, let image = imagePointer else {
                    throw failure("unreadable JPEG 2000 header")
                }
                defer { opj_image_destroy(image) }
                let header = image.pointee
                let width = Int(header.x1) - Int(header.x0), height = Int(header.y1) - Int(header.y0)
                let components = Int(header.numcomps)
                guard components >= 1, components <= 4, let comps = header.comps else {
                    throw CodecError("the code stream has \(components) components")
                }
                let precision = Int(comps[0].prec)
                try FrameCodecs.checkGeometry(width: width, height: height, components: components,
                                              precision: precision, d, maxPrecision: 32)
                for c in 0..<components where comps[c].dx != 1 || comps[c].dy != 1 || comps[c].prec != comps[0].prec {
                    throw CodecError("component \(c) is subsampled or has another precision")
                }
                guard opj_decode(codec, stream, image) != 0, opj_end_decompress(codec, stream) != 0 else {
                    throw failure("corrupt JPEG 2000 code stream")
                }
                let decoded = image.pointee
                guard let out = decoded.comps else { throw CodecError("OpenJPEG returned no components") }
                for c in 0..<components {
                    guard out[c].data != nil, Int(out[c].w) == width, Int(out[c].h) == height else {
                        throw CodecError("OpenJPEG returned component \(c) incomplete")
                    }
                }
                let bytesPerSample = precision <= 8 ? 1 : precision <= 16 ? 2 : 4
                let pixels = width * height
                let bytes = [UInt8](unsafeUninitializedCapacity: pixels * components * bytesPerSample) { dst, n in
                    n = pixels * components * bytesPerSample
                    for c in 0..<components {
                        let src = out[c].data!
                        switch bytesPerSample {
                        case 1:
                            for p in 0..<pixels { dst[p * components + c] = UInt8(truncatingIfNeeded: src[p]) }
                        case 2:
                            for p in 0..<pixels {
                                let v = UInt16(truncatingIfNeeded: src[p]), o = 2 * (p * components + c)
                                dst[o] = UInt8(truncatingIfNeeded: v); dst[o + 1] = UInt8(truncatingIfNeeded: v >> 8)
                            }
                        default:
                            for p in 0..<pixels {
                                let v = UInt32(bitPattern: src[p]), o = 4 * (p * components + c)
                                for k in 0..<4 { dst[o + k] = UInt8(truncatingIfNeeded: v >> (8 * k)) }
                            }
                        }
                    }
                }
                var pi = d.photometricInterpretation
                if pi == "YBR_ICT" || pi == "YBR_RCT" { pi = "RGB" }
                return CodecFrame(bytes: bytes, bytesPerSample: bytesPerSample, photometricInterpretation: pi,
                                  precision: precision)
            }
        }
    }
}

/// JPEG 2000 encoding through OpenJPEG, for sample files: a raw code stream (as DICOM wants),
/// grayscale, reversible 5/3 (lossless) or irreversible 9/7 at a compression ratio.
public enum JPEG2000Encoder {
    public static func encode(_ samples: [UInt16], rows: Int, columns: Int, precision: Int, lossyRatio: Float? = nil) throws -> [UInt8] {
        var parameters = opj_cparameters_t()
        opj_set_default_encoder_parameters(&parameters)
        parameters.tcp_numlayers = 1
        parameters.cp_disto_alloc = 1
        parameters.tcp_rates.0 = lossyRatio ?? 0
        parameters.irreversible = lossyRatio == nil ? 0 : 1
        // Resolutions: the smallest must still be at least one pixel.
        var levels = 1
        while levels < 6 && (1 << levels) <= min(rows, columns) { levels += 1 }
        parameters.numresolution = Int32(levels)
        var component = opj_image_cmptparm_t()
        component.dx = 1; component.dy = 1
        component.w = UInt32(columns); component.h = UInt32(rows)
        component.prec = UInt32(precision); component.sgnd = 0
        guard let image = opj_image_create(1, &component, OPJ_CLRSPC_GRAY) else { throw CodecError("OpenJPEG could not create an image") }
        defer { opj_image_destroy(image) }
        image.pointee.x1 = UInt32(columns); image.pointee.y1 = UInt32(rows)
        let data = image.pointee.comps[0].data!
        for i in 0..<(rows * columns) { data[i] = Int32(samples[i]) }
        guard let codec = opj_create_compress(OPJ_CODEC_J2K) else { throw CodecError("OpenJPEG could not create an encoder") }
        defer { opj_destroy_codec(codec) }
        var message = [CChar](repeating: 0, count: 256)
        var output = sluice_opj_output(data: nil, size: 0, capacity: 0, offset: 0)
        defer { free(output.data) }
        try message.withUnsafeMutableBufferPointer { msg in
            sluice_opj_handlers(codec, msg.baseAddress)
            guard opj_setup_encoder(codec, &parameters, image) != 0 else { throw CodecError("OpenJPEG refused the encoder setup") }
            try withUnsafeMutablePointer(to: &output) { out in
                guard let stream = sluice_opj_output_stream(out) else { throw CodecError("OpenJPEG could not create a stream") }
                defer { opj_stream_destroy(stream) }
                guard opj_start_compress(codec, image, stream) != 0, opj_encode(codec, stream) != 0,
                      opj_end_compress(codec, stream) != 0 else {
                    throw CodecError("OpenJPEG could not encode: \(String(cString: msg.baseAddress!))")
                }
            }
        }
        guard let bytes = output.data else { return [] }
        return Array(UnsafeBufferPointer(start: bytes, count: output.size))
    }
}
