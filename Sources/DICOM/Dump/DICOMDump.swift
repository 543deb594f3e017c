/// A dcmdump-like text view: one line per element with tag, VR, value, length, VM and keyword;
/// sequence items indented. Long values are cut so a dump stays readable.
public enum DICOMDump {
    static let valueWidth = 64

    public static func render(_ file: DICOMFile) -> String {
        var out = "# Dicom-File-Format\n"
        if let meta = file.meta {
            out += "\n# Dicom-Meta-Information-Header\n# Used TransferSyntax: Little Endian Explicit\n"
            render(meta, depth: 0, into: &out)
        }
        out += "\n# Dicom-Data-Set\n# Used TransferSyntax: \(file.transferSyntax.name)\n"
        render(file.dataSet, depth: 0, into: &out)
        return out
    }

    public static func render(_ ds: DataSet, depth: Int, into out: inout String) {
        let indent = String(repeating: "  ", count: depth)
        for e in ds.elements {
            let name = keyword(e.tag, ds)
            let lengthText = e.length == 0xFFFF_FFFF ? "u/l" : String(e.length)
            switch ds.nested(e) {
            case .items(let items)?:
                let kind = e.length == 0xFFFF_FFFF ? "undefined" : "explicit"
                line(indent, e.tag, "SQ", "(Sequence with \(kind) length #=\(items.count))", lengthText, 1, name, &out)
                for item in items {
                    line(indent + "  ", Tag(0xFFFE, 0xE000), "na", "(Item #=\(item.count))", "", 1, "Item", &out)
                    render(item, depth: depth + 2, into: &out)
                }
            case .fragments(let table, let fragments)?:
                line(indent, e.tag, e.vr.code, "(PixelSequence #=\(fragments.count + 1))", lengthText, 1, name, &out)
                line(indent + "  ", Tag(0xFFFE, 0xE000), "pi", "(Basic Offset Table, \(table.count) entries)", String(table.count * 4), 1, "Item", &out)
                for f in fragments {
                    let text = ds.storage.withBytes(f) { hex($0) }
                    line(indent + "  ", Tag(0xFFFE, 0xE000), "pi", text, String(f.count), 1, "Item", &out)
                }
            case nil:
                let (text, vm) = value(e, ds)
                line(indent, e.tag, e.vr.isWellFormed ? e.vr.code : "??", text, lengthText, vm, name, &out)
            }
        }
    }

    static func keyword(_ tag: Tag, _ ds: DataSet) -> String {
        if tag.isPrivateCreator { return "PrivateCreator" }
        if tag.isPrivate {
            if let creator = ds.privateCreator(for: tag), let e = DataDictionary.privateEntry(for: tag, creator: creator) {
                return e.name.isEmpty ? "Private" : e.name
            }
            return "Unknown Tag & Data"
        }
        if let e = DataDictionary.entry(for: tag), !e.keyword.isEmpty { return e.keyword }
        return "Unknown Tag & Data"
    }

    static func value(_ e: RawElement, _ ds: DataSet) -> (String, Int) {
        if e.valueCount == 0 { return ("(no value available)", 0) }
        if e.vr.isString {
            let values = ds.strings(e.tag, e)
            return (cut("[" + values.joined(separator: "\\") + "]"), values.count)
        }
        switch e.vr {
        case .US, .SS, .UL, .SL, .UV, .SV, .FL, .FD, .AT:
            let values = ValueDecoder.strings(e.vr, ds.storage, e.valueRange, littleEndian: ds.isLittleEndian, characterSet: .default)
            return (cut(values.joined(separator: "\\")), values.count)
        default:
            return (ds.storage.withBytes(e.valueRange) { hex($0) }, 1)
        }
    }

    static func hex(_ bytes: UnsafeRawBufferPointer) -> String {
        var s = ""
        for (i, b) in bytes.prefix(24).enumerated() {
            if i > 0 { s.append("\\") }
            s += String(b >> 4, radix: 16) + String(b & 15, radix: 16)
        }
        if bytes.count > 24 { s += "..." }
        return s
    }

    static func cut(_ s: String) -> String {
        s.count > valueWidth ? String(s.prefix(valueWidth - 3)) + "..." : s
    }

    static func line(_ indent: String, _ tag: Tag, _ vr: String, _ value: String, _ length: String, _ vm: Int,
                     _ name: String, _ out: inout String) {
        var head = indent + tag.description.lowercased() + " " + vr + " " + value
        let pad = 52 - head.count
        if pad > 0 { head += String(repeating: " ", count: pad) }
        let len = String(repeating: " ", count: max(0, 3 - length.count)) + length
        out += head + " # " + len + ", " + String(vm) + " " + name + "\n"
    }
}
