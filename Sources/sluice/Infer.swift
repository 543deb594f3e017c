import ArgumentParser
import DICOM
import Foundation
import Inference

extension Sluice {
    struct Infer: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "infer",
            abstract: "Run an ONNX image model on DICOM files (findings as JSON) or on a raw tensor (--tensor).",
            discussion: """
                MODEL is a .onnx file with its descriptor (.yaml) beside it, or the descriptor itself.
                With --tensor, the graph runs on a NumPy .npy tensor and its raw outputs are printed
                (no descriptor needed): the entry point for parity checks against onnxruntime.
                """)

        @Argument(help: "The model (.onnx, descriptor beside it) or its descriptor (.yaml).") var model: String
        @Argument(help: "DICOM files; every frame of each is analysed.") var files: [String] = []
        @Option(help: "Run the graph on this .npy tensor and print its raw outputs.") var tensor: String?
        @Option(help: "With --tensor: also write each output as OUT/<name>.npy.") var out: String?
        @Option(help: "Worker threads for the kernels (default: the core count).") var threads: Int?
        @Option(help: "Run this many times and report the median seconds per run (after one warm-up).") var `repeat`: Int?
        @Flag(help: "Skip heatmaps (faster; findings carry no peak).") var noHeatmaps = false

        func validate() throws {
            if tensor == nil && files.isEmpty { throw ValidationError("give DICOM files, or --tensor FILE.npy") }
            if tensor != nil && !files.isEmpty { throw ValidationError("--tensor and DICOM files cannot be combined") }
            if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
            if let r = `repeat`, r < 1 { throw ValidationError("--repeat must be at least 1") }
        }

        var workers: Int { threads ?? ProcessInfo.processInfo.activeProcessorCount }

        func run() async throws {
            if let tensor { try runTensor(tensor) } else { try runFiles() }
        }

        func runTensor(_ path: String) throws {
            let graph: ONNXModel
            do { graph = try ONNXModel(path: model.hasSuffix(".yaml") ? try ModelDescriptor.load(path: model).modelPath : model) } catch {
                throw Failure.usage("\(error)")
            }
            let input: Tensor
            do { input = try NPY.read(path: path) } catch { throw Failure.processing("\(error)") }
            guard graph.inputs.count == 1 else {
                throw Failure.usage("\(model): --tensor needs a model with one input, it has \(graph.inputs.map(\.name))")
            }
            var result: [String: Tensor] = [:]
            var timing: Double?
            do {
                let feeds = [graph.inputs[0].name: input]
                result = try graph.run(feeds, threads: workers)
                if let r = `repeat` {
                    // The median run after the warm-up above (as the onnxruntime side of
                    // tools/bench_infer.py measures), so one slow run does not skew it.
                    var runs: [Double] = []
                    for _ in 0..<r {
                        let start = DispatchTime.now().uptimeNanoseconds
                        result = try graph.run(feeds, threads: workers)
                        runs.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
                    }
                    timing = runs.sorted()[runs.count / 2]
                }
            } catch { throw Failure.processing("\(error)") }
            if let out {
                try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
                for (name, t) in result {
                    let safe = name.map { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" ? $0 : "_" }
                    try NPY.encode(t).write(to: URL(fileURLWithPath: out + "/" + String(safe) + ".npy"))
                }
            }
            var json: [String: Any] = [
                "outputs": Dictionary(uniqueKeysWithValues: result.map { ($0.key, ["shape": $0.value.shape, "values": $0.value.floats.map(Double.init)] as [String: Any]) }),
                "threads": workers,
            ]
            if let timing { json["seconds_per_run"] = timing; json["runs"] = `repeat` }
            print(try jsonText(json))
        }

        func runFiles() throws {
            let m: ImageModel
            do { m = try ImageModel(path: model) } catch { throw Failure.usage("\(error)") }
            var images: [[String: Any]] = []
            var problems = 0
            for path in files {
                let file: DICOMFile
                do { file = try DICOMFile.open(path: path) } catch {
                    FileHandle.standardError.write(Data("sluice: \(error)\n".utf8))
                    problems += 1
                    continue
                }
                let frames = max(1, file.dataSet.int(.numberOfFrames) ?? 1)
                for frame in 0..<frames {
                    do {
                        let prepared = try Preprocessor.prepare(file, frame: frame, for: m.descriptor)
                        let p = try m.predict([prepared], threads: workers, heatmaps: !noHeatmaps)[0]
                        var entry: [String: Any] = [
                            "file": path, "frame": frame, "sop_instance_uid": file.dataSet.string(.sopInstanceUID) ?? "",
                        ]
                        var labels: [[String: Any]] = []
                        for (l, label) in m.descriptor.labels.enumerated() {
                            var row: [String: Any] = ["label": label.name, "probability": p.probabilities[l]]
                            if let tier = m.tier(p.probabilities[l], label: label) { row["urgency"] = tier.rawValue }
                            if let h = p.heatmaps[l] {
                                row["peak_pixel"] = [h.peakColumn, h.peakRow]
                                if let g = prepared.geometry { row["peak_patient_mm"] = g.patient(column: h.peakColumn, row: h.peakRow) }
                            }
                            labels.append(row)
                        }
                        entry["labels"] = labels
                        images.append(entry)
                    } catch {
                        FileHandle.standardError.write(Data("sluice: \(path) frame \(frame): \(error)\n".utf8))
                        problems += 1
                    }
                }
            }
            let json: [String: Any] = [
                "model": ["name": m.descriptor.name, "version": m.descriptor.version, "heatmap": m.heatmap.rawValue],
                "images": images,
            ]
            print(try jsonText(json))
            if problems > 0 { throw ExitCode(1) }
        }

        func jsonText(_ value: [String: Any]) throws -> String {
            let data = try JSONSerialization.data(withJSONObject: value, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
            return String(decoding: data, as: UTF8.self)
        }
    }
}
