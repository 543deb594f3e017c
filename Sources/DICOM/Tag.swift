/// A DICOM attribute tag (group, element). Ordered as the standard orders data set elements.
public struct Tag: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let group: UInt16
    public let element: UInt16

    @inlinable
    public init(_ group: UInt16, _ element: UInt16) {
        self.group = group
        self.element = element
    }

    /// The 32-bit form `0xGGGGEEEE` (the sort key, and what AT values hold).
    @inlinable
    public init(raw: UInt32) {
        self.init(UInt16(truncatingIfNeeded: raw >> 16), UInt16(truncatingIfNeeded: raw))
    }

    @inlinable
    public var raw: UInt32 { UInt32(group) << 16 | UInt32(element) }

    @inlinable
    public static func < (a: Tag, b: Tag) -> Bool { a.raw < b.raw }

    /// Private tags live in odd groups (PS3.5 7.8); groups 0001/0003/0005/0007 are illegal, not private.
    public var isPrivate: Bool { group & 1 == 1 && group > 0x0007 }

    /// A private creator element (gggg,0010-00FF) reserves a block of the group.
    public var isPrivateCreator: Bool { isPrivate && element >= 0x0010 && element <= 0x00FF }

    public var description: String { "(\(Tag.hex4(group)),\(Tag.hex4(element)))" }

    static func hex4(_ v: UInt16) -> String {
        @inline(__always) func digit(_ n: UInt16) -> UInt8 { UInt8(n < 10 ? 0x30 + n : 0x37 + n) }
        let bytes = (digit(v >> 12), digit(v >> 8 & 15), digit(v >> 4 & 15), digit(v & 15))
        return withUnsafeBytes(of: bytes) { String(decoding: $0, as: UTF8.self) }
    }
}
