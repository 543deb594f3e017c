#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Part 10 encoding (PS3.10 7.1): 128-byte preamble, "DICM", the group 0002 meta header in
/// explicit VR little endian with its group length, then the body in the chosen syntax.
public enum DICOMWriter {
    /// Identifies files written by Sluice in (0002,0012); a fixed 2.25 UID, so no registration.
    public static let implementationClassUID = "2.25.163283150424914329395617930432287312713"
    public static let implementationVersionName = "SLUICE_1"

    public static func encode(_ ds: MutableDataSet, transferSyntax: TransferSyntax = .explicitVRLittleEndian,
                              includeMeta: Bool = true) throws -> [UInt8] {
        var out: [UInt8] = []
        if includeMeta {
            out.reserveCapacity(1024)
            out.append(contentsOf: [UInt8](repeating: 0, count: 128))
            out.append(contentsOf: Array("DICM".utf8))
            out.append(contentsOf: try metaGroup(ds, transferSyntax))
        }
        var body = BodyEncoder(explicit: transferSyntax.isExplicitVR, little: transferSyntax.isLittleEndian,
                               encapsulated: transferSyntax.isEncapsulated)
        try body.write(ds, topLevel: true)
        if transferSyntax.isDeflated {
            out.append(contentsOf: try Deflate.compress(body.out))
        } else {
            out.append(contentsOf: body.out)
        }
        return out
    }

    /// Writes to a temporary name beside `path` and renames it into place, so a reader never
    /// sees a half-written file.
    public static func write(_ ds: MutableDataSet, to path: String, transferSyntax: TransferSyntax = .explicitVRLittleEndian,
                             includeMeta: Bool = true) throws {
        let bytes = try encode(ds, transferSyntax: transferSyntax, includeMeta: includeMeta)
        let temporary = path + ".partial-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw DICOMWriteError(code: .io(errno), tag: nil) }
        var done = 0
        let failure: Int32? = bytes.withUnsafeBytes { p in
            while done < p.count {
                #if canImport(Glibc)
                let n = Glibc.write(fd, p.baseAddress! + done, p.count - done)
                #else
                let n = Darwin.write(fd, p.baseAddress! + done, p.count - done)
                #endif
                if n < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                done += n
            }
            return nil
        }
        close(fd)
        if let failure {
            unlink(temporary)
            throw DICOMWriteError(code: .io(failure), tag: nil)
        }
        guard rename(temporary, path) == 0 else {
            let e = errno
            unlink(temporary)
            throw DICOMWriteError(code: .io(e), tag: nil)
        }
    }

    static func metaGroup(_ ds: MutableDataSet, _ ts: TransferSyntax) throws -> [UInt8] {
        var meta = MutableDataSet()
        meta.set(Tag(0x0002, 0x0001), .OB, bytes: [0, 1])
        meta.set(Tag(0x0002, 0x0002), .UI, ds.string(Tag(0x0008, 0x0016)) ?? "")
        meta.set(Tag(0x0002, 0x0003), .UI, ds.string(Tag(0x0008, 0x0018)) ?? "")
        meta.set(Tag(0x0002, 0x0010), .UI, ts.uid)
        meta.set(Tag(0x0002, 0x0012), .UI, implementationClassUID)
        meta.set(Tag(0x0002, 0x0013), .SH, implementationVersionName)
        // Keep optional meta elements a caller supplied (source/sending AE titles, private info).
        for tag in [Tag(0x0002, 0x0016), Tag(0x0002, 0x0017), Tag(0x0002, 0x0018), Tag(0x0002, 0x0100), Tag(0x0002, 0x0102)] {
            if let e = ds.element(tag) { meta.elements_set(tag, e) }
        }
        var enc = BodyEncoder(explicit: true, little: true, encapsulated: false)
        enc.includeGroup2 = true
        try enc.write(meta, topLevel: false)
        var out: [UInt8] = [0x02, 0x00, 0x00, 0x00, 0x55, 0x4C, 0x04, 0x00]
        MutableDataSet.append(&out, UInt32(enc.out.count))
        return out + enc.out
    }
}

extension MutableDataSet {
    mutating func elements_set(_ tag: Tag, _ e: Element) {
        switch e.value {
        case .bytes(let b): set(tag, e.vr, bytes: b)
        case .items(let i): set(tag, items: i)
        case .encapsulated(let f, let t): setEncapsulatedPixelData(fragments: f, offsetTable: t)
        }
    }
}

