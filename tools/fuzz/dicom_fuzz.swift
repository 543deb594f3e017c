// libFuzzer target for the DICOM reader: parse, then exercise every consumer of the parse
// (JSON, dump, copy + re-encode, value accessors, pixel decoding). Any crash, hang or sanitizer report is a bug;
// a DICOMParseError is the expected outcome for most inputs.
// Build and run: tools/fuzz/build.sh && .build/fuzz/dicom-fuzz -max_total_time=300 .build/fuzz/corpus
import DICOM
import Foundation

let headPath = NSTemporaryDirectory() + "/sluice-fuzz-\(getpid()).dcm"

/// Every codec entry point on raw input: the first byte picks the syntax (seeds in
/// tools/fuzz/seeds start with it, "C" then the selector), the next five give rows, columns,
/// samples and bits of the pixel module the code stream is checked against, the rest is the
/// code stream. Any outcome but a `PixelDecodingError` or a frame is a bug.
let codecSyntaxes: [TransferSyntax] = [.jpegBaseline, .jpegExtended, .jpegLossless, .jpegLosslessSV1, .jpegLSLossless,
                                        .jpegLSNearLossless, .jpeg2000Lossless, .jpeg2000, .htj2k, .rleLossless]

func fuzzCodec(_ bytes: [UInt8]) {
    guard bytes.count >= 8, bytes[0] == 0x43 else { return }
    let syntax = codecSyntaxes[Int(bytes[1]) % codecSyntaxes.count]
    let rows = Int(bytes[2]) << 8 | Int(bytes[3]), columns = Int(bytes[4]) << 8 | Int(bytes[5])
    let samples = bytes[6] & 1 == 0 ? 1 : 3
    let bits = [8, 16, 32][Int(bytes[6] >> 1) % 3]
    let d = PixelDescription(rows: max(rows, 1), columns: max(columns, 1), samplesPerPixel: samples, bitsAllocated: bits,
                             bitsStored: min(bits, max(2, Int(bytes[7]) % 17)),
                             photometricInterpretation: samples == 3 ? "YBR_FULL_422" : "MONOCHROME2")
    // The limits a pipeline applies, checked first as decodeFrame(_:limits:) does.
    guard (try? d.check(PixelLimits(maxFramePixels: 1 << 22))) != nil else { return }
    let stream = Array(bytes[8...])
    if let frame = try? stream.withUnsafeBytes({
        try PixelDecoder.decodeFrame(0, encapsulated: $0, transferSyntaxUID: syntax.uid, description: d)
    }) {
        precondition(frame.samples.count == d.pixelsPerFrame * d.samplesPerPixel, "a decoded frame has the declared size")
        _ = try? PixelDecoder.rgb8(frame: frame)
        _ = StoredArray.npy([frame], d)
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func dicomFuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    fuzzCodec(bytes)
    // The header-only read from a file (one pread of the head, a larger one, then the mapping),
    // as validation uses it; the skipped pixel data's header is checked against the file size.
    if FileManager.default.createFile(atPath: headPath, contents: Data(bytes)),
       let head = try? DICOMFile.open(path: headPath, stopBeforePixels: true) {
        walk(head.dataSet, depth: 0)
        _ = head.skippedPixelData?.truncation(file: headPath)
    }
    for stop in [false, true] {
        guard let file = try? DICOMFile.parse(bytes: bytes, name: "fuzz", stopBeforePixels: stop) else { continue }
        _ = try? DICOMJSON.encode(file.dataSet)
        _ = DICOMDump.render(file)
        walk(file.dataSet, depth: 0)
        if case .encapsulated(_, let fragments)? = file.pixelData {
            for f in fragments { _ = file.storage.bytes(f).count }
        }
        // Every consumer of the pixel module's numbers, under the default limits: a header may
        // declare anything, and must give an error, never a trap or a huge allocation.
        let d = file.pixelDescription
        for frame in Set([0, 1, d.numberOfFrames - 1]) where frame >= 0 {
            guard let px = try? file.decodeFrame(frame) else { continue }
            _ = try? PixelDecoder.render8Bit(frame: px)
            _ = try? PixelDecoder.rgb8(frame: px)
            _ = PixelDecoder.modalityValues(frame: px)
        }
        let copy = MutableDataSet(file.dataSet)
        for ts in [TransferSyntax.explicitVRLittleEndian, .implicitVRLittleEndian, .explicitVRBigEndian] {
            if let out = try? DICOMWriter.encode(copy, transferSyntax: ts) {
                _ = try? DICOMFile.parse(bytes: out, name: "fuzz-rewrite")
            }
        }
    }
    return 0
}

func walk(_ ds: DataSet, depth: Int) {
    for e in ds.allElements {
        _ = ds.strings(e.tag)
        _ = ds.ints(e.tag)
        _ = ds.doubles(e.tag)
        _ = ds.privateCreator(for: e.tag)
        if let items = e.items {
            for item in items { walk(item, depth: depth + 1) }
        }
    }
}
