/// Guards against hostile archives (zip bombs). Declared sizes are checked before any byte is
/// inflated; actual sizes are counted while streaming, since headers can lie.
public struct ZipLimits: Sendable, Equatable {
    public var maxEntries: Int
    public var maxEntrySize: UInt64
    public var maxTotalSize: UInt64
    /// Uncompressed / compressed, per entry; checked for entries above `ratioFloor` bytes so
    /// that tiny, highly compressible files (padding, empty DICOM tags) are not refused.
    public var maxRatio: Double
    public var ratioFloor: UInt64

    public init(
        maxEntries: Int = 100_000, maxEntrySize: UInt64 = 4 << 30, maxTotalSize: UInt64 = 64 << 30,
        maxRatio: Double = 200, ratioFloor: UInt64 = 1 << 20
    ) {
        self.maxEntries = maxEntries
        self.maxEntrySize = maxEntrySize
        self.maxTotalSize = maxTotalSize
        self.maxRatio = maxRatio
        self.ratioFloor = ratioFloor
    }
}
