import Foundation
import Yams

/// The YAML beside a model (`demo.yaml` for `demo.onnx`): what the graph expects, how to turn
/// DICOM pixels into its input, and what its outputs mean (labels, codes, urgency thresholds).
public struct ModelDescriptor: Sendable, Codable, Equatable {
    public struct Input: Sendable, Codable, Equatable {
        public var name: String
        public var layout: String
        public var channels: Int
        public var height: Int
        public var width: Int
    }

    /// `file`: the image's own first window (Window Center/Width), else its value range.
    public enum Window: Sendable, Equatable, Codable {
        case file
        case fixed(center: Double, width: Double)

        private struct Fixed: Codable { var center: Double; var width: Double }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let s = try? c.decode(String.self) {
                guard s == "file" else {
                    throw DecodingError.dataCorruptedError(in: c, debugDescription: "window is 'file' or {center, width}, not '\(s)'")
                }
                self = .file
            } else {
                let f = try c.decode(Fixed.self)
                self = .fixed(center: f.center, width: f.width)
            }
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.singleValueContainer()
            switch self {
            case .file: try c.encode("file")
            case .fixed(let center, let width): try c.encode(Fixed(center: center, width: width))
            }
        }
    }

    public struct Preprocess: Sendable, Codable, Equatable {
        public var window: Window
        public var mean: Double
        public var std: Double
    }

    public enum Activation: String, Sendable, Codable { case none, sigmoid, softmax }

    public struct Output: Sendable, Codable, Equatable {
        public var name: String
        public var activation: Activation
    }

    public enum HeatmapMethod: String, Sendable, Codable { case cam, occlusion, none }

    /// Where a class-activation map comes from; found in the graph when not given.
    public struct CAM: Sendable, Codable, Equatable {
        public var features: String
        public var weights: String
    }

    public struct Code: Sendable, Codable, Equatable {
        public var code: String
        public var scheme: String
        public var meaning: String
    }

    /// A probability at or above `report` is a finding (Routine); `urgent` and `critical` raise it.
    public struct Thresholds: Sendable, Codable, Equatable {
        public var report: Double
        public var urgent: Double
        public var critical: Double
    }

    public struct Label: Sendable, Codable, Equatable {
        public var name: String
        public var code: String?
        public var scheme: String?
        public var meaning: String?
        public var site: Code?
        public var thresholds: Thresholds
    }

    public var name: String
    public var version: String
    /// The .onnx file, relative to the descriptor.
    public var model: String
    public var description: String?
    public var input: Input
    public var preprocess: Preprocess
    public var output: Output
    public var heatmap: HeatmapMethod?
    public var cam: CAM?
    public var labels: [Label]

    /// The descriptor file it was read from (absolute); `model` resolves against its folder.
    public var file: String = ""
    public var modelPath: String {
        model.hasPrefix("/") ? model : (file as NSString).deletingLastPathComponent + "/" + model
    }

    enum CodingKeys: String, CodingKey {
        case name, version, model, description, input, preprocess, output, heatmap, cam, labels
    }

    /// Reads a descriptor; given a `.onnx` path, reads the `.yaml` beside it.
    public static func load(path: String) throws -> ModelDescriptor {
        var file = URL(fileURLWithPath: path).standardizedFileURL.path
        if file.hasSuffix(".onnx") { file = String(file.dropLast(5)) + ".yaml" }
        let text: String
        do { text = try String(contentsOfFile: file, encoding: .utf8) } catch {
            throw InferenceError(.descriptor("cannot read the model descriptor (\(error.localizedDescription))"), file: file)
        }
        var d: ModelDescriptor
        do { d = try YAMLDecoder().decode(ModelDescriptor.self, from: text) } catch let error as DecodingError {
            throw InferenceError(.descriptor(Self.explain(error)), file: file)
        } catch {
            throw InferenceError(.descriptor("not valid YAML: \(error)"), file: file)
        }
        d.file = file
        try d.validate()
        return d
    }

    func validate() throws {
        func fail(_ why: String) -> InferenceError { InferenceError(.descriptor(why), file: file) }
        guard input.layout == "NCHW" else { throw fail("input.layout '\(input.layout)' is not supported (NCHW)") }
        guard input.channels == 1 || input.channels == 3 else { throw fail("input.channels must be 1 or 3") }
        guard input.height > 0, input.width > 0, input.height <= 4096, input.width <= 4096 else {
            throw fail("input.height and input.width must be 1…4096")
        }
        guard preprocess.std > 0 else { throw fail("preprocess.std must be positive") }
        guard !labels.isEmpty else { throw fail("labels: at least one label is needed") }
        for l in labels {
            let t = l.thresholds
            guard (0...1).contains(t.report), t.report <= t.urgent, t.urgent <= t.critical, t.critical <= 1 else {
                throw fail("labels '\(l.name)': thresholds must satisfy 0 ≤ report ≤ urgent ≤ critical ≤ 1")
            }
        }
    }

    /// The coding path of a decoding error, e.g. "labels[0].thresholds.urgent: missing".
    static func explain(_ error: DecodingError) -> String {
        func path(_ keys: [any CodingKey]) -> String {
            keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
                .trimmingCharacters(in: CharacterSet(charactersIn: "."))
        }
        switch error {
        case .keyNotFound(let key, let ctx): return "\(path(ctx.codingPath + [key])): is required"
        case .typeMismatch(_, let ctx), .valueNotFound(_, let ctx), .dataCorrupted(let ctx):
            return "\(path(ctx.codingPath)): \(ctx.debugDescription)"
        @unknown default: return "\(error)"
        }
    }
}
