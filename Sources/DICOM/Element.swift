/// Nested content of an element: sequence items, or encapsulated pixel data fragments.
enum Nested: Sendable {
    case items([DataSet])
    /// Basic Offset Table entries and the fragment value ranges (BOT item excluded).
    case fragments([UInt32], [Range<Int>])
}

/// One element as parsed: where its value lies, nothing decoded (the parse loop allocates
/// nothing per element; it is plain data, so arrays of it copy and free without refcounting).
struct RawElement: Sendable {
    var tag: Tag
    var vr: VR
    /// The length field as written (0xFFFFFFFF = undefined).
    var length: UInt32
    /// Offset of the element's tag in the parsed stream.
    var offset: Int
    var valueStart: Int
    var valueCount: Int
    /// Index into the data set's nested values (items or fragments), -1 for none.
    var nestedIndex: Int32 = -1

    var valueRange: Range<Int> { valueStart..<(valueStart + valueCount) }
}

/// A parsed element: its header facts plus access to its value bytes without copying.
public struct Element: Sendable {
    public let tag: Tag
    public let vr: VR
    /// The length field as written; 0xFFFFFFFF for undefined length.
    public let length: UInt32
    /// Byte offset of the element's tag (in the inflated stream for deflated files).
    public let offset: Int
    /// Where the value bytes lie in `storage`.
    public let valueRange: Range<Int>
    public let storage: ByteStorage
    /// True when values are big endian (Explicit VR Big Endian).
    public let isBigEndian: Bool
    let nested: Nested?

    public var isUndefinedLength: Bool { length == 0xFFFF_FFFF }

    /// The raw value bytes as stored (copied out).
    public var bytes: [UInt8] { storage.bytes(valueRange) }

    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try storage.withBytes(valueRange, body)
    }

    /// Sequence items (also for UN of undefined length, which is read as an implicit VR sequence).
    public var items: [DataSet]? {
        if case .items(let i)? = nested { return i }
        return nil
    }

    /// Encapsulated pixel data fragments (Basic Offset Table item excluded).
    public var fragments: [Range<Int>]? {
        if case .fragments(_, let f)? = nested { return f }
        return nil
    }

    /// Basic Offset Table entries; empty when the table item was empty.
    public var basicOffsetTable: [UInt32]? {
        if case .fragments(let t, _)? = nested { return t }
        return nil
    }
}
