/// A minimal, deterministic JSON writer (keys in insertion order) for inspect output.
enum JSONValue {
    case string(String)
    case number(Int)
    case bool(Bool)
    case null
    case array([JSONValue])
    case object([(String, JSONValue)])

    func write(into out: inout String, indent: Int = 0) {
        let pad = String(repeating: "  ", count: indent)
        switch self {
        case .string(let s): Self.quote(s, into: &out)
        case .number(let n): out += String(n)
        case .bool(let b): out += b ? "true" : "false"
        case .null: out += "null"
        case .array(let xs):
            if xs.isEmpty { out += "[]"; return }
            if xs.allSatisfy({ if case .string = $0 { return true } else { return false } }) {
                // Short leaf arrays stay on one line.
                out += "["
                for (i, x) in xs.enumerated() { if i > 0 { out += ", " }; x.write(into: &out) }
                out += "]"
                return
            }
            out += "[\n"
            for (i, x) in xs.enumerated() {
                out += pad + "  "
                x.write(into: &out, indent: indent + 1)
                out += i == xs.count - 1 ? "\n" : ",\n"
            }
            out += pad + "]"
        case .object(let kvs):
            if kvs.isEmpty { out += "{}"; return }
            out += "{\n"
            for (i, (k, v)) in kvs.enumerated() {
                out += pad + "  "
                Self.quote(k, into: &out)
                out += ": "
                v.write(into: &out, indent: indent + 1)
                out += i == kvs.count - 1 ? "\n" : ",\n"
            }
            out += pad + "}"
        }
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
                    let hex = String(u.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        out += "\""
    }
}
