import Foundation
import Testing
import TestSupport

/// Issue 16's scenario on data Sluice did not write: a drop compressed by dcmtk — `dcmcjpeg +e1`
/// (JPEG Lossless SV1), `dcmcjpls` (JPEG-LS lossless) and `dcmcjpeg +ee` (JPEG extended 12-bit,
/// lossy) — run through `sluice run` beside the same drop uncompressed: every study analysed in
/// full, the same findings and tiers; lossless copies give the same probabilities.
@Suite(.serialized) struct PeerCompressedDropTests {
    @Test func aDropCompressedByDcmtkGivesTheFindingsOfTheUncompressedDrop() throws {
        let dir = try TemporaryDirectory("peer-compressed")
        defer { dir.remove() }
        let pipeline = try Fixtures.pipeline(in: dir, render: "[json, csv]",
                                             extra: "infer: { model: \(NotAnalysedPipelineTests.repoRoot)/models/demo.onnx }")
        let made = try Fixtures.sluice(["samples", dir.file("samples"), "--small", "--marker", "READY"])
        try #require(made.status == 0, "\(made.stderr)")
        let source = dir.file("samples/site-a-2025-01-10")
        let files = Fixtures.files(under: source).filter { $0.hasSuffix(".dcm") }
        let variants: [(batch: String, tool: String, args: [String], lossless: Bool)] = [
            ("b-jpeg-sv1", "dcmcjpeg", ["+e1"], true),
            ("c-jpeg-ls", "dcmcjpls", [], true),
            ("d-jpeg-extended", "dcmcjpeg", ["+ee"], false),
        ]
        try FileManager.default.copyItem(atPath: source, toPath: dir.file("inbox/a-plain"))
        for v in variants {
            try FileManager.default.copyItem(atPath: source, toPath: dir.file("inbox/\(v.batch)"))
            for f in files {
                let path = dir.file("inbox/\(v.batch)/\(f)")
                var r = try runProcess(v.tool, v.args + [path, path + ".c"])
                // Extended JPEG holds 12 bits at most: a 14-bit DX is written lossless instead.
                if r.status != 0, !v.lossless { r = try runProcess("dcmcjpeg", ["+e1", path, path + ".c"]) }
                try #require(r.status == 0, "\(v.tool) \(f): \(r.stderr)")
                try FileManager.default.removeItem(atPath: path)
                try FileManager.default.moveItem(atPath: path + ".c", toPath: path)
            }
        }
        let run = try Fixtures.sluice(["run", pipeline, "--once"])
        #expect(run.status == 0 || run.status == 1, "\(run.stderr)")   // README.txt is quarantined

        func studies(_ batch: String) throws -> [String: [String: Any]] {
            let status = try Fixtures.sluice(["status", pipeline, "--json"])
            let report = try #require(try JSONSerialization.jsonObject(with: status.stdoutData) as? [String: Any])
            let record = try #require((report["batches"] as? [[String: Any]])?.first { $0["source"] as? String == batch }, "\(batch)")
            let findings = try Fixtures.json(dir.file("outbox/" + (record["outputs"] as? String ?? "?") + "/findings.json"))
            var out: [String: [String: Any]] = [:]
            for s in findings["studies"] as? [[String: Any]] ?? [] { out[s["studyInstanceUID"] as? String ?? ""] = s }
            return out
        }
        let plain = try studies("a-plain")
        #expect(plain.count == 4)
        for v in variants {
            let packed = try studies(v.batch)
            #expect(Set(packed.keys) == Set(plain.keys), "\(v.batch)")
            for (uid, a) in plain {
                let b = try #require(packed[uid])
                #expect((b["analysis"] as? [String: Any])?["status"] as? String == "complete", "\(v.batch) \(uid): \(b["analysis"] ?? "")")
                let fa = a["findings"] as? [[String: Any]] ?? [], fb = b["findings"] as? [[String: Any]] ?? []
                #expect(fa.map { $0["label"] as? String } == fb.map { $0["label"] as? String }, "\(v.batch) \(uid)")
                #expect(a["urgency"] as? String == b["urgency"] as? String, "\(v.batch) \(uid)")
                for (x, y) in zip(fa, fb) {
                    let (p, q) = (x["probability"] as? Double ?? -1, y["probability"] as? Double ?? -2)
                    #expect(v.lossless ? p == q : abs(p - q) <= 0.05, "\(v.batch) \(uid): \(p) vs \(q)")
                }
            }
        }
    }
}
