// libFuzzer target for the DICOM reader: parse, then exercise every consumer of the parse
// (JSON, dump, copy + re-encode, value accessors, pixel decoding). Any crash, hang or sanitizer report is a bug;
// a DICOMParseError is the expected outcome for most inputs.
// Build and run: tools/fuzz/build.sh && .build/fuzz/dicom-fuzz -max_total_time=300 .build/fuzz/corpus
import DICOM
import Foundation

let headPath = NSTemporaryDirectory() + "/sluice-fuzz-\(getpid()).dcm"

@_cdecl("LLVMFuzzerTestOneInput")
public func dicomFuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
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
