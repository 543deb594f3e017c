public import DICOM
import Foundation
public import Inference
public import Reports

/// One model as the infer stage runs it (InferStage picks the model per study): every frame of
/// every image of a study through the model (in batches, preprocessing in parallel), per label
/// the highest probability over the study, tiers from the thresholds, heatmap peaks in pixel
/// and patient coordinates. An image the model cannot read (a transfer syntax no codec decodes,
/// a truncated file) is recorded as unread in the study's `Analysis`, never a batch failure and
/// never a negative.
public struct ModelStage: Sendable {
    public let model: ImageModel
    public let thresholds: ThresholdOverrides
    public let heatmaps: Bool
    /// `limits:`: what an image header may make the decoder allocate or read.
    public let limits: PixelLimits
    /// Images per model run: bounds memory (prepared inputs) whatever the study size.
    static let chunk = 16

    public init(model: ImageModel, thresholds: ThresholdOverrides = .init(), heatmaps: Bool = true, limits: PixelLimits = .default) {
        self.model = model
        self.thresholds = thresholds
        self.heatmaps = heatmaps
        self.limits = limits
    }

    /// One study through the model: its findings, what was read, and its key image.
    public func infer(_ study: StudyGroup, paths: [String: String], context: BatchContext) async throws -> InferredStudy {
        let (findings, analysis) = try await analyze(study, paths: paths, context: context)
        var out = InferredStudy(key: study.key, findings: findings.map(Self.finding), analysis: analysis,
                                modelName: model.descriptor.name, modelVersion: model.descriptor.version)
        if let top = findings.max(by: { ($0.tier, $0.probability) < ($1.tier, $1.probability) }) {
            out.keyImage = KeyImageSource(
                file: top.image.file, frame: top.image.frame, sopInstanceUID: top.image.sopInstanceUID,
                heatmap: top.heatmap.map { Heatmap(width: $0.width, height: $0.height, values: $0.values) },
                peak: top.heatmap.map { PixelPoint(x: $0.peakColumn, y: $0.peakRow) })
        }
        return out
    }

    struct Skipped: Error { let reason: String }

    /// The error without the absolute path (reports name files relative to the batch).
    static func reason(_ error: any Error, path: String) -> String {
        "\(error)".replacingOccurrences(of: path + ": ", with: "")
    }

    struct Frame: Sendable {
        var reference: ImageReference
        var relativePath: String
        var multiFrame: Bool

        func unread(_ reason: String) -> Analysis.Unread {
            Analysis.Unread(file: relativePath, frame: multiFrame ? reference.frame : nil,
                            sopInstanceUID: reference.sopInstanceUID, reason: reason)
        }
    }