/// Encodes elements in ascending tag order; sequences and items use undefined length with
/// delimiters, so nothing has to be measured twice.
struct BodyEncoder {
    let explicit: Bool
    let little: Bool
    let encapsulated: Bool
    var includeGroup2 = false
    var out: [UInt8] = []

    init(explicit: Bool, little: Bool, encapsulated: Bool) {
        self.explicit = explicit
        self.little = little
        self.encapsulated = encapsulated
        out.reserveCapacity(4096)
    }

    mutating func u16(_ v: UInt16) {
        let x = little ? v.littleEndian : v.bigEndian
        withUnsafeBytes(of: x) { out.append(contentsOf: $0) }
    }

    mutating func u32(_ v: UInt32) {
        let x = little ? v.littleEndian : v.bigEndian
        withUnsafeBytes(of: x) { out.append(contentsOf: $0) }
    }

    mutating func header(_ tag: Tag, _ vr: VR, _ length: UInt32) throws {
        u16(tag.group)
        u16(tag.element)
        if explicit {
            out.append(UInt8(vr.raw >> 8))
            out.append(UInt8(vr.raw & 0xFF))
            if vr.hasLongLength {
                out.append(0); out.append(0)
                u32(length)
            } else {
                guard length <= 0xFFFF else { throw DICOMWriteError(code: .valueTooLong(Int(length)), tag: tag) }
                u16(UInt16(length))
            }
        } else {
            u32(length)
        }
    }

    mutating func delimiter(_ tag: Tag, _ length: UInt32 = 0) {
        u16(tag.group)
        u16(tag.element)
        u32(length)
    }

    mutating func write(_ ds: MutableDataSet, topLevel: Bool) throws {
        for tag in ds.tags {
            if tag.group == 0x0002 && !includeGroup2 { continue }
            // Group lengths other than the meta group's are retired (PS3.5 7.2) and would go stale.
            if tag.element == 0x0000 && tag.group != 0x0002 { continue }
            let e = ds.elements[tag]!
            switch e.value {
            case .items(let items):
                try header(tag, .SQ, 0xFFFF_FFFF)
                for item in items {
                    delimiter(Tag.item, 0xFFFF_FFFF)
                    try write(item, topLevel: false)
                    delimiter(Tag.itemDelimitationItem)
                }
                delimiter(Tag.sequenceDelimitationItem)
            case .encapsulated(let fragments, let table):
                guard encapsulated else {
                    throw DICOMWriteError(code: .encapsulatedPixelDataNeedsEncapsulatedSyntax, tag: tag)
                }
                try header(tag, e.vr == .OW ? .OW : .OB, 0xFFFF_FFFF)
                let t = table ?? []
                delimiter(Tag.item, UInt32(t.count * 4))
                for v in t { u32(v) }
                for f in fragments {
                    let padded = f.count & 1 == 1
                    delimiter(Tag.item, UInt32(f.count + (padded ? 1 : 0)))
                    out.append(contentsOf: f)
                    if padded { out.append(0) }
                }
                delimiter(Tag.sequenceDelimitationItem)
            case .bytes(let bytes):
                if encapsulated && topLevel && tag == Tag(0x7FE0, 0x0010) {
                    throw DICOMWriteError(code: .nativePixelDataInEncapsulatedSyntax, tag: tag)
                }
                let pad = bytes.count & 1 == 1
                try header(tag, e.vr, UInt32(truncatingIfNeeded: bytes.count + (pad ? 1 : 0)))
                if bytes.count + 1 > UInt32.max { throw DICOMWriteError(code: .valueTooLong(bytes.count), tag: tag) }
                let start = out.count
                out.append(contentsOf: bytes)
                if pad { out.append(e.vr.paddingByte) }
                if !little, let w = e.vr.swapWidth, w > 1 {
                    out.withUnsafeMutableBufferPointer { p in
                        var i = start
                        while i + w <= start + bytes.count {
                            var a = i, b = i + w - 1
                            while a < b { p.swapAt(a, b); a += 1; b -= 1 }
                            i += w
                        }
                    }
                }
            }
        }
    }
}
