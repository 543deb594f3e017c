/// The element loop: reads headers, records value ranges, recurses into sequences. Every
/// length is checked against the bytes that remain before anything is sliced, and nesting is
/// bounded, so corrupt input ends in a DICOMParseError rather than a crash or a huge allocation.
struct DataSetParser {
    let storage: ByteStorage
    let base: UnsafeRawPointer
    let file: String
    let little: Bool
    let stopBeforePixels: Bool
    /// The storage holds only the start of the file: the top level must reach the pixel data.
    let isPrefix: Bool

    /// Deeper than any real object (SR trees rarely pass 20); keeps recursion far from the stack limit.
    static let maxDepth = 200

    init(storage: ByteStorage, file: String, littleEndian: Bool, stopBeforePixels: Bool, isPrefix: Bool = false) {
        self.isPrefix = isPrefix
        self.storage = storage
        // A dummy non-nil pointer for empty storage; nothing is read past `count`.
        self.base = storage.base ?? UnsafeRawPointer(bitPattern: 0x10)!
        self.file = file
        little = littleEndian
        self.stopBeforePixels = stopBeforePixels
    }

    @inline(__always) func u16(_ i: Int) -> UInt16 {
        let v = base.loadUnaligned(fromByteOffset: i, as: UInt16.self)
        return little ? UInt16(littleEndian: v) : UInt16(bigEndian: v)
    }

    @inline(__always) func u32(_ i: Int) -> UInt32 {
        let v = base.loadUnaligned(fromByteOffset: i, as: UInt32.self)
        return little ? UInt32(littleEndian: v) : UInt32(bigEndian: v)
    }

    @inline(__always) func vrAt(_ i: Int) -> VR {
        VR(raw: UInt16(base.load(fromByteOffset: i, as: UInt8.self)) << 8 | UInt16(base.load(fromByteOffset: i + 1, as: UInt8.self)))
    }

    func fail(_ code: DICOMParseError.Code, _ tag: Tag?, _ offset: Int) -> DICOMParseError {
        DICOMParseError(code: code, file: file, tag: tag, offset: offset)
    }

