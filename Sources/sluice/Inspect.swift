import ArgumentParser
import DICOM
import Foundation
import HL7
import Kernels
import Reports

extension Sluice {
    struct Inspect: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "inspect",
            abstract: "Dump a DICOM file (dcmdump-like, or the DICOM JSON model) or an HL7 v2 file.")

        @Argument(help: "A DICOM or HL7 file (several DICOM files with --png-dir).") var files: [String] = []
        @Flag(help: "DICOM JSON model (PS3.18 Annex F) for DICOM; a structured form for HL7.") var json = false
        @Option(help: "HL7 only: print this field (e.g. PID-3[1].1), unescaped, one line per message.") var field: String?
        @Option(help: ArgumentHelp(
            "DICOM only: write the frame as an 8-bit gray PNG, windowed with the file's first window (as dcmj2pnm +Wi 1).",
            valueName: "OUT.png")) var png: String?
        @Option(help: ArgumentHelp(
            "DICOM only: write one PNG per FILE into DIR (NAME.dcm → DIR/NAME.png) in this one process.",
            valueName: "DIR")) var pngDir: String?
        @Option(help: ArgumentHelp(
            "DICOM only: write the decoded stored values (before any LUT) as a NumPy array, shape (frames, rows, columns[, samples]) — pydicom's pixel_array.",
            valueName: "OUT.npy")) var pixels: String?
        @Option(help: ArgumentHelp(
            "DICOM only: write one .npy per FILE into DIR (NAME.dcm → DIR/NAME.npy), decoding the files in parallel.",
            valueName: "DIR")) var pixelsDir: String?
        @Option(help: "With --png/--png-dir/--pixels: the frame to write, from 0 (--pixels: every frame unless given).") var frame: Int?
        @Option(help: "With --png/--png-dir: shrink so the longer side is at most N pixels (default: full size).")
        var maxSide: Int?

        var file: String { files.first ?? "" }

        func validate() throws {
            if files.isEmpty { throw ValidationError("give a file to inspect") }
            let outputs = [png, pngDir, pixels, pixelsDir].compactMap { $0 }
            if outputs.count > 1 { throw ValidationError("--png, --png-dir, --pixels and --pixels-dir exclude each other") }
            if files.count > 1 && pngDir == nil && pixelsDir == nil { throw ValidationError("several files need --png-dir DIR or --pixels-dir DIR") }
            if !outputs.isEmpty && (json || field != nil) {
                throw ValidationError("--png/--png-dir/--pixels/--pixels-dir exclude --json and --field")
            }
            if let frame, frame < 0 { throw ValidationError("--frame counts from 0") }
            if let maxSide, maxSide < 1 { throw ValidationError("--max-side must be at least 1") }
        }

        func run() async throws {
            if let png { return try writePNG(file, to: png) }
            if let pngDir { return try writePNGs(into: pngDir) }
            if let pixels { return try writeNPY(file, to: pixels) }
            if let pixelsDir { return try writeNPYs(into: pixelsDir) }
            guard let handle = FileHandle(forReadingAtPath: file) else {
                throw Failure.processing("\(file): cannot open (no such file or no permission)")
            }
            let prefix = [UInt8]((try? handle.read(upToCount: 132)) ?? Data())
            try? handle.close()
            let hasDICM = prefix.count >= 132 && prefix[128..<132].elementsEqual("DICM".utf8)
            let namedHL7 = [".hl7", ".msg", ".oru", ".orm"].contains { file.lowercased().hasSuffix($0) }
            if !hasDICM && (HL7File.looksLikeHL7(prefix) || namedHL7) || field != nil {
                try inspectHL7()
            } else {
                try inspectDICOM()
            }
        }

        func inspectHL7() throws {
            if let field, HL7Path(field) == nil {
                throw Failure.usage("--field: '\(field)' is not an HL7 path (e.g. PID-3, OBX[2]-5.1)")
            }
            let result: (output: String, hasErrors: Bool)
            do { result = try HL7Inspect.render(path: file, field: field, json: json) } catch {
                throw Failure.processing("\(error)")
            }
            print(result.output, terminator: result.output.hasSuffix("\n") ? "" : "\n")
            if result.hasErrors { throw ExitCode(1) }
        }

        func inspectDICOM() throws {
            let dicom: DICOMFile
            do { dicom = try DICOMFile.open(path: file) } catch { throw Failure.processing("\(error)") }
            if json {
                do { print(try DICOMJSON.encode(dicom.dataSet)) } catch { throw Failure.processing("\(file): \(error)") }
            } else {
                print(DICOMDump.render(dicom), terminator: "")
            }
        }

        /// The key-image path of the reports (decode → window → shrink), written as gray PNG.
        func writePNG(_ path: String, to out: String) throws {
            let data: Data
            do {
                let dicom = try DICOMFile.open(path: path)
                let frames = dicom.pixelDescription.numberOfFrames
                let frame = self.frame ?? 0
                guard frame < frames else {
                    throw Failure.usage("\(path): --frame \(frame): the file has \(frames) frame\(frames == 1 ? "" : "s") (0…\(frames - 1))")
                }
                let key = try KeyImage.fromDICOM(dicom, frame: frame, windowIndex: 0, maxSide: maxSide ?? Int.max,
                                                 sopInstanceUID: dicom.dataSet.string(.sopInstanceUID) ?? "")
                data = try PNGEncoder.encode(key.pixels, width: key.width, height: key.height, channels: .gray,
                                             zlibLevel: KeyImageRenderer.Options().zlibLevel)
            } catch let failure as Failure { throw failure } catch { throw Failure.processing("\(path): \(error)") }
            do { try data.write(to: URL(fileURLWithPath: out)) } catch {
                throw Failure.processing("\(out): cannot write: \(error.localizedDescription)")
            }
        }

        /// The stored values of every frame (or `--frame`) as `.npy`.
        func writeNPY(_ path: String, to out: String) throws {
            let bytes: [UInt8]
            do {
                let dicom = try DICOMFile.open(path: path)
                let frames = dicom.pixelDescription.numberOfFrames
                if let frame, frame >= frames {
                    throw Failure.usage("\(path): --frame \(frame): the file has \(frames) frame\(frames == 1 ? "" : "s") (0…\(frames - 1))")
                }
                bytes = try StoredArray.npy(dicom, frames: frame.map { [$0] })
            } catch let failure as Failure { throw failure } catch { throw Failure.processing("\(path): \(error)") }
            do { try Data(bytes).write(to: URL(fileURLWithPath: out)) } catch {
                throw Failure.processing("\(out): cannot write: \(error.localizedDescription)")
            }
        }

        /// Every FILE into DIR as `.npy`, decoded on the worker threads (as the pipeline decodes);
        /// a file that fails is reported and skipped (exit 1).
        func writeNPYs(into dir: String) throws {
            do { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) } catch {
                throw Failure.processing("\(dir): cannot create: \(error.localizedDescription)")
            }
            let names = outputNames(files, ext: "npy")
            let failures = FailureList()
            Parallel.forEach(files.count) { i in
                do { try writeNPY(files[i], to: (dir as NSString).appendingPathComponent(names[i])) } catch let f as Failure {
                    failures.add(f.message)
                } catch { failures.add("\(files[i]): \(error)") }
            }
            for message in failures.messages { FileHandle.standardError.write(Data("sluice: \(message)\n".utf8)) }
            if !failures.messages.isEmpty { throw Failure.processing("\(failures.messages.count) of \(files.count) files not converted") }
        }

        /// NAME.dcm → NAME.EXT, with -2, -3 … for the same name from different folders.
        func outputNames(_ paths: [String], ext: String) -> [String] {
            var used = Set<String>()
            return paths.map { path in
                let base = (path as NSString).lastPathComponent
                let e = (base as NSString).pathExtension.lowercased()
                let stem = e == "dcm" || e == "dicom" ? (base as NSString).deletingPathExtension : base
                var name = stem + "." + ext, n = 1
                while used.contains(name) { n += 1; name = "\(stem)-\(n).\(ext)" }
                used.insert(name)
                return name
            }
        }

        /// Every FILE into DIR, one after another; a file that fails is reported and skipped (exit 1).
        func writePNGs(into dir: String) throws {
            do { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) } catch {
                throw Failure.processing("\(dir): cannot create: \(error.localizedDescription)")
            }
            var used = Set<String>(), failed = 0
            for path in files {
                let base = (path as NSString).lastPathComponent
                let ext = (base as NSString).pathExtension.lowercased()
                let stem = ext == "dcm" || ext == "dicom" ? (base as NSString).deletingPathExtension : base
                // Same names from different folders get -2, -3, … rather than overwriting each other.
                var name = stem + ".png", n = 1
                while used.contains(name) { n += 1; name = "\(stem)-\(n).png" }
                used.insert(name)
                do { try writePNG(path, to: (dir as NSString).appendingPathComponent(name)) } catch let f as Failure {
                    FileHandle.standardError.write(Data("sluice: \(f.message)\n".utf8))
                    failed += 1
                }
            }
            if failed > 0 { throw Failure.processing("\(failed) of \(files.count) files not converted") }
        }
    }
}

/// Failure messages gathered from worker threads.
final class FailureList: @unchecked Sendable {
    // @unchecked: every access holds `lock`.
    private let lock = NSLock()
    private var list: [String] = []
    func add(_ message: String) { lock.lock(); list.append(message); lock.unlock() }
    var messages: [String] { lock.lock(); defer { lock.unlock() }; return list }
}
