import ArgumentParser
import DICOM
import Foundation
import HL7

extension Sluice {
    struct Inspect: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Dump a DICOM file (dcmdump-like, or the DICOM JSON model) or an HL7 v2 file.")

        @Argument(help: "A DICOM or HL7 file.") var file: String
        @Flag(help: "DICOM JSON model (PS3.18 Annex F) for DICOM; a structured form for HL7.") var json = false
        @Option(help: "HL7 only: print this field (e.g. PID-3[1].1), unescaped, one line per message.") var field: String?

        func run() async throws {
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
    }
}