    /// Parses elements from `start` up to `limit`, or (for an undefined-length item) up to its
    /// Item Delimitation Item. Returns the data set and the position after it — or, when a
    /// top-level parse stops before the pixel data, the position of the pixel data element.
    func parseDataSet(from start: Int, limit: Int, explicit assumedExplicit: Bool, undefinedItem: Bool,
                      depth: Int, characterSet: SpecificCharacterSet, topLevel: Bool,
                      owner: Tag?, pixelRepresentation: Int? = nil) throws -> (DataSet, Int) {
        guard depth <= DataSetParser.maxDepth else {
            throw fail(.nestingTooDeep(limit: DataSetParser.maxDepth), owner, start)
        }
        var explicit = assumedExplicit
        // As pydicom: the first element decides explicit vs implicit; items may fall back to
        // implicit VR inside an explicit data set (PS3.5 6.2.2), never the other way round.
        if limit - start >= 6, u16(start) != 0xFFFE {
            let looksExplicit = vrAt(start + 4).isWellFormed
            if explicit && !looksExplicit { explicit = false }
            else if !explicit && looksExplicit && topLevel && VR.all.contains(vrAt(start + 4)) { explicit = true }
        }

        var elements: [RawElement] = []
        var nestedValues: [Nested] = []
        elements.reserveCapacity(topLevel ? 96 : 8)
        var cs = characterSet
        var pixelRep = pixelRepresentation
        var pos = start
        var closed = !undefinedItem
        var reachedPixels = false
        var pixelDataCut: Int?
        while pos < limit {
            let remaining = limit - pos
            if remaining < 8 {
                // pydicom stops quietly at fewer than 8 trailing bytes of a top-level data set.
                if topLevel { pos = limit; break }
                throw fail(.truncatedHeader(needed: 8, remaining: remaining), owner, pos)
            }
            let group = u16(pos), elementNumber = u16(pos + 2)
            let tag = Tag(group, elementNumber)
            if group == 0xFFFE {
                if elementNumber == 0xE00D {
                    pos += 8
                    if undefinedItem { closed = true; break }
                    continue  // stray delimiter: skip, as pydicom ends nothing here
                }
                if elementNumber == 0xE0DD {
                    pos += 8
                    if undefinedItem { closed = true; break }
                    continue
                }
                throw fail(.expectedItem(found: tag), owner, pos)
            }
            if stopBeforePixels && topLevel && group == 0x7FE0
                && (elementNumber == 0x0010 || elementNumber == 0x0008 || elementNumber == 0x0009) {
                reachedPixels = true
                break  // `pos` stays at the pixel element: the caller reads its header from there
            }

            var vr: VR
            var length: UInt32
            var headerLength = 8
            var implicitElement = !explicit
            if explicit {
                vr = vrAt(pos + 4)
                if vr.hasLongLength {
                    headerLength = 12
                    guard remaining >= 12 else { throw fail(.truncatedHeader(needed: 12, remaining: remaining), tag, pos) }
                    length = u32(pos + 8)
                } else if vr.isWellFormed {
                    length = UInt32(u16(pos + 6))
                } else {
                    // Not two capitals: this element is implicit VR (pydicom's assume_implicit_vr_switch).
                    implicitElement = true
                    vr = DataDictionary.implicitVR(tag)
                    length = u32(pos + 4)
                }
            } else {
                vr = DataDictionary.implicitVR(tag)
                length = u32(pos + 4)
            }
            if implicitElement {
                vr = resolveImplicitVR(tag, vr, elements, pixelRepresentation: pixelRep)
            } else if vr == .UN && length != 0xFFFF_FFFF {
                // pydicom's replace_un_with_known_vr: a UN whose dictionary VR is known takes it.
                if tag.isPrivate {
                    let known = resolveImplicitVR(tag, .UN, elements, pixelRepresentation: pixelRep)
                    if known != .UN { vr = known }
                } else if length < 0xFFFF, let e = DataDictionary.entry(for: tag), e.vr != .UN, !e.vrs.isEmpty {
                    vr = resolveImplicitVR(tag, e.vr, elements, pixelRepresentation: pixelRep)
                }
            }
            let valueStart = pos + headerLength
            let available = limit - valueStart
            var element = RawElement(tag: tag, vr: vr, length: length, offset: pos,
                                     valueStart: valueStart, valueCount: 0)

            if length == 0xFFFF_FFFF {
                if vr == .SQ || vr == .UN || (implicitElement && !(group == 0x7FE0 && elementNumber == 0x0010)
                                              && looksLikeItem(valueStart, limit)) {
                    // UN of undefined length is an implicit VR little endian sequence (PS3.5 6.2.2).
                    let (items, end) = try parseItems(from: valueStart, limit: limit, definedEnd: nil,
                                                      explicit: explicit, depth: depth,
                                                      characterSet: cs, owner: tag, pixelRepresentation: pixelRep)
                    element.vr = .SQ
                    element.nestedIndex = Int32(nestedValues.count)
                    nestedValues.append(.items(items))
                    element.valueCount = max(0, end - valueStart)
                    pos = end
                } else if vr == .OB || vr == .OW || implicitElement || (group == 0x7FE0) {
                    // Pixel data that runs into the end of the file keeps the fragments read so
                    // far (the header stays readable; frames reaching the end are refused as cut).
                    let tolerate = topLevel && !isPrefix && tag.raw == 0x7FE0_0010 && limit == storage.count
                    let (table, fragments, contentEnd, end) = try parseFragments(from: valueStart, limit: limit, owner: tag,
                                                                                 tolerateCut: tolerate)
                    if tolerate && end == limit && contentEnd == limit { pixelDataCut = limit }
                    element.nestedIndex = Int32(nestedValues.count)
                    nestedValues.append(.fragments(table, fragments))
                    element.valueCount = contentEnd - valueStart
                    if implicitElement { element.vr = .OB }  // pydicom: undefined-length pixel data is OB
                    pos = end
                } else {
                    throw fail(.undefinedLengthNotAllowed(vr), tag, pos)
                }
            } else {
                let n = Int(length)
                guard n <= available else {
                    throw fail(.lengthExceedsRemaining(length: length, remaining: available), tag, pos)
                }
                element.valueCount = n
                if vr == .SQ {
                    element.vr = .SQ
                    let (items, _) = try parseItems(from: valueStart, limit: valueStart + n, definedEnd: valueStart + n,
                                                    explicit: explicit, depth: depth, characterSet: cs, owner: tag,
                                                    pixelRepresentation: pixelRep)
                    element.nestedIndex = Int32(nestedValues.count)
                    nestedValues.append(.items(items))
                }
                pos = valueStart + n
            }
            if tag.raw == 0x0028_0103 && element.nestedIndex < 0 {
                pixelRep = ValueDecoder.ints(element.vr, storage, element.valueRange, littleEndian: little).first
            }
            if tag.raw == 0x0008_0005 && element.nestedIndex < 0 {
                cs = SpecificCharacterSet(ValueDecoder.strings(.CS, storage, element.valueRange, littleEndian: little, characterSet: .default))
            }
            elements.append(element)
        }
        if !closed {
            throw fail(.missingDelimiter, owner, pos)
        }
        if isPrefix && topLevel && !reachedPixels {
            throw fail(.truncatedHeader(needed: 8, remaining: limit - pos), owner, pos)
        }
        let ds = DataSet(storage: storage, elements: elements, nested: nestedValues, littleEndian: little, characterSet: cs,
                         pixelDataCut: pixelDataCut)
        return (ds, pos)
    }

