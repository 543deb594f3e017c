import Foundation
import Testing
import TestSupport
@testable import DICOM

/// Our DICOM JSON against pydicom's `to_json_dict()` for every file in pydicom's own test data
/// that pydicom reads: one Python process lists the files, one compares all of them.
@Suite struct PydicomAgreementTests {
    static let compareScript = #"""
import base64, json, math, sys, warnings, logging
warnings.simplefilter("ignore")
logging.disable(logging.CRITICAL)
import pydicom
from pydicom.errors import InvalidDicomError

manifest = json.load(open(sys.argv[1]))
passed, failed, excluded = [], [], []

def same(a, b, path):
    if isinstance(a, dict) and isinstance(b, dict):
        if "InlineBinary" in a or "InlineBinary" in b:
            x = base64.b64decode(a.get("InlineBinary", "")); y = base64.b64decode(b.get("InlineBinary", ""))
            if x != y:
                return f"{path}: InlineBinary differs ({len(x)} vs {len(y)} bytes)"
            a = {k: v for k, v in a.items() if k != "InlineBinary"}; b = {k: v for k, v in b.items() if k != "InlineBinary"}
        if set(a) != set(b):
            return f"{path}: keys {sorted(set(a) ^ set(b))[:6]}"
        for k in a:
            d = same(a[k], b[k], f"{path}/{k}")
            if d: return d
        return None
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return f"{path}: {len(a)} vs {len(b)} values"
        for i, (x, y) in enumerate(zip(a, b)):
            d = same(x, y, f"{path}[{i}]")
            if d: return d
        return None
    if isinstance(a, bool) or isinstance(b, bool):
        return None if a == b else f"{path}: {a!r} vs {b!r}"
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        if math.isnan(a) and math.isnan(b): return None
        return None if math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-12) else f"{path}: {a!r} vs {b!r}"
    return None if a == b else f"{path}: {a!r} vs {b!r}"

for entry in manifest:
    name = entry["path"].rsplit("/", 1)[-1]
    try:
        ds = pydicom.dcmread(entry["path"])
        theirs = ds.to_json_dict(bulk_data_threshold=1 << 62)
    except InvalidDicomError as e:
        # No DICM prefix. Where we read it as a bare data set, pydicom's force=True read must agree.
        if "error" in entry:
            excluded.append([name, "not DICOM: we refuse it and pydicom reads it only with force=True"])
            continue
        try:
            ds = pydicom.dcmread(entry["path"], force=True)
            theirs = ds.to_json_dict(bulk_data_threshold=1 << 62)
        except Exception as e:
            failed.append([name, f"we read it, pydicom force=True fails: {e}"])
            continue
    except Exception as e:
        excluded.append([name, f"pydicom cannot read/encode it: {type(e).__name__}: {str(e)[:100]}"])
        continue
    if len(ds) == 0:
        excluded.append([name, "pydicom reads no data set (not DICOM)"])
        continue
    theirs = {k: v for k, v in theirs.items() if not k.startswith("0002")}
    if entry.get("truncated") == "yes":
        excluded.append([name, "truncated: pydicom reads the short value silently, we refuse it by design (" + entry["error"].split(": ", 1)[1] + ")"])
        continue
    if "error" in entry:
        failed.append([name, "ours failed: " + entry["error"]])
        continue
    ours = json.load(open(entry["json"]))
    d = same(theirs, ours, "")
    if d: failed.append([name, d])
    else: passed.append(name)

print(json.dumps({"passed": passed, "failed": failed, "excluded": excluded}))
"""#

    @Test func jsonAgreesWithPydicomOnItsTestData() throws {
        let list = try runPython("import json, pydicom.data; print(json.dumps(pydicom.data.get_testdata_files() + pydicom.data.get_charset_files()))")
        #expect(list.status == 0, "pydicom is required for this test: \(list.stderr)")
        let files = try JSONDecoder().decode([String].self, from: Data(list.stdout.utf8))
        #expect(files.count > 100)
        let dir = try TemporaryDirectory("dicom-agree")
        defer { dir.remove() }
        var manifest: [[String: String]] = []
        // Our own output in every writable syntax joins the comparison: pydicom must read it the same.
        var ours: [String] = []
        for ts in ReaderTests.writable + [.rleLossless] {
            var ct = Fixtures.ctImage()
            if ts.isEncapsulated { ct.setEncapsulatedPixelData(fragments: [[1, 2, 3, 4]], offsetTable: nil) }
            let path = dir.file("ours-\(ts.uid).dcm")
            try DICOMWriter.write(ct, to: path, transferSyntax: ts)
            ours.append("ours-\(ts.uid).dcm")
        }
        for (i, path) in (files + ours.map(dir.file)).enumerated() {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue { continue }
            do {
                let file = try DICOMFile.open(path: path)
                let json = try DICOMJSON.encode(file.dataSet)
                let out = dir.file("\(i).json")
                try json.write(toFile: out, atomically: false, encoding: .utf8)
                manifest.append(["path": path, "json": out])
            } catch let error as DICOMParseError {
                // A value running past the end of the file: a truncated file.
                var truncated = false
                if case .lengthExceedsRemaining(let length, let remaining) = error.code,
                   let size = try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int {
                    truncated = Int(length) > remaining && error.offset + Int(length) > size - 12
                }
                manifest.append(["path": path, "error": "\(error)", "truncated": truncated ? "yes" : "no"])
            } catch {
                manifest.append(["path": path, "error": "\(error)"])
            }
        }
        let manifestPath = dir.file("manifest.json")
        try JSONSerialization.data(withJSONObject: manifest).write(to: URL(fileURLWithPath: manifestPath))
        let r = try runPython(Self.compareScript, [manifestPath])
        #expect(r.status == 0, "\(r.stderr)")
        struct Summary: Decodable { let passed: [String]; let failed: [[String]]; let excluded: [[String]] }
        let s = try JSONDecoder().decode(Summary.self, from: Data(r.stdout.utf8))
        print("pydicom agreement: \(s.passed.count) passed, \(s.failed.count) failed, \(s.excluded.count) excluded")
        for e in s.excluded { print("  excluded \(e[0]): \(e[1])") }
        for f in s.failed { print("  FAILED \(f[0]): \(f[1])") }
        #expect(s.failed.isEmpty)
        #expect(s.passed.count >= 150)
        #expect(Set(ours).isSubset(of: Set(s.passed)), "pydicom must read all our files the same way")
    }
}
