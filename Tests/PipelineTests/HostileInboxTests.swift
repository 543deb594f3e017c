import Foundation
import Testing
import TestSupport

/// Issue 23's "done when": an inbox holding every hostile drop of the attack review
/// (tools/hostile/make_hostile_inbox.py), ahead of an ordinary batch, is handled in one pass of
/// the real binary under an address-space limit: no crash, the ordinary batch delivered, each
/// hostile file quarantined or its batch in error/ with a reason, nothing left claimed, and
/// peak memory under 1 GB. Run as root, Sluice runs without the capabilities that let root
/// read and chmod other accounts' files, as an ordinary service account would.
@Suite(.serialized) struct HostileInboxTests {
    @Test func everyHostileDropIsHandledInOnePassAndTheOrdinaryBatchIsDelivered() throws {
        let dir = try TemporaryDirectory("hostile-inbox")
        defer {
            _ = try? runProcess("chmod", ["-R", "u+rwx", dir.path])
            dir.remove()
        }
        let pipeline = try Fixtures.pipeline(in: dir, render: "[json, csv, pdf, sr, hl7, fhir, png]",
                                             extra: "infer: { model: \(NotAnalysedPipelineTests.repoRoot)/models/demo.onnx }")
        let made = try runProcess("python3", ["-W", "ignore", NotAnalysedPipelineTests.repoRoot + "/tools/hostile/make_hostile_inbox.py",
                                              dir.file("inbox")])
        try #require(made.status == 0, "\(made.stderr)")
        let samples = try Fixtures.sluice(["samples", dir.file("samples"), "--small", "--marker", "READY"])
        try #require(samples.status == 0, "\(samples.stderr)")
        try FileManager.default.moveItem(atPath: dir.file("samples/site-a-2025-01-10"), toPath: dir.file("inbox/z-ordinary"))

        // One pass, under RLIMIT_AS; the wrapper reports the child's peak RSS.
        let run = try runPython("""
            import json, os, resource, subprocess, sys
            def limit():
                resource.setrlimit(resource.RLIMIT_AS, (8 << 30, 8 << 30))
            cmd = sys.argv[1:]
            if os.geteuid() == 0:
                cmd = ["setpriv", "--bounding-set=-dac_override,-dac_read_search,-fowner,-chown"] + cmd
            p = subprocess.run(cmd, capture_output=True, preexec_fn=limit)
            print(json.dumps({"status": p.returncode, "maxrss_kb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
                              "stderr": p.stderr.decode("utf-8", "backslashreplace")}))
            """, [sluiceBinary, "run", pipeline, "--once"])
        try #require(run.status == 0, "\(run.stderr)")
        let result = try #require(try JSONSerialization.jsonObject(with: run.stdoutData) as? [String: Any])
        let stderr = result["stderr"] as? String ?? ""
        #expect(result["status"] as? Int == 1, "a pass with quarantined files and failed batches exits 1, not by a signal: \(stderr)")
        #expect((result["maxrss_kb"] as? Int ?? .max) < 1 << 20, "peak RSS \(result["maxrss_kb"] ?? "?") KiB")
        #expect(!stderr.contains("\u{1B}"), "no raw escape reaches the log")

        let status = try Fixtures.sluice(["status", pipeline, "--json"])
        let report = try #require(try JSONSerialization.jsonObject(with: status.stdoutData) as? [String: Any])
        let batches = report["batches"] as? [[String: Any]] ?? []
        var state: [String: String] = [:], error: [String: String] = [:], output: [String: String] = [:]
        for b in batches {
            let source = b["source"] as? String ?? ""
            state[source] = b["state"] as? String
            error[source] = b["error"] as? String
            output[source] = b["outputs"] as? String
        }
        #expect(batches.count == 14, "\(batches.map { $0["source"] ?? "" })")
        #expect(!state.values.contains { !["archived", "failed"].contains($0) }, "nothing left claimed or in progress: \(state)")
        #expect(state["z-ordinary"] == "archived")
        let ordinary = try Fixtures.json(dir.file("outbox/" + (output["z-ordinary"] ?? "?") + "/findings.json"))
        #expect((ordinary["studies"] as? [Any])?.count == 4, "the ordinary batch is delivered whole")

        // Each hostile file is quarantined with its reason, or its batch failed with one.
        func quarantined(_ source: String) throws -> [String: String] {
            let csv = try String(contentsOfFile: dir.file("outbox/" + (output[source] ?? "?") + "/quarantine.csv"), encoding: .utf8)
            var rows: [String: String] = [:]
            for line in csv.split(separator: "\r\n").dropFirst() {
                let parts = line.split(separator: ",", maxSplits: 2).map(String.init)
                if parts.count == 3 { rows[parts[0]] = parts[2] }
            }
            return rows
        }
        #expect(try quarantined("h01-huge-header")["huge.dcm"]?.contains("Samples per Pixel (0028,0002)") == true)
        #expect(state["h02-instance-extremes"] == "archived")
        #expect(try quarantined("h03-sparse-32768")["sparse.dcm"]?.contains("over the limit") == true)
        #expect(try quarantined("h04-frames")["frames.dcm"]?.contains("over the limit") == true)
        #expect(try quarantined("h05-hl7-repetitions")["orders.hl7"]?.contains("too many repetitions") == true)
        let latin1 = try Fixtures.json(dir.file("outbox/" + (output["h06-latin1-name"] ?? "?") + "/manifest.json"))
        let inputs = (latin1["inputs"] as? [[String: Any]] ?? []).compactMap { $0["path"] as? String }
        #expect(inputs.contains("M\\xFCller.dcm"), "the Latin-1 name is processed by its escaped form: \(inputs)")
        let unreadable = try quarantined("h07-unreadable")
        #expect(unreadable["secret.dcm"]?.contains("cannot be read") == true && unreadable["closed/"]?.contains("cannot be read") == true,
                "\(unreadable)")
        #expect(try quarantined("h08-deep").values.contains { $0.contains("longer than PATH_MAX") })
        #expect(state["h09-zip-long-entry.zip"] == "failed" && error["h09-zip-long-entry.zip"]?.contains("past PATH_MAX") == true)
        #expect(state["h10-long-accession"] == "archived")
        let pdf = try runProcess("qpdf", ["--check", dir.file("outbox/" + (output["h10-long-accession"] ?? "?") + "/summary.pdf")])
        #expect(pdf.status == 0, "\(pdf.stdout)")
        #expect(state["h11-zip-bomb.zip"] == "failed" && error["h11-zip-bomb.zip"]?.contains("zip bomb") == true)
        #expect(state["h12-control\u{1B}[31m\nchars"] == "archived")
        #expect(state["h13-caf\\xE9"] == "archived", "a batch whose own name is not UTF-8 is claimed by its escaped form")
        for failed in ["h09-zip-long-entry.zip", "h11-zip-bomb.zip"] {
            let inputs = try FileManager.default.contentsOfDirectory(atPath: dir.file("error"))
            #expect(inputs.contains { FileManager.default.fileExists(atPath: dir.file("error/\($0)/\(failed)")) }, "\(failed) kept in error/")
        }
    }
}
