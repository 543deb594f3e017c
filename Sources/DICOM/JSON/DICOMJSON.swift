/// The DICOM JSON model (PS3.18 Annex F), written to agree with pydicom's
/// `Dataset.to_json_dict()`: group 0002 left out, numbers as JSON numbers, PN as component
/// objects, AT as hex strings, binary values inline as base64, no "Value" when empty.
public enum DICOMJSON {
    public static func encode(_ dataSet: DataSet) throws -> String {
        var out = ""
        out.reserveCapacity(4096)
        write(dataSet, into: &out)
        return out
    }

    static func write(_ ds: DataSet, into out: inout String) {
        // pydicom keeps one element per tag (the last read); emit in tag order.
        var last: [Tag: Int] = [:]
        for (i, e) in ds.elements.enumerated() { last[e.tag] = i }
        let order = last.keys.sorted()
        out += "{"
        var first = true
        for tag in order where tag.group != 0x0002 {
            let e = ds.elements[last[tag]!]
            if !first { out += "," }
            first = false
            out += "\""
            out += Tag.hex4(tag.group) + Tag.hex4(tag.element)
            out += "\":"
            element(e, ds, into: &out)
        }
        out += "}"
    }

    static func element(_ e: RawElement, _ ds: DataSet, into out: inout String) {
        let vr = e.vr
        out += "{\"vr\":\""
        out += vr.isWellFormed ? vr.code : "UN"
        out += "\""
        defer { out += "}" }
        if case .items(let items)? = ds.nested(e) {
            out += ",\"Value\":["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                write(item, into: &out)
            }
            out += "]"
            return
        }
        if vr.isBulkBinary || !vr.isWellFormed || e.nestedIndex >= 0 {
            if e.valueCount > 0 {
                out += ",\"InlineBinary\":\""
                ds.storage.withBytes(e.valueRange) { Base64.encode($0, into: &out) }
                out += "\""
            }
            return
        }
        if e.valueCount == 0 { return }
        switch vr {
        case .PN:
            let values = ds.strings(e.tag, e)
            out += ",\"Value\":["
            for (i, v) in values.enumerated() {
                if i > 0 { out += "," }
                let comps = v.split(separator: "=", maxSplits: 2, omittingEmptySubsequences: false)
                out += "{\"Alphabetic\":"
                quote(String(comps[0]), into: &out)
                if comps.count > 1 { out += ",\"Ideographic\":"; quote(String(comps[1]), into: &out) }
                if comps.count > 2 { out += ",\"Phonetic\":"; quote(String(comps[2]), into: &out) }
                out += "}"
            }
            out += "]"
        case .AT:
            let values = ValueDecoder.ints(.AT, ds.storage, e.valueRange, littleEndian: ds.isLittleEndian)
            guard !values.isEmpty else { return }
            out += ",\"Value\":["
            out += values.map { "\"" + Tag.hex4(UInt16($0 >> 16)) + Tag.hex4(UInt16($0 & 0xFFFF)) + "\"" }.joined(separator: ",")
            out += "]"
        case .US, .SS, .UL, .SL, .UV, .SV:
            let values = ValueDecoder.ints(vr, ds.storage, e.valueRange, littleEndian: ds.isLittleEndian)
            guard !values.isEmpty else { return }
            out += ",\"Value\":["
            out += values.map(String.init).joined(separator: ",")
            out += "]"
        case .FL, .FD:
            let values = ValueDecoder.doubles(vr, ds.storage, e.valueRange, littleEndian: ds.isLittleEndian)
            guard !values.isEmpty else { return }
            out += ",\"Value\":["
            out += values.map(number).joined(separator: ",")
            out += "]"
        case .IS, .DS:
            let values = ds.strings(e.tag, e)
            guard !(values.count == 1 && values[0].isEmpty) else { return }
            out += ",\"Value\":["
            out += values.map { s -> String in
                if s.isEmpty { return "null" }
                if vr == .IS, let i = Int(s) { return String(i) }
                if let d = Double(s) {
                    if vr == .IS, d.isFinite, d == d.rounded(.towardZero), abs(d) < 9e18 { return String(Int(d)) }
                    return number(d)
                }
                var q = ""
                quote(s, into: &q)
                return q
            }.joined(separator: ",")
            out += "]"
        default:
            let values = ds.strings(e.tag, e)
            guard !(values.count == 1 && values[0].isEmpty) else { return }
            out += ",\"Value\":["
            for (i, v) in values.enumerated() {
                if i > 0 { out += "," }
                quote(v, into: &out)
            }
            out += "]"
        }
    }

    static func number(_ d: Double) -> String {
        guard d.isFinite else { return "null" }
        if d == d.rounded(.towardZero) && abs(d) < 1e15 { return String(Int(d)) + ".0" }
        return "\(d)"
    }

    static func quote(_ s: String, into out: inout String) {
        out += "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 {
                    let h = String(u.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - h.count) + h
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        out += "\""
    }
}

extension DataSet {
    /// Strings of one specific element (a duplicate tag may shadow the first lookup).
    func strings(_ tag: Tag, _ e: RawElement) -> [String] {
        ValueDecoder.strings(e.vr, storage, e.valueRange, littleEndian: isLittleEndian, characterSet: characterSet)
    }
}

enum Base64 {
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    static func encode(_ bytes: UnsafeRawBufferPointer, into out: inout String) {
        var buf = [UInt8]()
        buf.reserveCapacity((bytes.count + 2) / 3 * 4)
        var i = 0
        while i + 3 <= bytes.count {
            let n = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
            buf.append(alphabet[Int(n >> 18 & 63)]); buf.append(alphabet[Int(n >> 12 & 63)])
            buf.append(alphabet[Int(n >> 6 & 63)]); buf.append(alphabet[Int(n & 63)])
            i += 3
        }
        let rest = bytes.count - i
        if rest > 0 {
            let n = UInt32(bytes[i]) << 16 | (rest == 2 ? UInt32(bytes[i + 1]) << 8 : 0)
            buf.append(alphabet[Int(n >> 18 & 63)]); buf.append(alphabet[Int(n >> 12 & 63)])
            buf.append(rest == 2 ? alphabet[Int(n >> 6 & 63)] : UInt8(ascii: "="))
            buf.append(UInt8(ascii: "="))
        }
        out += String(decoding: buf, as: UTF8.self)
    }
}