    /// The study's findings, and which of its images the model ran on. An image that cannot be
    /// read, or whose output is not a number, is listed as unread rather than taken as negative.
    func analyze(_ study: StudyGroup, paths: [String: String], context: BatchContext) async throws -> ([ModelFinding], Analysis) {
        let instances = study.instances
            .filter { ($0.rows ?? 0) > 0 && ($0.columns ?? 0) > 0 }
            .sorted { ($0.seriesNumber ?? 0, $0.instanceNumber ?? 0, $0.file) < ($1.seriesNumber ?? 0, $1.instanceNumber ?? 0, $1.file) }
        guard !instances.isEmpty else {
            return ([], Analysis(analysedImages: 0, note: "the study holds no image (no instance has Rows and Columns)"))
        }
        var frames: [Frame] = []
        var unread: [Analysis.Unread] = []
        for i in instances {
            guard let path = paths[i.file] else {
                unread.append(Analysis.Unread(file: i.file, sopInstanceUID: i.sopInstanceUID, reason: "the file is missing from the batch"))
                continue
            }
            // Frames the pixel data cannot hold are one unread entry, not one per declared frame.
            let held = min(i.frames, i.framesInPixelData ?? i.frames)
            if held < i.frames {
                unread.append(Analysis.Unread(
                    file: i.file, sopInstanceUID: i.sopInstanceUID,
                    reason: "Number of Frames is \(i.frames) but the pixel data holds \(held): frames \(held + 1)–\(i.frames) not read"))
            }
            for f in 0..<held {
                frames.append(Frame(reference: ImageReference(sopInstanceUID: i.sopInstanceUID, file: path, frame: f),
                                    relativePath: i.file, multiFrame: i.frames > 1))
            }
        }
        var results: [(ImageReference, PreparedImage, ImageModel.Prediction)] = []
        var start = 0
        let descriptor = model.descriptor
        // Each file is read once, however many of its frames there are: the frames of a
        // multi-frame image span chunks, so the files of the previous chunk are kept.
        var files: [String: Result<DICOMFile, Skipped>] = [:]
        while start < frames.count {
            let part = Array(frames[start..<min(start + Self.chunk, frames.count)])
            start += part.count
            var needed: [String] = []
            for f in part where files[f.reference.file] == nil && !needed.contains(f.reference.file) { needed.append(f.reference.file) }
            let opened = try await boundedMap(needed, limit: context.workers) { path -> Result<DICOMFile, Skipped> in
                do { return .success(try DICOMFile.open(path: path, maxBytes: limits.maxFileBytes)) } catch {
                    return .failure(Skipped(reason: Self.reason(error, path: path)))
                }
            }
            let inPart = Set(part.map(\.reference.file))
            files = files.filter { inPart.contains($0.key) }
            for (path, file) in zip(needed, opened) { files[path] = file }
            let prepared = try await boundedMap(part, limit: context.workers) { [files] frame -> Result<PreparedImage, Skipped> in
                do {
                    let file = try files[frame.reference.file]!.get()
                    return .success(try Preprocessor.prepare(file, frame: frame.reference.frame, for: descriptor, limits: limits))
                } catch let skipped as Skipped {
                    return .failure(skipped)
                } catch {
                    return .failure(Skipped(reason: Self.reason(error, path: frame.reference.file)))
                }
            }
            var ready: [(Frame, PreparedImage)] = []
            for (frame, r) in zip(part, prepared) {
                switch r {
                case .success(let image): ready.append((frame, image))
                case .failure(let skipped): unread.append(frame.unread(skipped.reason))
                }
            }
            guard !ready.isEmpty else { continue }
            let predictions = try model.predict(ready.map(\.1), threads: context.workers, batchSize: Self.chunk, heatmaps: heatmaps)
            for ((frame, image), p) in zip(ready, predictions) {
                // A NaN compares false with every threshold: it would pass for a negative.
                guard p.probabilities.allSatisfy(\.isFinite) else {
                    unread.append(frame.unread("the model's output for this image is not a finite number"))
                    continue
                }
                var light = image
                light.values = []  // only the geometry is needed from here on
                results.append((frame.reference, light, p))
            }
        }
        return (model.findings(results, overrides: thresholds), Analysis(analysedImages: results.count, unread: unread))
    }

    /// The descriptor's Finding Site per label name, for the SR (a site that is not a valid
    /// code is left out; the descriptor loader names such mistakes).
    public var findingSites: [String: CodedConcept] {
        var sites: [String: CodedConcept] = [:]
        for label in model.descriptor.labels {
            if let s = label.site, let concept = try? CodedConcept(s.code, s.scheme, s.meaning) { sites[label.name] = concept }
        }
        return sites
    }

    static func finding(_ f: ModelFinding) -> Finding {
        let urgency: Urgency = switch f.tier {
        case .routine: .routine
        case .urgent: .urgent
        case .critical: .critical
        }
        return Finding(
            label: f.label.name, code: f.label.code, codingScheme: f.label.scheme, probability: f.probability,
            urgency: urgency, sopInstanceUID: f.image.sopInstanceUID,
            peakPixel: f.heatmap.map { [$0.peakColumn, $0.peakRow] }, peakPatient: f.peakPatient)
    }
}