    /// The header of the pixel data element a `stopBeforePixels` parse stopped at, its value
    /// left unread. `streamSize` is the whole stream's length (more than `storage` holds when
    /// that is a prefix), so a value running past the end of the file is noticed.
    func skippedPixelData(at pos: Int, explicit: Bool, streamSize: Int) throws -> SkippedPixelData {
        let tag = Tag(u16(pos), u16(pos + 2))
        let remaining = storage.count - pos
        var vr = DataDictionary.implicitVR(tag)
        var header = 8
        let length: UInt32
        if explicit && remaining >= 6 && vrAt(pos + 4).isWellFormed {
            vr = vrAt(pos + 4)
            if vr.hasLongLength {
                header = 12
                guard remaining >= 12 else { throw fail(.truncatedHeader(needed: 12, remaining: remaining), tag, pos) }
                length = u32(pos + 8)
            } else {
                length = UInt32(u16(pos + 6))
            }
        } else {
            length = u32(pos + 4)
            if tag.raw == 0x7FE0_0010 { vr = length == 0xFFFF_FFFF ? .OB : .OW }
        }
        return SkippedPixelData(tag: tag, vr: vr, length: length, offset: pos, valueStart: pos + header,
                                available: max(0, streamSize - pos - header))
    }

    func looksLikeItem(_ pos: Int, _ limit: Int) -> Bool {
        limit - pos >= 4 && u16(pos) == 0xFFFE && (u16(pos + 2) == 0xE000 || u16(pos + 2) == 0xE0DD)
    }

    /// Items of a sequence; `definedEnd` nil for an undefined-length sequence (ends at its
    /// Sequence Delimitation Item).
    func parseItems(from start: Int, limit: Int, definedEnd: Int?, explicit: Bool, depth: Int,
                    characterSet: SpecificCharacterSet, owner: Tag, pixelRepresentation: Int? = nil) throws -> ([DataSet], Int) {
        guard depth + 1 <= DataSetParser.maxDepth else {
            throw fail(.nestingTooDeep(limit: DataSetParser.maxDepth), owner, start)
        }
        var items: [DataSet] = []
        var pos = start
        while true {
            if let end = definedEnd, pos >= end { return (items, pos) }
            let remaining = limit - pos
            guard remaining >= 8 else {
                if definedEnd == nil { throw fail(.missingDelimiter, owner, pos) }
                throw fail(.truncatedHeader(needed: 8, remaining: remaining), owner, pos)
            }
            let tag = Tag(u16(pos), u16(pos + 2))
            let length = u32(pos + 4)
            if tag == Tag(0xFFFE, 0xE0DD) { return (items, pos + 8) }
            guard tag == Tag(0xFFFE, 0xE000) else { throw fail(.expectedItem(found: tag), owner, pos) }
            let itemStart = pos + 8
            if length == 0xFFFF_FFFF {
                let (ds, end) = try parseDataSet(from: itemStart, limit: limit, explicit: explicit, undefinedItem: true,
                                                 depth: depth + 1, characterSet: characterSet, topLevel: false, owner: owner,
                                               pixelRepresentation: pixelRepresentation)
                items.append(ds)
                pos = end
            } else {
                var n = Int(length)
                if n > limit - itemStart {
                    // An item overrunning its defined-length sequence is cut at the sequence end,
                    // as pydicom and dcmtk read it; the sequence itself was checked against the file.
                    guard definedEnd != nil else {
                        throw fail(.lengthExceedsRemaining(length: length, remaining: limit - itemStart), owner, pos)
                    }
                    n = limit - itemStart
                }
                let (ds, _) = try parseDataSet(from: itemStart, limit: itemStart + n, explicit: explicit, undefinedItem: false,
                                               depth: depth + 1, characterSet: characterSet, topLevel: false, owner: owner,
                                               pixelRepresentation: pixelRepresentation)
                items.append(ds)
                pos = itemStart + n
            }
        }
    }

