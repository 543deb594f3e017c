import Foundation
import Testing
import TestSupport
@testable import DICOM

/// The standard colour palettes pydicom ships (PS3.6 Annex B well-known palettes; four are
/// segmented): our reading of each LUT, expanded, against pydicom's `apply_color_lut` over
/// every input value, as 8-bit RGB.
@Test func paletteLUTsIncludingSegmentedAgreeWithPydicom() throws {
    let script = #"""
    import json, sys, warnings
    import numpy as np
    warnings.simplefilter("ignore")
    from pydicom import dcmread
    from pydicom.data import get_palette_files
    from pydicom.pixels import apply_color_lut
    out = []
    for f in sorted(get_palette_files("*.dcm")):
        ds = dcmread(f)
        n, first, bits = [int(x) for x in ds.RedPaletteColorLookupTableDescriptor]
        n = n or 65536
        arr = np.arange(first, first + n)
        rgb = apply_color_lut(arr, ds)
        if rgb.dtype == np.uint16: rgb = rgb >> 8
        out.append(dict(path=f, segmented="SegmentedRedPaletteColorLookupTableData" in ds,
                        first=first, rgb=rgb.astype(np.uint8).flatten().tolist()))
    json.dump(out, sys.stdout)
    """#
    let run = try runPython(script)
    #expect(run.status == 0, "\(run.stderr)")
    let cases = try #require(try JSONSerialization.jsonObject(with: run.stdoutData) as? [[String: Any]])
    var segmented = 0
    for c in cases {
        let path = c["path"] as? String ?? ""
        let file = try DICOMFile.open(path: path)
        let lut = try #require(PixelDescription.palette(file.dataSet), "\(path)")
        let r = lut.channel8(lut.red), g = lut.channel8(lut.green), b = lut.channel8(lut.blue)
        #expect(r.count == lut.entries && g.count == lut.entries && b.count == lut.entries, "\(path)")
        let ours = (0..<min(r.count, g.count, b.count)).flatMap { [r[$0], g[$0], b[$0]] }
        let theirs = (c["rgb"] as? [NSNumber] ?? []).map { UInt8($0.intValue) }
        #expect(ours == theirs, "\(URL(fileURLWithPath: path).lastPathComponent)")
        if c["segmented"] as? Bool == true { segmented += 1 }
    }
    #expect(cases.count >= 8)
    #expect(segmented >= 4)
}

@Test func segmentedExpansionFollowsTheStandardExample() {
    // Discrete 0, 10; linear to 50 over 4 (20, 30, 40, 50); indirect: repeat the first two
    // segments (byte offset 0).
    let data = [0, 2, 0, 10, 1, 4, 50, 2, 2, 0, 0]
    #expect(SegmentedPalette.expand(data) == [0, 10, 20, 30, 40, 50, 0, 10, 20, 30, 40, 50])
}
