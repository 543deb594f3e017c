#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A data set being built for writing. Values are kept encoded as little endian bytes, so a
/// copy of a parsed data set writes back its original bytes whatever the character set.
public struct MutableDataSet: Sendable {
    public enum Value: Sendable {
        /// The value bytes in little endian order, not yet padded.
        case bytes([UInt8])
        case items([MutableDataSet])
        case encapsulated(fragments: [[UInt8]], offsetTable: [UInt32]?)
    }

    public struct Element: Sendable {
        public var vr: VR
        public var value: Value
    }

    public private(set) var elements: [Tag: Element] = [:]

    public init() {}

    /// A writable copy of a parsed data set (big endian values are swapped to little endian).
    public init(_ read: DataSet) {
        for raw in read.elements {
            let tag = raw.tag
            switch read.nested(raw) {
            case .items(let items):
                elements[tag] = Element(vr: raw.vr == .UN ? .SQ : raw.vr, value: .items(items.map { MutableDataSet($0) }))
            case .fragments(let table, let frags):
                let fragments = frags.map { read.storage.bytes($0) }
                elements[tag] = Element(vr: raw.vr, value: .encapsulated(fragments: fragments, offsetTable: table.isEmpty ? nil : table))
            case nil:
                var bytes = read.storage.bytes(raw.valueRange)
                if !read.isLittleEndian, let w = raw.vr.swapWidth, w > 1 { MutableDataSet.swap(&bytes, width: w) }
                elements[tag] = Element(vr: raw.vr, value: .bytes(bytes))
            }
        }
    }

    public var tags: [Tag] { elements.keys.sorted() }
    public var isEmpty: Bool { elements.isEmpty }
    public func contains(_ tag: Tag) -> Bool { elements[tag] != nil }
    public func element(_ tag: Tag) -> Element? { elements[tag] }

    /// The text of a string element as set (for checks in tests and generators).
    public func string(_ tag: Tag) -> String? {
        guard case .bytes(let b)? = elements[tag]?.value else { return nil }
        var s = Substring(String(decoding: b, as: UTF8.self))
        while let l = s.last, l == " " || l == "\0" { s.removeLast() }
        return String(s)
    }

    public mutating func set(_ tag: Tag, _ vr: VR, _ value: String) {
        elements[tag] = Element(vr: vr, value: .bytes(Array(value.utf8)))
    }

    public mutating func set(_ tag: Tag, _ vr: VR, strings: [String]) {
        set(tag, vr, strings.joined(separator: "\\"))
    }

    public mutating func set(_ tag: Tag, _ vr: VR, ints: [Int]) {
        var out: [UInt8] = []
        switch vr {
        case .US, .OW: for v in ints { MutableDataSet.append(&out, UInt16(truncatingIfNeeded: v)) }
        case .SS: for v in ints { MutableDataSet.append(&out, UInt16(bitPattern: Int16(truncatingIfNeeded: v))) }
        case .UL, .OL: for v in ints { MutableDataSet.append(&out, UInt32(truncatingIfNeeded: v)) }
        case .SL: for v in ints { MutableDataSet.append(&out, UInt32(bitPattern: Int32(truncatingIfNeeded: v))) }
        case .UV, .OV: for v in ints { MutableDataSet.append(&out, UInt64(truncatingIfNeeded: v)) }
        case .SV: for v in ints { MutableDataSet.append(&out, UInt64(bitPattern: Int64(v))) }
        case .AT:
            for v in ints {
                MutableDataSet.append(&out, UInt16(truncatingIfNeeded: v >> 16))
                MutableDataSet.append(&out, UInt16(truncatingIfNeeded: v))
            }
        case .OB, .UN: out = ints.map { UInt8(truncatingIfNeeded: $0) }
        default:
            set(tag, vr, strings: ints.map(String.init))
            return
        }
        elements[tag] = Element(vr: vr, value: .bytes(out))
    }

    public mutating func set(_ tag: Tag, _ vr: VR, doubles: [Double]) {
        var out: [UInt8] = []
        switch vr {
        case .FL, .OF: for v in doubles { MutableDataSet.append(&out, Float(v).bitPattern) }
        case .FD, .OD: for v in doubles { MutableDataSet.append(&out, v.bitPattern) }
        case .IS: set(tag, vr, strings: doubles.map { String(Int($0.rounded())) }); return
        default: set(tag, vr, strings: doubles.map(MutableDataSet.decimalString)); return
        }
        elements[tag] = Element(vr: vr, value: .bytes(out))
    }

    public mutating func set(_ tag: Tag, _ vr: VR, bytes: [UInt8]) {
        elements[tag] = Element(vr: vr, value: .bytes(bytes))
    }

    public mutating func set(_ tag: Tag, items: [MutableDataSet]) {
        elements[tag] = Element(vr: .SQ, value: .items(items))
    }

    /// Pixel Data as fragments (one per frame); `offsetTable` nil writes an empty Basic Offset
    /// Table, which readers then rebuild by scanning.
    public mutating func setEncapsulatedPixelData(fragments: [[UInt8]], offsetTable: [UInt32]?) {
        elements[Tag(0x7FE0, 0x0010)] = Element(vr: .OB, value: .encapsulated(fragments: fragments, offsetTable: offsetTable))
    }

    public mutating func remove(_ tag: Tag) {
        elements[tag] = nil
    }

    /// A DS value in at most 16 characters (PS3.5 Table 6.2-1), shortest round-trip form first.
    public static func decimalString(_ v: Double) -> String {
        guard v.isFinite else { return "0" }
        var s = "\(v)"
        if s.hasSuffix(".0") { s.removeLast(2) }
        if s.utf8.count <= 16 { return s }
        for precision in stride(from: 15, through: 1, by: -1) {
            var buf = [CChar](repeating: 0, count: 40)
            _ = withVaList([v]) { vsnprintf(&buf, 40, "%.\(precision)g", $0) }
            let t = String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if t.utf8.count <= 16 { return t }
        }
        return "0"
    }

    static func append<T: FixedWidthInteger>(_ out: inout [UInt8], _ v: T) {
        withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) }
    }

    static func swap(_ bytes: inout [UInt8], width: Int) {
        var i = 0
        while i + width <= bytes.count {
            bytes[i..<(i + width)].reverse()
            i += width
        }
    }
}

extension VR {
    /// Unit of byte swapping between little and big endian (AT is two 16-bit numbers).
    var swapWidth: Int? {
        switch self {
        case .US, .SS, .OW, .AT: return 2
        case .UL, .SL, .FL, .OF, .OL: return 4
        case .FD, .OD, .UV, .SV, .OV: return 8
        default: return nil
        }
    }
}
