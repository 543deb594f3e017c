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
        let digits: [Character] = Array("0123456789ABCDEF")
        return String([digits[Int(v >> 12)], digits[Int(v >> 8 & 15)], digits[Int(v >> 4 & 15)], digits[Int(v & 15)]])
    }
}
