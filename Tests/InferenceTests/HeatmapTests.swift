import Foundation
import Inference
import Testing
import TestSupport

/// Heatmaps on small graphs whose evidence is known by construction.
@Suite struct HeatmapTests {
    /// Writes `model.onnx` (made by the Python snippet) and a descriptor beside it.
    func model(_ dir: TemporaryDirectory, script: String, heatmap: String? = nil) throws -> ImageModel {
        let made = try runPython(script, [dir.file("model.onnx")])
        try #require(made.status == 0, "\(made.stderr)")
        let yaml = """
            name: test-model
            version: "0.1"
            model: model.onnx
            input: { name: image, layout: NCHW, channels: 1, height: 16, width: 16 }
            preprocess: { window: file, mean: 0, std: 1 }
            output: { name: score, activation: sigmoid }
            \(heatmap.map { "heatmap: \($0)" } ?? "")
            labels:
              - { name: Spot, thresholds: { report: 0.5, urgent: 0.8, critical: 0.95 } }
            """
        try yaml.write(toFile: dir.file("model.yaml"), atomically: true, encoding: .utf8)
        return try ImageModel(path: dir.file("model.onnx"))
    }

    /// A 16×16 image, 0 everywhere but a bright 2×2 spot at (column 11, row 4).
    func spotImage() -> PreparedImage {
        var v = [Float](repeating: 0, count: 256)
        for (x, y) in [(11, 4), (12, 4), (11, 5), (12, 5)] { v[y * 16 + x] = 1 }
        return PreparedImage(values: v, sourceWidth: 160, sourceHeight: 160)
    }

    @Test func occlusionFindsTheOnlyRegionTheModelLooksAt() throws {
        let dir = try TemporaryDirectory("occlusion")
        defer { dir.remove() }
        // score = 20 · (mean of the 2×2 block at columns 10–13, rows 4–5) − 2: no pooling head,
        // so no CAM; only occluding that block lowers the score.
        let m = try model(dir, script: """
            import sys, numpy as np, onnx
            from onnx import helper as h, TensorProto as T, numpy_helper as nh
            w = np.zeros((1, 256), np.float32)
            for x, y in [(11, 4), (12, 4), (11, 5), (12, 5)]: w[0, y * 16 + x] = 5.0
            g = h.make_graph([h.make_node("Flatten", ["image"], ["f"]), h.make_node("Gemm", ["f", "w", "b"], ["score"], transB=1)],
                             "g", [h.make_tensor_value_info("image", T.FLOAT, ["N", 1, 16, 16])],
                             [h.make_tensor_value_info("score", T.FLOAT, ["N", 1])],
                             [nh.from_array(w, "w"), nh.from_array(np.array([-2], np.float32), "b")])
            onnx.save(h.make_model(g, opset_imports=[h.make_opsetid("", 17)]), sys.argv[1])
            """)
        #expect(m.heatmap == .occlusion)
        let p = try m.predict([spotImage()], threads: 1)[0]
        #expect(abs(p.probabilities[0] - 1 / (1 + exp(-18))) < 1e-6)
        let h = try #require(p.heatmaps[0])
        #expect(h.width == 8 && h.height == 8)
        // Only the cells holding the spot (grid cells 2 px wide: columns 5–6, row 2) matter.
        let hot = h.values.indices.filter { h.values[$0] > 0.01 }.map { ($0 % 8, $0 / 8) }
        #expect(Set(hot.map { "\($0.0),\($0.1)" }) == ["5,2", "6,2"], "\(hot)")
        // The peak, in source pixels (10× the model input), lies on the spot.
        #expect((100.0...130.0).contains(h.peakColumn) && (35.0...60.0).contains(h.peakRow), "\(h.peakColumn), \(h.peakRow)")
    }

    @Test func camIsFoundInTheGraphAndPeaksOnTheEvidence() throws {
        let dir = try TemporaryDirectory("cam")
        defer { dir.remove() }
        // A 1×1 conv copies the image into two channels (weights 1 and 0.5), GAP, Gemm with
        // positive weights: the CAM is the image itself, up to scale.
        let m = try model(dir, script: """
            import sys, numpy as np, onnx
            from onnx import helper as h, TensorProto as T, numpy_helper as nh
            g = h.make_graph([h.make_node("Conv", ["image", "k"], ["c"]), h.make_node("Relu", ["c"], ["r"]),
                              h.make_node("GlobalAveragePool", ["r"], ["p"]), h.make_node("Flatten", ["p"], ["f"]),
                              h.make_node("Gemm", ["f", "w"], ["score"], transB=1)],
                             "g", [h.make_tensor_value_info("image", T.FLOAT, ["N", 1, 16, 16])],
                             [h.make_tensor_value_info("score", T.FLOAT, ["N", 1])],
                             [nh.from_array(np.array([1.0, 0.5], np.float32).reshape(2, 1, 1, 1), "k"),
                              nh.from_array(np.array([[40.0, 40.0]], np.float32), "w")])
            onnx.save(h.make_model(g, opset_imports=[h.make_opsetid("", 17)]), sys.argv[1])
            """)
        #expect(m.heatmap == .cam)
        let p = try m.predict([spotImage()], threads: 2)[0]
        let h = try #require(p.heatmaps[0])
        #expect(h.width == 16 && h.height == 16)
        #expect(h.values[4 * 16 + 11] == 1 && h.values[0] == 0)
        #expect((110.0...130.0).contains(h.peakColumn) && (40.0...60.0).contains(h.peakRow), "\(h.peakColumn), \(h.peakRow)")
        // Tiers follow the label's thresholds: 40·1.5·4/256 ≈ 0.94 → sigmoid 0.72 → routine.
        let f = m.findings([(ImageReference(sopInstanceUID: "1.2.3", file: "x.dcm", frame: 0), spotImage(), p)])
        #expect(f.count == 1 && f[0].tier == .routine && f[0].peakPatient == nil)
    }

    @Test func patientCoordinatesFollowTheImagePlane() {
        // An axial slice: rows run along +y, columns along +x; spacing 0.5 mm across, 0.7 mm down.
        let g = ImageGeometry(position: [-100, -50, 30], rowDirection: [1, 0, 0], columnDirection: [0, 1, 0],
                              rowSpacing: 0.7, columnSpacing: 0.5)
        #expect(g.patient(column: 10, row: 20) == [-95, -36, 30])
        // A sagittal one: columns along +y (anterior→posterior), rows along −z.
        let s = ImageGeometry(position: [12, -80, 90], rowDirection: [0, 1, 0], columnDirection: [0, 0, -1],
                              rowSpacing: 2, columnSpacing: 1)
        #expect(s.patient(column: 4, row: 3) == [12, -76, 84])
    }
}
