import Foundation
import Testing
import TestSupport
@testable import Reports

@Suite struct CSVTests {
    @Test func rfc4180Quoting() {
        var t = CSVTable(header: ["a", "b"])
        t.append(["plain", "with,comma"])
        t.append(["say \"hi\"", "two\r\nlines"])
        t.append(["Ünïcødé 名前", ""])
        let text = String(decoding: t.data, as: UTF8.self)
        #expect(text == "a,b\r\nplain,\"with,comma\"\r\n\"say \"\"hi\"\"\",\"two\r\nlines\"\r\nÜnïcødé 名前,\r\n")
    }

    /// Python's csv module (an independent RFC 4180 reader) reads back exactly what we wrote.
    @Test func pythonReadsItBack() throws {
        var t = CSVTable(header: ["x", "y"])
        let rows = [["a,b", "c\"d"], ["e\nf", "ü"], ["", "=1+1"]]
        for r in rows { t.append(r) }
        let dir = try TemporaryDirectory("csv")
        defer { dir.remove() }
        try t.data.write(to: URL(fileURLWithPath: dir.file("t.csv")))
        let r = try runPython("""
            import csv, json, sys
            with open(sys.argv[1], newline='', encoding='utf-8') as f: print(json.dumps(list(csv.reader(f))))
            """, [dir.file("t.csv")])
        #expect(r.status == 0, "\(r.stderr)")
        let parsed = try JSONDecoder().decode([[String]].self, from: Data(r.stdout.utf8))
        #expect(parsed == [["x", "y"]] + rows)
    }
}
