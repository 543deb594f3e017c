import Foundation
import Kernels
import Testing
import TestSupport
@testable import DICOM

/// The pydicom oracle: for every pixel-bearing file in pydicom's test data, plus synthetic
/// files for what that set lacks, it writes the raw Pixel Data (RLE frames split by pydicom)
/// and pydicom's `pixel_array`, modality LUT, VOI/windowing (scaled to 8 bits) and colour
/// output, all in one python process.
let pixelOracleScript = #"""
import json, sys, os, warnings
import numpy as np
warnings.simplefilter("ignore")
from pydicom import dcmread
from pydicom.data import get_testdata_files
from pydicom.encaps import generate_frames
from pydicom.pixels import apply_modality_lut, apply_voi_lut, apply_color_lut, pixel_array
LOSSY = {"1.2.840.10008.1.2.4.50", "1.2.840.10008.1.2.4.51", "1.2.840.10008.1.2.4.81", "1.2.840.10008.1.2.4.91",
         "1.2.840.10008.1.2.4.203"}
JPEG_DCT = {"1.2.840.10008.1.2.4.50", "1.2.840.10008.1.2.4.51"}
from pydicom.pixels.decoders import JPEGBaseline8BitDecoder
HAVE_PILLOW = "pillow" in JPEGBaseline8BitDecoder.available_plugins

out = sys.argv[1]
cases = []

def synthetic():
    # Files for what pydicom's test data lacks: VOI LUT, dirty unused bits, 1-bit frames that
    # are not byte aligned, 32-bit signed/unsigned, planar RGB/YBR, SIGMOID/LINEAR_EXACT, big endian.
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, RLELossless, ExplicitVRBigEndian
    from pydicom.sequence import Sequence
    rng = np.random.default_rng(5)
    paths = []
    def base(rows, cols, ba, bs, pr, pi="MONOCHROME2", spp=1, nf=1, ts=ExplicitVRLittleEndian):
        ds = Dataset(); ds.file_meta = FileMetaDataset(); ds.file_meta.TransferSyntaxUID = ts
        ds.file_meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.7"
        ds.file_meta.MediaStorageSOPInstanceUID = "1.2.3"
        ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.7"; ds.SOPInstanceUID = "1.2.3"
        ds.Rows, ds.Columns, ds.BitsAllocated, ds.BitsStored, ds.HighBit = rows, cols, ba, bs, bs - 1
        ds.PixelRepresentation, ds.PhotometricInterpretation, ds.SamplesPerPixel = pr, pi, spp
        if nf > 1: ds.NumberOfFrames = nf
        return ds
    def save(ds, name):
        p = f"{out}/{name}"; ds.save_as(p, enforce_file_format=True); paths.append(p)
    # VOI LUT on signed rescaled data, also MONOCHROME1
    for pi in ("MONOCHROME2", "MONOCHROME1"):
        ds = base(33, 45, 16, 12, 1, pi)
        a = rng.integers(-2048, 2047, size=(33, 45), dtype=np.int16)
        ds.PixelData = a.tobytes()
        ds.RescaleSlope, ds.RescaleIntercept = 1, -100
        item = Dataset(); item.add_new(0x00283002, "SS", [3000, -1500, 12])
        item.add_new(0x00283006, "US", [int(x) for x in np.sort(rng.integers(0, 4095, size=3000))])
        ds.VOILUTSequence = Sequence([item])
        save(ds, f"syn_voilut_{pi}.dcm")
    # dirty unused bits: 12 stored of 16, high nibble random
    for pr in (0, 1):
        ds = base(17, 31, 16, 12, pr, nf=2)
        a = rng.integers(0, 65535, size=(2, 17, 31), dtype=np.uint16)
        ds.PixelData = a.tobytes(); ds.WindowCenter, ds.WindowWidth = (0 if pr else 2048), 1500
        save(ds, f"syn_dirty_bits_pr{pr}.dcm")
    # 1-bit, 3 frames of 5x3 (15 bits: frames are not byte aligned)
    ds = base(5, 3, 1, 1, 0, nf=3)
    bits = rng.integers(0, 2, size=45, dtype=np.uint8)
    ds.PixelData = np.packbits(bits, bitorder="little").tobytes() + b"\0"
    save(ds, "syn_1bit_unaligned.dcm")
    # 32-bit signed with SIGMOID, 32-bit unsigned with LINEAR_EXACT
    ds = base(20, 19, 32, 32, 1)
    ds.PixelData = rng.integers(-300000, 300000, size=(20, 19), dtype=np.int32).tobytes()
    ds.WindowCenter, ds.WindowWidth, ds.VOILUTFunction = 1000, 200000, "SIGMOID"
    ds.RescaleSlope, ds.RescaleIntercept = 0.5, 10
    save(ds, "syn_32bit_sigmoid.dcm")
    ds = base(20, 19, 32, 24, 0)
    ds.PixelData = rng.integers(0, 2**24, size=(20, 19), dtype=np.uint32).tobytes()
    ds.WindowCenter, ds.WindowWidth, ds.VOILUTFunction = 2**23, 2**22, "LINEAR_EXACT"
    save(ds, "syn_32bit_linear_exact.dcm")
    # planar RGB, 2 frames; YBR_FULL planar
    for pi in ("RGB", "YBR_FULL"):
        ds = base(7, 9, 8, 8, 0, pi, spp=3, nf=2); ds.PlanarConfiguration = 1
        ds.PixelData = rng.integers(0, 255, size=(2, 3, 7, 9), dtype=np.uint8).tobytes()
        save(ds, f"syn_planar_{pi}.dcm")
    # Modality LUT Sequence (replaces rescale) feeding a window
    ds = base(21, 23, 16, 12, 0)
    ds.PixelData = rng.integers(0, 4096, size=(21, 23), dtype=np.uint16).tobytes()
    item = Dataset(); item.add_new(0x00283002, "US", [3000, 500, 16])
    item.add_new(0x00283006, "US", [int(x) for x in np.sort(rng.integers(0, 65535, size=3000))])
    ds.ModalityLUTSequence = Sequence([item])
    ds.WindowCenter, ds.WindowWidth = 30000, 40000
    save(ds, "syn_modality_lut.dcm")
    # big endian 16-bit signed with window
    ds = base(11, 13, 16, 16, 1, ts=ExplicitVRBigEndian)
    ds.PixelData = rng.integers(-30000, 30000, size=(11, 13), dtype=np.int16).astype(">i2").tobytes()
    ds.WindowCenter, ds.WindowWidth = 0, 20000
    save(ds, "syn_bigendian.dcm")
    return paths

