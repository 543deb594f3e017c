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
    /// Every entry's uncompressed size together over the archive's size on disk. The per-entry
    /// ratio skips small entries, so without this a zip of many 1 MiB runs of zeros passes
    /// entry by entry. Checked once the total passes `ratioFloor`; a header cannot lie about
    /// the file's own size.
    public var maxArchiveRatio: Double

    public init(
        maxEntries: Int = 100_000, maxEntrySize: UInt64 = 4 << 30, maxTotalSize: UInt64 = 64 << 30,
        maxRatio: Double = 200, ratioFloor: UInt64 = 1 << 20, maxArchiveRatio: Double = 200
    ) {
        self.maxEntries = maxEntries
        self.maxEntrySize = maxEntrySize
        self.maxTotalSize = maxTotalSize
        self.maxRatio = maxRatio
        self.ratioFloor = ratioFloor
        self.maxArchiveRatio = maxArchiveRatio
    }

    /// The most an archive of `archiveSize` bytes may inflate to: the total limit, or less when
    /// the archive ratio binds. Never below `ratioFloor`, so small archives are not judged by ratio.
    public func inflateBudget(archiveSize: UInt64) -> UInt64 {
        let byRatio = Double(archiveSize) * maxArchiveRatio
        let ratioBound = byRatio >= Double(UInt64.max) ? UInt64.max : max(ratioFloor, UInt64(byRatio))
        return min(maxTotalSize, ratioBound)
    }
}
