import CPNG
public import Foundation

/// PNG encoding over libpng into memory. Deterministic: fixed zlib level and filters, and
/// no tIME or text chunks, so the same pixels always give the same bytes.
public enum PNGEncoder {
    public enum Channels: Int32, Sendable { case gray = 1, rgb = 3 }

    public static func encode(_ pixels: [UInt8], width: Int, height: Int, channels: Channels = .rgb,
                              zlibLevel: Int = 1) throws -> Data {
        guard width > 0, height > 0, width <= 1 << 20, height <= 1 << 20,
              pixels.count == width * height * Int(channels.rawValue) else {
            throw ReportRenderError(.badImage, file: "PNG")
        }
        final class Sink { var data = Data() }
        let sink = Sink()
        let status = pixels.withUnsafeBufferPointer { buffer in
            withExtendedLifetime(sink) {
                sluice_png_write(
                    buffer.baseAddress, UInt32(width), UInt32(height), channels.rawValue, Int32(min(max(zlibLevel, 0), 9)),
                    { context, bytes, count in
                        guard let context, let bytes else { return }
                        Unmanaged<Sink>.fromOpaque(context).takeUnretainedValue().data.append(bytes, count: count)
                    },
                    Unmanaged.passUnretained(sink).toOpaque())
            }
        }
        guard status == 0 else { throw ReportRenderError(.libraryFailure(code: Int(status)), file: "PNG") }
        return sink.data
    }
}
