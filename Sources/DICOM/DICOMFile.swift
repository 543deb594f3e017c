/// A parsed DICOM file: the meta header (when present), the data set, and where the pixel
/// data lies. Values stay in the file's bytes (read once into memory) until asked for.
public struct DICOMFile: Sendable {
    public let path: String
    public let meta: DataSet?
    public let dataSet: DataSet
    public let transferSyntax: TransferSyntax
    /// True when the file had the 128-byte preamble and "DICM" (PS3.10 7.1).
    public let hasPreamble: Bool

    /// Where the pixel data lies in `storage` (ranges are into the inflated body for deflated files).
    public enum PixelData: Sendable, Equatable {
        case native(Range<Int>)
        case encapsulated(offsetTable: [UInt32], fragments: [Range<Int>])
    }

    /// When the parse stopped before the pixel data (`stopBeforePixels`): that element's
    /// header, so its size can be checked without reading it. Nil when the pixel data was parsed
    /// or the file has none.
    public let skippedPixelData: SkippedPixelData?

    /// Encapsulated pixel data's item headers read from the file (`completingPixelData`), for a
    /// header-only parse: its ranges are file offsets, not offsets into `storage`.
    var walkedFragments: FragmentWalk?

    /// Where encapsulated pixel data that runs into the end of the file was cut (no sequence
    /// delimiter, or a last fragment shorter than its length): frames reaching it are refused as
    /// cut, the rest of the file reads as usual. Nil for complete pixel data.
    public var pixelDataCut: Int? { walkedFragments?.cut ?? dataSet.pixelDataCut }

    /// The bytes that `pixelData` ranges index into.
    public var storage: ByteStorage { dataSet.storage }

    public var pixelData: PixelData? {
        if let walkedFragments { return .encapsulated(offsetTable: walkedFragments.offsetTable, fragments: walkedFragments.fragments) }
        guard let e = dataSet.raw(Tag(0x7FE0, 0x0010)) else { return nil }
        if case .fragments(let table, let frags)? = dataSet.nested(e) { return .encapsulated(offsetTable: table, fragments: frags) }
        return .native(e.valueRange)
    }

    /// Reads `path` and parses it. `stopBeforePixels` ends the parse at (7FE0,0010) and reads
    /// only the start of the file when that is enough; otherwise a file over `maxBytes` is
    /// refused before it is read.
    public static func open(path: String, stopBeforePixels: Bool = false,
                            maxBytes: Int = PixelLimits.default.maxFileBytes) throws -> DICOMFile {
        if stopBeforePixels { return try open(head: FileHead.read(path: path)) }
        let storage = try FileRead.whole(path: path, maxBytes: maxBytes)
        return try Part10Reader.read(storage: storage, name: path, stopBeforePixels: false)
    }

    /// Everything before the pixel data, parsed from the head of the file; the whole file is read
    /// only when the head stops short of the pixel data (or anything in it fails to parse, so
    /// the error reported is the one a full read finds).
    public static func open(head: FileHead) throws -> DICOMFile {
        guard head.size > 0 else { throw DICOMParseError(code: .emptyFile, file: head.path, tag: nil, offset: 0) }
        if head.isWholeFile {
            return try Part10Reader.read(storage: head.storage, name: head.path, stopBeforePixels: true)
        }
        if let file = try? Part10Reader.read(storage: head.storage, name: head.path, stopBeforePixels: true,
                                             isPrefix: true, fileSize: head.size) {
            return file
        }
        // Vendor private groups (a Siemens CSA header) can push the pixel data past the first
        // read: one larger read before mapping the whole file.
        if head.storage.count < FileHead.largeLength, let larger = try? FileHead.read(path: head.path, length: FileHead.largeLength),
           larger.storage.count > head.storage.count {
            return try open(head: larger)
        }
        let storage = try FileRead.whole(path: head.path)
        return try Part10Reader.read(storage: storage, name: head.path, stopBeforePixels: true)
    }

    public static func parse(bytes: [UInt8], name: String, stopBeforePixels: Bool = false) throws -> DICOMFile {
        guard !bytes.isEmpty else { throw DICOMParseError(code: .emptyFile, file: name, tag: nil, offset: 0) }
        let storage = bytes.withUnsafeBytes { ByteStorage(copying: $0) }
        return try Part10Reader.read(storage: storage, name: name, stopBeforePixels: stopBeforePixels)
    }

    init(path: String, meta: DataSet?, dataSet: DataSet, transferSyntax: TransferSyntax, hasPreamble: Bool,
         skippedPixelData: SkippedPixelData? = nil) {
        self.path = path
        self.skippedPixelData = skippedPixelData
        self.meta = meta
        self.dataSet = dataSet
        self.transferSyntax = transferSyntax
        self.hasPreamble = hasPreamble
    }
}

/// The header of a pixel data element that a header-only parse did not read.
public struct SkippedPixelData: Sendable, Equatable {
    /// (7FE0,0010), or the float / double float pixel data.
    public let tag: Tag
    public let vr: VR
    /// As written; 0xFFFFFFFF for encapsulated (undefined length) pixel data.
    public let length: UInt32
    /// Offset of the element's tag, and of its value.
    public let offset: Int
    public let valueStart: Int
    /// Bytes in the stream from `valueStart` to its end.
    public let available: Int

    public var isEncapsulated: Bool { length == 0xFFFF_FFFF }

    /// The error a full parse would raise for a defined length running past the end of the file.
    public func truncation(file: String) -> DICOMParseError? {
        guard !isEncapsulated, Int(length) > available else { return nil }
        return DICOMParseError(code: .lengthExceedsRemaining(length: length, remaining: available), file: file, tag: tag, offset: offset)
    }
}
