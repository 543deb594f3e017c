import Foundation
import Testing
import TestSupport
@testable import DICOM

/// Character sets through the reader: every text element of pydicom's charset files, in
/// sequence items too (where an item may declare its own (0008,0005)), read with
/// `DICOMFile.open` + `DataSet.strings`, against pydicom's decoded values.
@Test func readerAppliesCharacterSetsPerItemLikePydicom() throws {
    let script = #"""
    import json, sys, warnings
    warnings.simplefilter("ignore")
    from pydicom import dcmread
    from pydicom.data import get_charset_files
    TEXT = {"PN", "LO", "SH", "ST", "LT", "UT", "UC"}
    out = []
    def walk(ds, prefix, path):
        for elem in ds:
            key = prefix + f"{elem.tag:08X}"
            if elem.VR == "SQ":
                for i, item in enumerate(elem.value):
                    walk(item, key + f"/{i}/", path)
            elif elem.VR in TEXT and elem.value not in (None, ""):
                v = elem.value
                vals = [str(x) for x in v] if isinstance(v, (list, tuple)) or type(v).__name__ == "MultiValue" else [str(v)]
                out.append(dict(path=path, key=key, pn=elem.VR == "PN", value="\\".join(vals)))
    for f in sorted(get_charset_files("*.dcm")):
        walk(dcmread(f), "", f)
    json.dump(out, sys.stdout)
    """#
    let run = try runPython(script)
    #expect(run.status == 0, "\(run.stderr)")
    let cases = try #require(try JSONSerialization.jsonObject(with: run.stdoutData) as? [[String: Any]])
    var files: [String: DICOMFile] = [:]
    var checked = 0, inItems = 0
    for c in cases {
        let path = c["path"] as? String ?? "", key = c["key"] as? String ?? ""
        let personName = c["pn"] as? Bool ?? false
        let file = try files[path] ?? DICOMFile.open(path: path)
        files[path] = file
        // Walk "TTTTTTTT/i/TTTTTTTT…" down the sequence items.
        var ds: DataSet? = file.dataSet
        let parts = key.split(separator: "/")
        var i = 0
        while i + 2 < parts.count {
            let t = UInt32(parts[i], radix: 16)!
            ds = ds?.sequence(Tag(UInt16(t >> 16), UInt16(t & 0xFFFF)))?[Int(parts[i + 1])!]
            i += 2
        }
        if parts.count > 1 { inItems += 1 }
        let t = UInt32(parts[parts.count - 1], radix: 16)!
        let got = ds?.strings(Tag(UInt16(t >> 16), UInt16(t & 0xFFFF))) ?? []
        let clean: (String) -> String = { value in
            var v = Substring(value)
            while let last = v.last, last == " " || last == "\0" || (personName && last == "=") { v.removeLast() }
            return String(v)
        }
        let expected = (c["value"] as? String ?? "").split(separator: "\\", omittingEmptySubsequences: false).map { clean(String($0)) }
        #expect(got.map(clean) == expected, "\(URL(fileURLWithPath: path).lastPathComponent) \(key)")
        checked += 1
    }
    #expect(checked >= 100)
    #expect(inItems >= 4)
}
