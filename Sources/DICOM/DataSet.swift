/// A parsed data set: elements in file order as ranges into shared storage; values are decoded
/// only when asked for.
public final class DataSet: Sendable {
    public let storage: ByteStorage
    let elements: [RawElement]
    let nestedValues: [Nested]
    /// False only for Explicit VR Big Endian content.
    public let isLittleEndian: Bool
    /// The repertoire for text values: this data set's (0008,0005), else the enclosing one's.
    public let characterSet: SpecificCharacterSet
    private let isSorted: Bool
    /// Set on a top-level data set whose encapsulated pixel data ran into the end of the file:
    /// where it was cut (fragments reaching it are incomplete).
    let pixelDataCut: Int?

    init(storage: ByteStorage, elements: [RawElement], nested: [Nested] = [], littleEndian: Bool, characterSet: SpecificCharacterSet,
         pixelDataCut: Int? = nil) {
        self.pixelDataCut = pixelDataCut
        self.storage = storage
        self.elements = elements
        nestedValues = nested
        isLittleEndian = littleEndian
        self.characterSet = characterSet
        var sorted = true
        var last: UInt32 = 0
        for (i, e) in elements.enumerated() {
            if i > 0 && e.tag.raw <= last { sorted = false; break }
            last = e.tag.raw
        }
        isSorted = sorted
    }

    /// Tags in file order.
    public var tags: [Tag] { elements.map(\.tag) }
    public var count: Int { elements.count }

    func index(of tag: Tag) -> Int? {
        if isSorted {
            var lo = 0, hi = elements.count
            let key = tag.raw
            while lo < hi {
                let mid = (lo + hi) >> 1
                let k = elements[mid].tag.raw
                if k == key { return mid }
                if k < key { lo = mid + 1 } else { hi = mid }
            }
            return nil
        }
        return elements.firstIndex { $0.tag == tag }
    }

    func nested(_ e: RawElement) -> Nested? { e.nestedIndex >= 0 ? nestedValues[Int(e.nestedIndex)] : nil }

    func raw(_ tag: Tag) -> RawElement? { index(of: tag).map { elements[$0] } }

    public func contains(_ tag: Tag) -> Bool { index(of: tag) != nil }

    public func element(_ tag: Tag) -> Element? { raw(tag).map(wrap) }

    /// Every element in file order.
    public var allElements: [Element] { elements.map(wrap) }

    func wrap(_ r: RawElement) -> Element {
        Element(tag: r.tag, vr: r.vr, length: r.length, offset: r.offset, valueRange: r.valueRange,
                storage: storage, isBigEndian: !isLittleEndian, nested: nested(r))
    }

    /// The raw value bytes of an element, copied out.
    public func bytes(_ tag: Tag) -> [UInt8]? { raw(tag).map { storage.bytes($0.valueRange) } }

    public func sequence(_ tag: Tag) -> [DataSet]? {
        guard let r = raw(tag), case .items(let items)? = nested(r) else { return nil }
        return items
    }

    /// The Private Creator owning a private element: (gggg,00xx) for (gggg,xxyy).
    public func privateCreator(for tag: Tag) -> String? {
        guard tag.isPrivate, tag.element >= 0x1000 else { return nil }
        return string(Tag(tag.group, tag.element >> 8))
    }

    // MARK: values

    public func string(_ tag: Tag) -> String? {
        guard let r = raw(tag), r.nestedIndex < 0 else { return nil }
        guard r.vr.isString, !r.vr.isSingleValuedText, !r.valueRange.isEmpty else { return strings(tag).first }
        // Fast path for the first of several values: decode only the bytes before the first
        // backslash, trimmed on bytes. Only while those bytes are ASCII — in GBK or ISO 2022
        // text a 0x5C byte can be half of a character, so anything else takes the full decode.
        let vr = r.vr, cs = characterSet
        let first: String? = storage.withBytes(r.valueRange) { p in
            var cut = p.count, more = false
            for i in 0..<p.count {
                let b = p[i]
                if b == 0x5C { cut = i; more = true; break }
                if b >= 0x80 { return nil }
            }
            let value = UnsafeRawBufferPointer(rebasing: p[0..<cut])
            let trimmed: UnsafeRawBufferPointer = switch vr {
            case .AE, .DS, .IS: ValueDecoder.strip(value)
            case .SH, .LO, .UC: ValueDecoder.rstrip(value)
            default: more ? value : ValueDecoder.rstrip(value)
            }
            return ValueDecoder.text(vr, trimmed, cs)
        }
        return first ?? strings(tag).first
    }

    /// All values: text split at `\` (except LT/ST/UT/UR), numbers of binary VRs formatted.
    public func strings(_ tag: Tag) -> [String] {
        guard let r = raw(tag), r.nestedIndex < 0 else { return [] }
        return ValueDecoder.strings(r.vr, storage, r.valueRange, littleEndian: isLittleEndian, characterSet: characterSet)
    }

    public func int(_ tag: Tag) -> Int? { ints(tag).first }

    /// IS values and binary integers (US, SS, UL, SL, UV, SV; AT as 0xGGGGEEEE).
    public func ints(_ tag: Tag) -> [Int] {
        guard let r = raw(tag), r.nestedIndex < 0 else { return [] }
        return ValueDecoder.ints(r.vr, storage, r.valueRange, littleEndian: isLittleEndian)
    }

    public func double(_ tag: Tag) -> Double? { doubles(tag).first }

    /// DS, IS, FL, FD, OF, OD and the integer VRs as doubles.
    public func doubles(_ tag: Tag) -> [Double] {
        guard let r = raw(tag), r.nestedIndex < 0 else { return [] }
        return ValueDecoder.doubles(r.vr, storage, r.valueRange, littleEndian: isLittleEndian)
    }
}
