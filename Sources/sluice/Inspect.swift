import ArgumentParser
import DICOM
import Foundation
import HL7
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
        @Option(help: "With --png/--png-dir: the frame to write, from 0.") var frame = 0
        @Option(help: "With --png/--png-dir: shrink so the longer side is at most N pixels (default: full size).")
        var maxSide: Int?

        var file: String { files.first ?? "" }

        func validate() throws {
            if files.isEmpty { throw ValidationError("give a file to inspect") }
            if png != nil && pngDir != nil { throw ValidationError("--png and --png-dir exclude each other") }
            if files.count > 1 && pngDir == nil { throw ValidationError("several files need --png-dir DIR") }
            if (png != nil || pngDir != nil) && (json || field != nil) {
                throw ValidationError("--png/--png-dir exclude --json and --field")
            }
            if frame < 0 { throw ValidationError("--frame counts from 0") }
            if let maxSide, maxSide < 1 { throw ValidationError("--max-side must be at least 1") }
        }

        func run() async throws {
            if let png { return try writePNG(file, to: png) }
            if let pngDir { return try writePNGs(into: pngDir) }
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
