/// Finds the parts of a file: preamble and "DICM", the group 0002 meta header (always explicit
/// VR little endian), and the body in the transfer syntax the header names — or, for a bare data
/// set without preamble, a syntax guessed from its first element as pydicom does.
enum Part10Reader {
    /// `fileSize` is the size of the whole file when `storage` holds only its start (`isPrefix`).
    static func read(storage: ByteStorage, name: String, stopBeforePixels: Bool, isPrefix: Bool = false,
                     fileSize: Int? = nil) throws -> DICOMFile {
        let count = storage.count
        guard count > 0, let base = storage.base else {
            throw DICOMParseError(code: .emptyFile, file: name, tag: nil, offset: 0)
        }
        func byte(_ i: Int) -> UInt8 { base.load(fromByteOffset: i, as: UInt8.self) }
        func le16(_ i: Int) -> UInt16 { UInt16(byte(i)) | UInt16(byte(i + 1)) << 8 }

        var metaStart: Int?
        var hasPreamble = false
        if count >= 132, byte(128) == 0x44, byte(129) == 0x49, byte(130) == 0x43, byte(131) == 0x4D {
            metaStart = 132
            hasPreamble = true
        } else if count >= 8, le16(0) == 0x0002 {
            metaStart = 0  // meta header without preamble
        }

        var meta: DataSet?
        var bodyStart = 0
        var ts: TransferSyntax?
        if let start = metaStart {
            let (m, end) = try parseMeta(storage: storage, name: name, start: start)
            if m.count == 0 && hasPreamble {
                // Name what was found where (0002,0000) should be.
                let found = count - start >= 4 ? Tag(le16(start), le16(start + 2)) : nil
                throw DICOMParseError(code: .missingFileMeta, file: name, tag: found, offset: start)
            }
            meta = m
            bodyStart = end
            if let uid = m.string(Tag(0x0002, 0x0010)), !uid.isEmpty { ts = TransferSyntax(uid: uid) }
        }

        let syntax: TransferSyntax
        if let ts {
            syntax = ts
        } else {
            guard let guessed = guessSyntax(base, bodyStart, count, afterMeta: metaStart != nil) else {
                if metaStart != nil && bodyStart >= count {
                    syntax = .explicitVRLittleEndian
                    let empty = DataSet(storage: storage, elements: [], littleEndian: true, characterSet: .default)
                    return DICOMFile(path: name, meta: meta, dataSet: empty, transferSyntax: syntax, hasPreamble: hasPreamble)
                }
                throw DICOMParseError(code: .notDICOM, file: name, tag: nil, offset: bodyStart)
            }
            syntax = guessed
        }

        if isPrefix && syntax.isDeflated {
            throw DICOMParseError(code: .truncatedHeader(needed: count + 1, remaining: count), file: name, tag: nil, offset: count)
        }
        var bodyStorage = storage
        var start = bodyStart
        if syntax.isDeflated && bodyStart < count {
            bodyStorage = try Inflate.inflate(UnsafeRawBufferPointer(start: base + bodyStart, count: count - bodyStart),
                                              file: name, baseOffset: bodyStart)
            start = 0
        }
        let parser = DataSetParser(storage: bodyStorage, file: name, littleEndian: syntax.isLittleEndian,
                                   stopBeforePixels: stopBeforePixels, isPrefix: isPrefix)
        let (ds, end) = try parser.parseDataSet(from: start, limit: bodyStorage.count, explicit: syntax.isExplicitVR,
                                                undefinedItem: false, depth: 0, characterSet: .default,
                                                topLevel: true, owner: nil)
        // Short of the end only when the parse stopped at the pixel data.
        let skipped = end < bodyStorage.count
            ? try parser.skippedPixelData(at: end, explicit: syntax.isExplicitVR,
                                          streamSize: bodyStorage === storage ? (fileSize ?? count) : bodyStorage.count)
            : nil
        return DICOMFile(path: name, meta: meta, dataSet: ds, transferSyntax: syntax, hasPreamble: hasPreamble,
                         skippedPixelData: skipped)
    }

