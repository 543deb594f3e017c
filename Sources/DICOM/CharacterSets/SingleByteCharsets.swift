/// The single-byte repertoires of PS3.3 Table C.12-2/C.12-3: ISO 8859 parts and TIS 620 (Thai),
/// decoded through tables built once from iconv.
enum SingleByteCharsets {
    /// iconv names, by the ISO-IR registration number DICOM uses.
    static let iconvNames: [Int: String] = [
        101: "ISO-8859-2", 109: "ISO-8859-3", 110: "ISO-8859-4", 144: "ISO-8859-5",
        127: "ISO-8859-6", 126: "ISO-8859-7", 138: "ISO-8859-8", 148: "ISO-8859-9",
        166: "TIS-620",
    ]

    /// glibc's TIS-620 leaves 0x80–0x9F undefined; ISO 2022 puts the C1 controls there, as the
    /// other parts' tables (and Python's tis_620) do, so fill them in.
    static let tables: [Int: [Unicode.Scalar]] = iconvNames.mapValues { name in
        var table = Iconv.singleByteTable(name)
        for b in 0x80...0x9F where table[b] == "\u{FFFD}" { table[b] = Unicode.Scalar(UInt8(b)) }
        return table
    }

    static func decode(_ bytes: UnsafeRawBufferPointer, isoIR: Int) -> String {
        guard let table = tables[isoIR] else { return latin1(bytes) }
        var scalars = String.UnicodeScalarView()
        scalars.reserveCapacity(bytes.count)
        for b in bytes { scalars.append(table[Int(b)]) }
        return String(scalars)
    }

    /// ISO 8859-1; also how the default repertoire treats stray bytes above 0x7F, as pydicom does.
    static func latin1(_ bytes: UnsafeRawBufferPointer) -> String {
        if bytes.allSatisfy({ $0 < 0x80 }) { return String(decoding: bytes, as: UTF8.self) }
        return String(String.UnicodeScalarView(bytes.map { Unicode.Scalar($0) }))
    }
}
