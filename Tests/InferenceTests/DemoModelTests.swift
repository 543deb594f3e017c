import DICOM
import Foundation
import Inference
import Samples
import Testing
import TestSupport

/// The shipped demo model (models/demo.onnx) on a fresh sample set it was not trained on:
/// detection against ground-truth.json, heatmap peaks against the nodules' positions, the
/// Swift preprocessing against tools/onnx/preprocess.py, and the graph against onnxruntime.
@Suite(.serialized) struct DemoModelTests {
    static let modelPath = repoRoot + "/models/demo.onnx"
    /// Not among the training or validation seeds in models/demo.yaml.
    static let seed: UInt64 = 4_242

    struct Drop {
        let dir: String
        let truth: GroundTruth
        func path(_ study: GroundTruth.Study, _ file: String) -> String {
            let batch = truth.batches.first { $0.name == study.batch }!
            return batch.kind == "zip" ? dir + "/unzipped/" + study.batch.replacingOccurrences(of: ".zip", with: "") + "/" + file
                : dir + "/inbox/" + study.batch + "/" + file
        }
    }

    /// Three sites of the full profile (2048² radiographs, 512² CT, 256² MR), zips unpacked.
    static let drop: Drop = {
        let dir = NSTemporaryDirectory() + "sluice-demo-model-\(getpid())"
        let started = Date()
        let summary = try! SampleGenerator.generate(
            into: dir + "/inbox", options: SampleOptions(seed: seed, sites: 3, studiesPerSite: 6))
        print("samples for seed \(seed): \(summary.studies) studies in \(Int(Date().timeIntervalSince(started))) s")
        let truth = try! GroundTruth.load(path: summary.groundTruthPath)
        for batch in truth.batches where batch.kind == "zip" {
            try! FileManager.default.createDirectory(atPath: dir + "/unzipped", withIntermediateDirectories: true)
            let unzip = try! runProcess("unzip", ["-q", "-o", dir + "/inbox/" + batch.name, "-d",
                                                  dir + "/unzipped/" + batch.name.replacingOccurrences(of: ".zip", with: "")])
            precondition(unzip.status == 0, "unzip \(batch.name): \(unzip.stderr)")
        }
        return Drop(dir: dir, truth: truth)
    }()

    static let model: ImageModel = try! ImageModel(path: modelPath)

    /// Per study: the model's findings over all its frames (as the pipeline's infer stage).
    static func analyse(_ study: GroundTruth.Study) throws -> [ModelFinding] {
        var results: [(ImageReference, PreparedImage, ImageModel.Prediction)] = []
        for file in study.files {
            let path = drop.path(study, file)
            let dicom = try DICOMFile.open(path: path)
            let image = try Preprocessor.prepare(dicom, for: model.descriptor)
            let p = try model.predict([image], threads: 2)[0]
            results.append((ImageReference(sopInstanceUID: dicom.dataSet.string(.sopInstanceUID) ?? "", file: path, frame: 0), image, p))
        }
        return model.findings(results)
    }

    @Test func descriptorMatchesTheGraph() throws {
        let m = Self.model
        #expect(m.heatmap == .cam)
        #expect(m.descriptor.labels.map(\.name) == ["Nodule"])
        #expect(m.descriptor.labels[0].code == "27925004")
        let size = try FileManager.default.attributesOfItem(atPath: Self.modelPath)[.size] as! Int
        #expect(size < 2_000_000)
    }