    /// Group 0002 elements, read while the group stays 0002 (as pydicom; the group length is
    /// not trusted, some writers get it wrong).
    static func parseMeta(storage: ByteStorage, name: String, start: Int) throws -> (DataSet, Int) {
        let base = storage.base!
        var end = start
        // Find where group 0002 ends by walking element headers, then parse exactly that span.
        while storage.count - end >= 8 {
            let group = UInt16(base.load(fromByteOffset: end, as: UInt8.self)) | UInt16(base.load(fromByteOffset: end + 1, as: UInt8.self)) << 8
            guard group == 0x0002 else { break }
            let vr = VR(raw: UInt16(base.load(fromByteOffset: end + 4, as: UInt8.self)) << 8 | UInt16(base.load(fromByteOffset: end + 5, as: UInt8.self)))
            var header = 8
            var length: Int
            func le(_ i: Int, _ n: Int) -> Int {
                var v = 0
                for k in (0..<n).reversed() { v = v << 8 | Int(base.load(fromByteOffset: i + k, as: UInt8.self)) }
                return v
            }
            if vr.hasLongLength {
                header = 12
                guard storage.count - end >= 12 else { break }
                length = le(end + 8, 4)
            } else if vr.isWellFormed {
                length = le(end + 6, 2)
            } else {
                length = le(end + 4, 4)  // implicit VR meta (seen in the wild)
            }
            let tag = Tag(group, UInt16(le(end + 2, 2)))
            guard length != 0xFFFF_FFFF, length <= storage.count - end - header else {
                throw DICOMParseError(code: .lengthExceedsRemaining(length: UInt32(truncatingIfNeeded: length),
                                                                   remaining: storage.count - end - header),
                                      file: name, tag: tag, offset: end)
            }
            end += header + length
        }
        let parser = DataSetParser(storage: storage, file: name, littleEndian: true, stopBeforePixels: false)
        let (ds, _) = try parser.parseDataSet(from: start, limit: end, explicit: true, undefinedItem: false, depth: 0,
                                              characterSet: .default, topLevel: true, owner: nil)
        return (ds, end)
    }

    /// A syntax for a data set without meta information, from its first element: little or big
    /// endian by which reading gives a plausible group, explicit when a known VR follows the tag.
    static func guessSyntax(_ base: UnsafeRawPointer, _ start: Int, _ count: Int, afterMeta: Bool) -> TransferSyntax? {
        guard count - start >= 8 else { return nil }
        func byte(_ i: Int) -> UInt8 { base.load(fromByteOffset: start + i, as: UInt8.self) }
        if afterMeta {
            // A meta header without (0002,0010): pydicom assumes little endian and looks at the VR.
            return VR.all.contains(VR(raw: UInt16(byte(4)) << 8 | UInt16(byte(5)))) ? .explicitVRLittleEndian : .implicitVRLittleEndian
        }
        let groupLE = UInt16(byte(0)) | UInt16(byte(1)) << 8
        let groupBE = UInt16(byte(0)) << 8 | UInt16(byte(1))
        let vr = VR(raw: UInt16(byte(4)) << 8 | UInt16(byte(5)))
        let explicit = VR.all.contains(vr)
        func plausible(_ g: UInt16) -> Bool { g <= 0x0030 && g & 1 == 0 }
        if plausible(groupLE) {
            if !explicit {
                // Implicit: the first length must fit the file.
                let length = Int(byte(4)) | Int(byte(5)) << 8 | Int(byte(6)) << 16 | Int(byte(7)) << 24
                guard length == 0xFFFF_FFFF || length <= count - start - 8 else { return nil }
                return .implicitVRLittleEndian
            }
            return .explicitVRLittleEndian
        }
        if plausible(groupBE) && explicit { return .explicitVRBigEndian }
        return nil
    }
}
