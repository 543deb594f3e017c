import Kernels

extension PixelDescription {
    /// Reads the Image Pixel, Multi-frame, Modality LUT, VOI LUT and Palette Color LUT
    /// attributes. Absent optional attributes take their defaults (one frame, slope 1, LINEAR);
    /// absent required ones become 0 and are refused when a frame is decoded.
    public init(dataSet ds: DataSet) {
        // Each value within Int32: US and IS hold no more, a wrong VR can carry any integer, and
        // `validate` must be able to name it rather than an arithmetic trap meet it first.
        func int(_ tag: Tag) -> Int? { ds.int(tag).map { Int(Int32(clamping: $0)) } }
        let bitsAllocated = int(.bitsAllocated) ?? 0
        let bitsStored = int(.bitsStored) ?? bitsAllocated
        let pixelRepresentation = int(.pixelRepresentation) ?? 0
        let function = ds.string(.voilutFunction).map { $0.trimmingSpaces.uppercased() }
        self.init(
            rows: int(.rows) ?? 0, columns: int(.columns) ?? 0,
            samplesPerPixel: int(.samplesPerPixel) ?? 1,
            bitsAllocated: bitsAllocated, bitsStored: bitsStored,
            highBit: int(.highBit) ?? bitsStored - 1,
            pixelRepresentation: pixelRepresentation,
            photometricInterpretation: ds.string(.photometricInterpretation)?.trimmingSpaces.uppercased() ?? "MONOCHROME2",
            planarConfiguration: int(.planarConfiguration) ?? 0,
            numberOfFrames: max(1, int(.numberOfFrames) ?? 1),
            rescaleSlope: ds.double(.rescaleSlope) ?? 1,
            rescaleIntercept: ds.double(.rescaleIntercept) ?? 0,
            windowCenters: ds.doubles(.windowCenter), windowWidths: ds.doubles(.windowWidth),
            voiLUTFunction: function.flatMap(VOIFunction.init(rawValue:)) ?? .linear)
        // A zero or non-finite slope would erase the image; a non-finite intercept or window
        // says nothing usable (a header may hold "NaN" or "1e400").
        if rescaleSlope == 0 || !rescaleSlope.isFinite { rescaleSlope = 1 }
        if !rescaleIntercept.isFinite { rescaleIntercept = 0 }
        let windows = zip(windowCenters, windowWidths).filter { $0.0.isFinite && $0.1.isFinite }
        windowCenters = windows.map(\.0)
        windowWidths = windows.map(\.1)
        palette = Self.palette(ds)
        voiLUT = Self.lookupTable(ds.sequence(.voilutSequence)?.first, signedInput: pixelRepresentation == 1)
        modalityLUT = Self.lookupTable(ds.sequence(.modalityLUTSequence)?.first, signedInput: pixelRepresentation == 1)
    }

    static func lookupTable(_ item: DataSet?, signedInput: Bool) -> LookupTable? {
        guard let item else { return nil }
        var descriptor = item.ints(.lutDescriptor)
        // The first mapped value is SS when pixel data are signed, but readers of implicit VR
        // files see US: reinterpret.
        if descriptor.count > 1, signedInput, descriptor[1] > 0x7FFF {
            descriptor[1] = Int(Int16(truncatingIfNeeded: descriptor[1]))
        }
        let data = item.ints(.lutData).map { UInt16(truncatingIfNeeded: $0) }
        guard descriptor.count == 3, !data.isEmpty else { return nil }
        return LookupTable(descriptor: descriptor, data: data)
    }

    /// Palette Color LUTs, plain or segmented; data kept as little-endian bytes.
    static func palette(_ ds: DataSet) -> PaletteLUT? {
        let descriptor = ds.ints(.redPaletteColorLookupTableDescriptor)
        guard descriptor.count == 3 else { return nil }
        if !ds.contains(.redPaletteColorLookupTableData) {
            return segmentedPalette(ds, descriptor: descriptor)
        }
        guard
              var red = ds.bytes(.redPaletteColorLookupTableData),
              var green = ds.bytes(.greenPaletteColorLookupTableData),
              var blue = ds.bytes(.bluePaletteColorLookupTableData) else { return nil }
        if !ds.isLittleEndian {
            for i in stride(from: 0, to: red.count - 1, by: 2) { red.swapAt(i, i + 1) }
            for i in stride(from: 0, to: green.count - 1, by: 2) { green.swapAt(i, i + 1) }
            for i in stride(from: 0, to: blue.count - 1, by: 2) { blue.swapAt(i, i + 1) }
        }
        return PaletteLUT(descriptor: descriptor, red: red, green: green, blue: blue)
    }

    static func segmentedPalette(_ ds: DataSet, descriptor: [Int]) -> PaletteLUT? {
        let bits = descriptor[2]
        func channel(_ tag: Tag) -> [UInt8]? {
            guard let e = ds.element(tag) else { return nil }
            let words = bits == 8
                ? e.bytes.map(Int.init)
                : ValueDecoder.ints(.OW, ds.storage, e.valueRange, littleEndian: ds.isLittleEndian)
            let table = SegmentedPalette.expand(words)
            if bits == 8 { return table.map { UInt8(truncatingIfNeeded: $0) } }
            return table.flatMap { [UInt8(truncatingIfNeeded: $0), UInt8(truncatingIfNeeded: $0 >> 8)] }
        }
        guard let red = channel(.segmentedRedPaletteColorLookupTableData),
              let green = channel(.segmentedGreenPaletteColorLookupTableData),
              let blue = channel(.segmentedBluePaletteColorLookupTableData) else { return nil }
        return PaletteLUT(descriptor: descriptor, red: red, green: green, blue: blue)
    }
}
