import Foundation
import TestSupport

/// Independent readers (python-hl7, hl7apy). Missing oracles fail the test (never skip).
enum Oracle {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Reads `paths` (a list of [segment, occurrence, field, rep, comp, sub]) from every
    /// message of `file` with python-hl7; returns one array of values per message
    /// (nil where python-hl7 raises).
    static func pythonHL7Values(file: String, paths: [[Int]], segments: [String]) throws -> [[String?]] {
        let script = """
        import sys, json, hl7
        data = open(sys.argv[1], 'rb').read().decode('utf-8')
        paths = json.loads(sys.argv[2]); segs = json.loads(sys.argv[3])
        out = []
        for msg in hl7.parse_batch(data) if data.startswith(('FHS', 'BHS')) else [hl7.parse(m) for m in hl7.split_file(data)]:
            row = []
            for seg, p in zip(segs, paths):
                try:
                    row.append(msg.extract_field(seg, *p))
                except Exception:
                    row.append(None)
            out.append(row)
        print(json.dumps(out))
        """
        let pathsJSON = String(decoding: try JSONSerialization.data(withJSONObject: paths), as: UTF8.self)
        let segsJSON = String(decoding: try JSONSerialization.data(withJSONObject: segments), as: UTF8.self)
        let r = try runPython(script, [file, pathsJSON, segsJSON])
        guard r.status == 0 else { throw Failure(description: "python-hl7 failed: \(r.stderr)") }
        guard let rows = try JSONSerialization.jsonObject(with: r.stdoutData) as? [[Any]] else {
            throw Failure(description: "python-hl7 output: \(r.stdout)")
        }
        return rows.map { $0.map { $0 as? String } }
    }

    /// hl7apy: TOLERANT parse with groups, then validate(); returns nil on success or the error.
    static func hl7apyProblem(file: String) throws -> String? {
        let script = """
        import sys
        from hl7apy.parser import parse_message
        from hl7apy.consts import VALIDATION_LEVEL
        text = open(sys.argv[1], 'rb').read().decode('utf-8')
        m = parse_message(text, validation_level=VALIDATION_LEVEL.TOLERANT, find_groups=True)
        ok = m.validate()
        print('OK' if ok else 'INVALID')
        """
        let r = try runPython(script, [file])
        if r.status == 0 && r.stdout.hasPrefix("OK") { return nil }
        return r.stderr.isEmpty ? r.stdout : r.stderr
    }

    static func write(_ text: String, _ name: String, in dir: TemporaryDirectory) throws -> String {
        let path = dir.file(name)
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }
}