for path in synthetic() + sorted(set(get_testdata_files())):
    name = os.path.basename(path)
    try:
        ds = dcmread(path)
        if "BigEndian" in path or "big_endian" in path: pass
        if "PixelData" not in ds or "Rows" not in ds:
            continue
        ts = ds.file_meta.TransferSyntaxUID
    except Exception:
        continue
    i = len(cases)
    try:
        nf = int(ds.get("NumberOfFrames", 1) or 1)
        int(ds.Rows); int(ds.BitsAllocated); str(ds.PhotometricInterpretation)
    except Exception:
        continue
    def ints(v):
        if v is None: return []
        try: return [float(x) for x in v]
        except TypeError: return [float(v)]
    c = dict(name=name, path=path, uid=str(ts), bigEndian=not ts.is_little_endian,
             encapsulated=ts.is_encapsulated, vr=str(ds["PixelData"].VR),
             rows=int(ds.Rows), columns=int(ds.Columns), spp=int(ds.get("SamplesPerPixel", 1)),
             ba=int(ds.BitsAllocated), bs=int(ds.get("BitsStored", ds.BitsAllocated)),
             hb=int(ds.get("HighBit", int(ds.get("BitsStored", ds.BitsAllocated)) - 1)),
             pr=int(ds.get("PixelRepresentation", 0)),
             pi=str(ds.PhotometricInterpretation), pc=int(ds.get("PlanarConfiguration", 0) or 0),
             nf=nf, slope=float(ds.get("RescaleSlope", 1) or 1),
             intercept=float(ds.get("RescaleIntercept", 0) or 0),
             wc=ints(ds.get("WindowCenter")), ww=ints(ds.get("WindowWidth")),
             voiFunction=str(ds.get("VOILUTFunction", "LINEAR")).strip() or "LINEAR")
    if "RedPaletteColorLookupTableData" in ds:
        c["palette"] = [int(x) for x in ds.RedPaletteColorLookupTableDescriptor]
        for ch in ("Red", "Green", "Blue"):
            value = ds[f"{ch}PaletteColorLookupTableData"].value
            # Kept as little-endian words, as PaletteLUT holds them (a big endian file stores them swapped).
            if not ts.is_little_endian and len(value) % 2 == 0:
                value = np.frombuffer(value, dtype=">u2").astype("<u2").tobytes()
            open(f"{out}/{i}.{ch}", "wb").write(value)
    elif "SegmentedRedPaletteColorLookupTableData" in ds:
        # Our expansion of the segments is what the RGB comparison below checks.
        c["segmentedPalette"] = True
    if "VOILUTSequence" in ds:
        item = ds.VOILUTSequence[0]
        data = item.LUTData
        if isinstance(data, bytes):
            data = list(np.frombuffer(data, dtype="<u2"))
        elif isinstance(data, int):
            data = [data]
        c["voiLUT"] = [int(x) for x in item.LUTDescriptor]
        c["voiLUTData"] = [int(x) for x in data]
    if "ModalityLUTSequence" in ds:
        item = ds.ModalityLUTSequence[0]
        c["modalityLUT"] = [int(x) for x in item.LUTDescriptor]
        c["modalityLUTData"] = [int(x) for x in item.LUTData]
    if ts.is_encapsulated:
        # pydicom splits the frames (offset tables, fragments split across frames); our codecs
        # decode them. The lossy syntaxes are compared within 2, the rest exactly.
        c["lossy"] = str(ts) in LOSSY
        try:
            frames = list(generate_frames(ds.PixelData, number_of_frames=nf))
        except Exception:
            frames = []
        c["frameLengths"] = [len(f) for f in frames]
        open(f"{out}/{i}.pix", "wb").write(b"".join(frames))
    else:
        open(f"{out}/{i}.pix", "wb").write(ds.PixelData)
    try:
        if name.startswith("syn_1bit"):
            # pydicom 3.0 slices unaligned 1-bit frames with a float index; unpack directly.
            arr = np.unpackbits(np.frombuffer(ds.PixelData, np.uint8), bitorder="little")[:nf * c["rows"] * c["columns"]]
            arr = arr.reshape(nf, c["rows"], c["columns"])
        elif str(ts) in JPEG_DCT and HAVE_PILLOW and ds.BitsStored <= 8:
            # libjpeg-turbo (through Pillow, 8-bit only) is the JPEG peer whose IDCT and
            # upsampling ours follows; pydicom's other plugin (pylibjpeg) differs from it by up to 5.
            arr = pixel_array(ds, decoding_plugin="pillow")
        else:
            arr = ds.pixel_array
    except Exception as e:
        c["pydicomError"] = type(e).__name__
        cases.append(c); continue
    frames = arr.reshape((nf, -1)) if nf > 1 else arr.reshape((1, -1))
    if c["pi"] in ("YBR_FULL", "YBR_FULL_422", "RGB", "YBR_ICT", "YBR_RCT"):
        c["check"] = "rgb"
        # pydicom returns YBR_FULL(_422) as RGB (as_rgb), and JPEG 2000 undoes ICT/RCT.
        asRGB = c["pi"] in ("RGB", "YBR_ICT", "YBR_RCT")
        shift = max(0, c["bs"] - 8)
        rgb = (arr.astype(np.int64) >> (shift if asRGB else 0)).clip(0, 255).astype(np.uint8)
        open(f"{out}/{i}.rgb", "wb").write(rgb.tobytes())
        if asRGB:
            open(f"{out}/{i}.samples", "wb").write(arr.astype("<i4").tobytes())
    elif c["pi"] == "PALETTE COLOR":
        c["check"] = "palette"
        if "RedPaletteColorLookupTableData" in ds and not ts.is_little_endian:
            # pydicom 3.0's apply_color_lut reads big endian LUT data as little endian (its RGB
            # for OBXXXX1A_expb.dcm is OBXXXX1A.dcm's divided by 256): apply the LUT directly.
            first, n = int(c["palette"][1]), int(c["palette"][0]) or 65536
            idx = np.clip(arr.astype(np.int64) - first, 0, n - 1)
            rgb = np.stack([np.frombuffer(ds[f"{ch}PaletteColorLookupTableData"].value, dtype=">u2")[idx]
                            for ch in ("Red", "Green", "Blue")], axis=-1)
        else:
            rgb = apply_color_lut(arr, ds)
        if rgb.dtype == np.uint16: rgb = rgb >> 8
        open(f"{out}/{i}.rgb", "wb").write(rgb.astype(np.uint8).tobytes())
        open(f"{out}/{i}.samples", "wb").write(arr.astype("<i4").tobytes())
    else:
        c["check"] = "gray"
        open(f"{out}/{i}.samples", "wb").write(arr.astype("<i8").clip(-2**31, 2**31 - 1).astype("<i4").tobytes())
        m = apply_modality_lut(arr, ds)
        open(f"{out}/{i}.modality", "wb").write(np.asarray(m, dtype="<f8").tobytes())
        try:
            if "VOILUTSequence" in ds:
                v = apply_voi_lut(m, ds).astype(np.float64)
                bits = c["voiLUT"][2]
                v8 = v * 255 / (2**bits - 1)
                c["voiKind"] = "lut"
            elif c["wc"] and c["ww"]:
                v = apply_voi_lut(m, ds, prefer_lut=False).astype(np.float64)
                bs = c["bs"]
                lo, hi = (0, 2**bs - 1) if c["pr"] == 0 else (-(2**(bs - 1)), 2**(bs - 1) - 1)
                if "ModalityLUTSequence" in ds:
                    lo, hi = 0, 2**int(ds.ModalityLUTSequence[0].LUTDescriptor[2]) - 1
                if "RescaleSlope" in ds and "RescaleIntercept" in ds:
                    lo, hi = lo * c["slope"] + c["intercept"], hi * c["slope"] + c["intercept"]
                v8 = (v - lo) / (hi - lo) * 255
                c["voiKind"] = "window"
            else:
                v8 = None
            if v8 is not None:
                v8 = np.floor(v8 + 0.5).clip(0, 255)
                if c["pi"] == "MONOCHROME1": v8 = 255 - v8
                open(f"{out}/{i}.voi8", "wb").write(v8.astype(np.uint8).tobytes())
        except Exception as e:
            c["voiError"] = type(e).__name__
    cases.append(c)