    /// Encapsulated pixel data (PS3.5 A.4): Basic Offset Table item, then one item per
    /// fragment, then the Sequence Delimitation Item. Returns the table, fragment ranges, the
    /// end of the content (delimiter start) and the position after the delimiter.
    /// With `tolerateCut`, data ending without its delimiter, or inside a fragment, returns what
    /// was read with both positions at `limit` (the last fragment cut at `limit`).
    func parseFragments(from start: Int, limit: Int, owner: Tag, tolerateCut: Bool = false) throws -> ([UInt32], [Range<Int>], Int, Int) {
        var table: [UInt32] = []
        var fragments: [Range<Int>] = []
        var pos = start
        var first = true
        while true {
            let remaining = limit - pos
            guard remaining >= 8 else {
                if tolerateCut && !first { return (table, fragments, limit, limit) }
                throw fail(.missingDelimiter, owner, pos)
            }
            let tag = Tag(u16(pos), u16(pos + 2))
            let length = u32(pos + 4)
            if tag == Tag(0xFFFE, 0xE0DD) { return (table, fragments, pos, pos + 8) }
            guard tag == Tag(0xFFFE, 0xE000) else { throw fail(.expectedItem(found: tag), owner, pos) }
            guard length != 0xFFFF_FFFF else { throw fail(.undefinedLengthNotAllowed(.OB), owner, pos) }
            let n = Int(length)
            if tolerateCut && !first && n > remaining - 8 {
                fragments.append((pos + 8)..<limit)
                return (table, fragments, limit, limit)
            }
            guard n <= remaining - 8 else {
                throw fail(.lengthExceedsRemaining(length: length, remaining: remaining - 8), owner, pos)
            }
            if first {
                table.reserveCapacity(n / 4)
                var i = pos + 8
                while i + 4 <= pos + 8 + n {
                    table.append(u32(i))
                    i += 4
                }
                first = false
            } else {
                fragments.append((pos + 8)..<(pos + 8 + n))
            }
            pos += 8 + n
        }
    }

    /// The VR of an element read without one: the private dictionary by creator for private
    /// tags, and pydicom's rules for the ambiguous "US or SS" / "OB or OW" entries.
    func resolveImplicitVR(_ tag: Tag, _ vr: VR, _ elements: [RawElement], pixelRepresentation: Int?) -> VR {
        if tag.isPrivate {
            if tag.isPrivateCreator { return .LO }
            guard tag.element >= 0x1000 else { return vr }
            let creatorTag = Tag(tag.group, tag.element >> 8)
            guard let c = elements.last(where: { $0.tag == creatorTag }), c.nestedIndex < 0 else { return vr }
            let creator = ValueDecoder.strings(.LO, storage, c.valueRange, littleEndian: little, characterSet: .default).first ?? ""
            guard !creator.isEmpty, let e = DataDictionary.privateEntry(for: tag, creator: creator) else { return vr }
            return e.vrs.first ?? vr
        }
        switch tag.raw {
        case 0x7FE0_0010, 0x5400_0110, 0x5400_0112, 0x5400_100A, 0x5400_1010: return .OW
        case 0x0028_3006:
            if let d = elements.last(where: { $0.tag.raw == 0x0028_3002 }) {
                let first = ValueDecoder.ints(.US, storage, d.valueRange, littleEndian: little).first
                return first == 1 ? .US : .OW
            }
            return vr
        case 0x0018_9810, 0x0022_1452, 0x0028_0104...0x0028_0111, 0x0028_0120, 0x0028_0121,
             0x0028_1101...0x0028_1103, 0x0028_3002, 0x0040_9211, 0x0040_9216, 0x0060_3004, 0x0060_3006:
            guard vr == .US || vr == .SS else { return vr }
            return (pixelRepresentation ?? 0) == 0 ? .US : .SS
        default:
            if tag.group & 0xFF00 == 0x6000 && tag.element == 0x3000 { return .OW }
            return vr
        }
    }
}
