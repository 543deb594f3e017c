/// A parsed DICOM file: the meta header (when present), the data set, and where the pixel
/// data lies. Values stay in the memory-mapped file until asked for.
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

    /// The bytes that `pixelData` ranges index into.
    public var storage: ByteStorage { dataSet.storage }

    public var pixelData: PixelData? {
        guard let e = dataSet.raw(Tag(0x7FE0, 0x0010)) else { return nil }
        if case .fragments(let table, let frags)? = dataSet.nested(e) { return .encapsulated(offsetTable: table, fragments: frags) }
        return .native(e.valueRange)
    }

    /// Memory-maps `path` and parses it. `stopBeforePixels` ends the parse at (7FE0,0010).
    public static func open(path: String, stopBeforePixels: Bool = false) throws -> DICOMFile {
        // Header-only reads of large files parse a pread prefix; anything short of reaching the
        // pixel data within it (or any error) falls back to the full mapped parse below.
        if stopBeforePixels, let prefix = FileMapping.readPrefix(path: path),
           let file = try? Part10Reader.read(storage: prefix, name: path, stopBeforePixels: true, isPrefix: true) {
            return file
        }
        let storage = try FileMapping.map(path: path)
        return try Part10Reader.read(storage: storage, name: path, stopBeforePixels: stopBeforePixels)
    }

    public static func parse(bytes: [UInt8], name: String, stopBeforePixels: Bool = false) throws -> DICOMFile {
        guard !bytes.isEmpty else { throw DICOMParseError(code: .emptyFile, file: name, tag: nil, offset: 0) }
        let storage = bytes.withUnsafeBytes { ByteStorage(copying: $0) }
        return try Part10Reader.read(storage: storage, name: name, stopBeforePixels: stopBeforePixels)
    }

    init(path: String, meta: DataSet?, dataSet: DataSet, transferSyntax: TransferSyntax, hasPreamble: Bool) {
        self.path = path
        self.meta = meta
        self.dataSet = dataSet
        self.transferSyntax = transferSyntax
        self.hasPreamble = hasPreamble
    }
}
