import Foundation
import Testing
import TestSupport
@testable import Pipeline

/// A site names its drops and files. A newline or ESC in such a name must not forge a log line
/// or reach the terminal: the log and `sluice status` show it escaped.
@Suite struct ControlCharacterTests {
    @Test func controlCharactersAreShownAsEscapes() {
        #expect("a\nb\rc\td".escapingControlCharacters == "a\\nb\\rc\\td")
        #expect("\u{1B}[31mred\u{7}\u{0}\u{7F}".escapingControlCharacters == "\\x1b[31mred\\x07\\x00\\x7f")
        #expect("next\u{85}line\u{9B}2J".escapingControlCharacters == "next\\u{85}line\\u{9b}2J", "C1 controls, e.g. NEL and CSI")
        #expect("Ünïcødé 名前 \\n".escapingControlCharacters == "Ünïcødé 名前 \\n", "other text, backslashes included, is kept")
    }

    @Test func hostileNamesAreEscapedInTheLogAndInStatus() throws {
        let dir = try TemporaryDirectory("control-names")
        defer { dir.remove() }
        let pipeline = try Fixtures.pipeline(in: dir)
        let batchName = "site\u{1B}[31m\nERROR forged batch"
        let fileName = "bad\u{1B}]0;pwned\u{7}\nERROR forged file.dcm"
        let drop = dir.file("inbox/" + batchName)
        try Fixtures.write(Fixtures.Study(), into: drop + "/study")
        try Data("not DICOM".utf8).write(to: URL(fileURLWithPath: drop + "/" + fileName))
        _ = FileManager.default.createFile(atPath: drop + "/READY", contents: Data())

        let run = try Fixtures.sluice(["run", pipeline, "--once"])
        let log = run.stderr
        #expect(log.contains("quarantined bad\\x1b]0;pwned\\x07\\nERROR forged file.dcm"), "\(log)")
        #expect(!log.contains("\u{1B}") && !log.contains("\u{7}"), "no raw ESC or BEL reaches the terminal")
        #expect(!log.components(separatedBy: "\n").contains { $0.hasPrefix("ERROR forged") }, "no forged log line")

        let json = try Fixtures.sluice(["status", pipeline, "--json"])
        let batches = (try JSONSerialization.jsonObject(with: json.stdoutData) as? [String: Any])?["batches"] as? [[String: Any]] ?? []
        let batch = try #require(batches.first)
        #expect(batch["source"] as? String == batchName, "the JSON keeps the name exact (JSON escapes it)")
        let id = try #require(batch["id"] as? String)

        for args in [["status", pipeline], ["status", pipeline, "--batch", id]] {
            let status = try Fixtures.sluice(args)
            #expect(status.status == 0, "\(status.stderr)")
            let out = status.stdout
            #expect(out.contains("site\\x1b[31m\\nERROR forged batch"), "\(out)")
            #expect(!out.contains("\u{1B}") && !out.contains("\u{7}"))
            #expect(!out.components(separatedBy: "\n").contains { $0.hasPrefix("ERROR forged") })
        }
        let files = try Fixtures.sluice(["status", pipeline, "--batch", id]).stdout
        #expect(files.contains("bad\\x1b]0;pwned\\x07\\nERROR forged file.dcm"), "\(files)")
    }
}