json.dump(cases, open(f"{out}/cases.json", "w"))
print("cases", len(cases))

"""#

private func readBytes(_ path: String) -> [UInt8]? {
    FileManager.default.contents(atPath: path).map { [UInt8]($0) }
}

private func readArray<T>(_ path: String, as: T.Type) -> [T]? {
    guard let data = FileManager.default.contents(atPath: path) else { return nil }
    return data.withUnsafeBytes { raw in
        (0..<(data.count / MemoryLayout<T>.size)).map { raw.loadUnaligned(fromByteOffset: $0 * MemoryLayout<T>.size, as: T.self) }
    }
}

private func describe(_ c: [String: Any]) -> PixelDescription {
    func int(_ k: String) -> Int { (c[k] as? NSNumber)?.intValue ?? 0 }
    var d = PixelDescription(
        rows: int("rows"), columns: int("columns"), samplesPerPixel: int("spp"),
        bitsAllocated: int("ba"), bitsStored: int("bs"), highBit: int("hb"),
        pixelRepresentation: int("pr"), photometricInterpretation: c["pi"] as? String ?? "",
        planarConfiguration: int("pc"), numberOfFrames: int("nf"),
        rescaleSlope: (c["slope"] as? NSNumber)?.doubleValue ?? 1,
        rescaleIntercept: (c["intercept"] as? NSNumber)?.doubleValue ?? 0,
        windowCenters: (c["wc"] as? [NSNumber] ?? []).map(\.doubleValue),
        windowWidths: (c["ww"] as? [NSNumber] ?? []).map(\.doubleValue),
        voiLUTFunction: VOIFunction(rawValue: c["voiFunction"] as? String ?? "") ?? .linear)
    if let desc = c["modalityLUT"] as? [NSNumber], let data = c["modalityLUTData"] as? [NSNumber] {
        d.modalityLUT = LookupTable(descriptor: desc.map(\.intValue), data: data.map { UInt16($0.intValue) })
    }
    if let desc = c["voiLUT"] as? [NSNumber], let data = c["voiLUTData"] as? [NSNumber] {
        d.voiLUT = VOILUT(descriptor: desc.map(\.intValue), data: data.map { UInt16($0.intValue) })
    }
    return d
}

private func maxDiff(_ a: [UInt8], _ b: [UInt8]) -> Int {
    zip(a, b).map { abs(Int($0) - Int($1)) }.max() ?? 0
}

@Test func pixelDecodingAgreesWithPydicomOnItsTestData() throws {
    let dir = try TemporaryDirectory("pixels")
    defer { dir.remove() }
    let run = try runPython(pixelOracleScript, [dir.path])
    #expect(run.status == 0, "\(run.stderr)")
    let json = try #require(FileManager.default.contents(atPath: dir.file("cases.json")))
    let cases = try #require(try JSONSerialization.jsonObject(with: json) as? [[String: Any]])
    var counts: [String: Int] = [:]
    for (i, c) in cases.enumerated() {
        let name = c["name"] as? String ?? "?"
        var d = describe(c)
        if let desc = c["palette"] as? [NSNumber] {
            d.palette = PaletteLUT(
                descriptor: desc.map(\.intValue), red: readBytes(dir.file("\(i).Red")) ?? [],
                green: readBytes(dir.file("\(i).Green")) ?? [], blue: readBytes(dir.file("\(i).Blue")) ?? [])
        }
        if (c["segmentedPalette"] as? Bool) == true, let path = c["path"] as? String {
            d.palette = try? DICOMFile.open(path: path).pixelDescription.palette
        }
        let uid = c["uid"] as? String ?? ""
        let pix = readBytes(dir.file("\(i).pix")) ?? []
        let encapsulated = (c["encapsulated"] as? Bool) ?? false
        let bigEndian = (c["bigEndian"] as? Bool) ?? false
        let frameLengths = (c["frameLengths"] as? [NSNumber])?.map(\.intValue) ?? []

        func decode(_ f: Int) throws -> PixelFrame {
            try pix.withUnsafeBytes { raw in
                if encapsulated {
                    let start = frameLengths.prefix(f).reduce(0, +)
                    let length = f < frameLengths.count ? frameLengths[f] : 0
                    return try PixelDecoder.decodeFrame(
                        f, encapsulated: UnsafeRawBufferPointer(rebasing: raw[start..<(start + length)]),
                        transferSyntaxUID: uid, description: d)
                }
                return try PixelDecoder.decodeFrame(
                    f, native: raw, description: d, bigEndian: bigEndian, pixelDataVR: c["vr"] as? String ?? "OB")
            }
        }

        let lossy = (c["lossy"] as? Bool) ?? false
        if c["pydicomError"] != nil {
            // pydicom cannot decode it: we must refuse it too, with a pixel decoding error that
            // names the frame (a corrupt code stream), never a crash or a made-up image.
            if let path = c["path"] as? String {
                let viaFile = Result { try DICOMFile.open(path: path).decodeFrame(0) }
                if case .success = viaFile { Issue.record("\(name): decoded via DICOMFile although pydicom could not") }
                if case .failure(let error) = viaFile {
                    #expect(error is PixelDecodingError || error is DICOMParseError, "\(name): \(error)")
                    if encapsulated { #expect("\(error)".contains("(frame 0)"), "\(name): \(error)") }
                }
            }
            if !encapsulated || !frameLengths.isEmpty {
                do {
                    _ = try decode(0)
                    Issue.record("\(name): decoded although pydicom could not")
                } catch is PixelDecodingError {}
            }
            counts["refused", default: 0] += 1
            print("  refused like pydicom: \(name) (\(c["pydicomError"] ?? ""))")
            continue
        }
        var frames: [PixelFrame] = []
        do {
            frames = try (0..<d.numberOfFrames).map(decode)
        } catch {
            Issue.record("\(name): \(error)")
            continue
        }
        if encapsulated { counts[uid == "1.2.840.10008.1.2.5" ? "rle" : "codec-" + (uid.split(separator: ".").last.map(String.init) ?? ""), default: 0] += 1 }
        // The same file through our reader: PixelDescription(dataSet:) and fragment → frame
        // mapping must give exactly the frames decoded from pydicom's attributes above.
        if let path = c["path"] as? String {
            do {
                let file = try DICOMFile.open(path: path)
                #expect(file.pixelDescription == d, "\(name): description from data set differs")
                for f in frames.indices {
                    let viaFile = try file.decodeFrame(f)
                    #expect(viaFile.samples == frames[f].samples, "\(name) frame \(f): via DICOMFile")
                    if !d.isColor {
                        #expect(try file.render8Bit(frame: f) == PixelDecoder.render8Bit(frame: frames[f]))
                    }
                }
                counts["viaFile", default: 0] += 1
            } catch {
                Issue.record("\(name): via DICOMFile: \(error)")
            }
        }
        if let expected = readArray(dir.file("\(i).samples"), as: Int32.self) {
            let got = frames.flatMap(\.samples)
            if lossy {
                let worst = zip(got, expected).map { abs(Int($0) - Int($1)) }.max() ?? 0
                #expect(got.count == expected.count && worst <= 2, "\(name): samples differ by \(worst)")
            } else {
                #expect(got == expected, "\(name): samples differ")
            }
            counts["samples", default: 0] += 1
        }
        switch c["check"] as? String {
        case "gray":
            if let expected = readArray(dir.file("\(i).modality"), as: Double.self) {
                let got = frames.flatMap { PixelDecoder.modalityValues(frame: $0) }
                #expect(got.count == expected.count)
                if lossy {
                    // Within 2 stored values, rescaled.
                    let worst = zip(got, expected).map { abs(Double($0) - $1) }.max() ?? 0
                    #expect(worst <= 2 * max(1, abs(d.rescaleSlope)) + 1e-3, "\(name): modality values differ by \(worst)")
                } else {
                    let worst = zip(got, expected).map { abs(Double($0) - $1) / max(1, abs($1)) }.max() ?? 0
                    #expect(worst < 1e-5, "\(name): modality LUT differs by \(worst)")
                }
            }
            // Lossy frames are bounded by the samples check: a narrow window can spread a
            // difference of one stored value over many display levels.
            if !lossy, let expected = readBytes(dir.file("\(i).voi8")) {
                let got = try frames.flatMap { try PixelDecoder.render8Bit(frame: $0) }
                #expect(got.count == expected.count && maxDiff(got, expected) <= 1, "\(name): VOI 8-bit differs by \(maxDiff(got, expected))")
                counts["voi-" + (c["voiKind"] as? String ?? "?"), default: 0] += 1
            }
        case "rgb", "palette":
            let expected = try #require(readBytes(dir.file("\(i).rgb")))
            let got = try frames.flatMap { try PixelDecoder.rgb8(frame: $0) }
            #expect(got.count == expected.count && maxDiff(got, expected) <= (lossy ? 2 : 1), "\(name): RGB differs by \(maxDiff(got, expected))")
            counts[c["check"] as! String, default: 0] += 1
        default:
            Issue.record("\(name): no check")
        }
    }
    print("pixel oracle:", counts.sorted { $0.key < $1.key })
    // The corpus must actually exercise each path (pydicom 3.0 test data + synthetic files).
    #expect(counts["samples", default: 0] >= 60)
    #expect(counts["voi-window", default: 0] >= 44)
    #expect(counts["voi-lut", default: 0] >= 2)
    #expect(counts["rgb", default: 0] >= 10)
    #expect(counts["palette", default: 0] >= 1)
    #expect(counts["rle", default: 0] >= 4)
    // Every compressed syntax in pydicom's test data (and pydicom-data's) decodes; only what
    // pydicom itself cannot decode is refused.
    for syntax in ["50", "51", "70", "80", "81", "90", "91"] {
        #expect(counts["codec-" + syntax, default: 0] >= 1, "no \(syntax) file decoded")
    }
    // JPEG-lossy.dcm, JPEG2000-embedded-sequence-delimiter.dcm and MR_truncated.dcm.
    #expect(counts["refused", default: 0] <= 3)
    #expect(counts["viaFile", default: 0] >= 70)     // every file pydicom decodes, through our reader too
}