    @Test func detectsNodulesOnFreshSamplesAsTheREADMEStates() throws {
        var tp = 0, fn = 0, tn = 0, fp = 0
        var localized = 0
        var missed: [String] = []
        for study in Self.drop.truth.studies {
            let findings = try Self.analyse(study)
            switch (study.hasFinding, !findings.isEmpty) {
            case (true, true):
                tp += 1
                // The heatmap peak lands on one of the study's nodules, in plane (radius + 8 mm);
                // in a CT or MR series the slice the model liked best may be a neighbour of the
                // nodule's centre slice, so the slice itself is not compared.
                let f = findings[0]
                if let h = f.heatmap, study.nodules.contains(where: { n in
                    let dx = (h.peakColumn - Double(n.x)) * study.pixelSpacingMM
                    let dy = (h.peakRow - Double(n.y)) * study.pixelSpacingMM
                    return (dx * dx + dy * dy).squareRoot() <= n.radiusMM + 8
                }) {
                    localized += 1
                } else {
                    missed.append("\(study.modality) \(study.path): peak \(f.heatmap.map { "(\(Int($0.peakColumn)), \(Int($0.peakRow)))" } ?? "none"), nodules \(study.nodules.map { "(\($0.x), \($0.y)) r \($0.radiusPx)" })")
                }
            case (true, false): fn += 1
            case (false, false): tn += 1
            case (false, true): fp += 1
            }
        }
        let sensitivity = Double(tp) / Double(max(tp + fn, 1)), specificity = Double(tn) / Double(max(tn + fp, 1))
        print("demo model on seed \(Self.seed): TP \(tp) FN \(fn) TN \(tn) FP \(fp); sensitivity \(sensitivity), specificity \(specificity); localized \(localized)/\(tp)")
        #expect(tp + fn >= 5 && tn + fp >= 5, "the sample set needs positives and negatives")
        #expect(sensitivity >= 0.8, "TP \(tp) FN \(fn)")
        #expect(specificity >= 0.8, "TN \(tn) FP \(fp)")
        #expect(Double(localized) >= 0.8 * Double(tp), "heatmap peak on the nodule in \(localized) of \(tp) true positives; missed: \(missed)")
    }

    @Test func preprocessingAgreesWithTheReferenceScript() throws {
        // One file of each kind: radiographs (MONOCHROME1 and 2, box shrink by 8), CT (shrink by 2),
        // MR (no resize), RLE and implicit-VR files.
        var picked: [String: String] = [:]
        for s in Self.drop.truth.studies {
            let key = "\(s.modality)-\(s.photometricInterpretation)-\(s.transferSyntax)"
            if picked[key] == nil, let f = s.files.first { picked[key] = Self.drop.path(s, f) }
        }
        #expect(picked.count >= 4, "\(picked.keys.sorted())")
        let out = try TemporaryDirectory("preprocess")
        defer { out.remove() }
        for (kind, path) in picked.sorted(by: { $0.key < $1.key }) {
            let npy = out.file("\(kind).npy")
            let ref = try runProcess("python3", [repoRoot + "/tools/onnx/preprocess.py", repoRoot + "/models/demo.yaml", path, npy])
            try #require(ref.status == 0, "\(kind): \(ref.stderr)")
            let expected = try NPY.read(path: npy)
            let got = try Preprocessor.prepare(DICOMFile.open(path: path), for: Self.model.descriptor)
            #expect(expected.shape == [1, 1, Self.model.descriptor.input.height, Self.model.descriptor.input.width])
            let worst = zip(got.values, expected.floats).map { abs($0 - $1) }.max() ?? .infinity
            #expect(worst <= 1e-4, "\(kind): largest difference \(worst)")
        }
    }

    @Test func graphAgreesWithOnnxruntimeOnARealInput() throws {
        let study = try #require(Self.drop.truth.studies.first { $0.hasFinding && ["DX", "CR"].contains($0.modality) })
        let image = try Preprocessor.prepare(DICOMFile.open(path: Self.drop.path(study, study.files[0])), for: Self.model.descriptor)
        let d = Self.model.descriptor.input
        let input = Tensor(shape: [1, d.channels, d.height, d.width], floats: image.values)
        let out = try TemporaryDirectory("demo-ort")
        defer { out.remove() }
        try NPY.encode(input).write(to: URL(fileURLWithPath: out.file("x.npy")))
        let script = """
            import sys, numpy as np, onnxruntime as ort
            s = ort.InferenceSession(sys.argv[1], providers=["CPUExecutionProvider"])
            y = s.run([sys.argv[3]], {sys.argv[2]: np.load(sys.argv[4])})[0]
            np.save(sys.argv[5], y)
            """
        let r = try runPython(script, [Self.modelPath, d.name, Self.model.descriptor.output.name, out.file("x.npy"), out.file("y.npy")])
        try #require(r.status == 0, "\(r.stderr)")
        let expected = try NPY.read(path: out.file("y.npy")).floats
        let got = try Self.model.graph.run([d.name: input], threads: 2)[Self.model.descriptor.output.name]!.floats
        #expect(got.count == expected.count)
        for (a, b) in zip(got, expected) { #expect(abs(a - b) <= 1e-4 * max(abs(b), 1e-3), "\(a) vs onnxruntime \(b)") }
    }
}
