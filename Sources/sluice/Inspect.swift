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
            if !hasDICM && HL7File.looksLikeHL7(prefix) || field != nil {
                try inspectHL7()
            } else {
                try inspectDICOM()
            }
        }

        func inspectHL7() throws {
            let parsed: HL7File
            do { parsed = try HL7File.open(path: file) } catch { throw Failure.processing("\(error)") }
            if parsed.messages.isEmpty {
                let why = parsed.errors.first.map { "\($0)" } ?? "\(file): not an HL7 v2 file (no MSH segment)"
                throw Failure.processing(why)
            }
            if let field {
                do {
                    for value in try HL7Inspect.field(parsed, path: field) { print(value) }
                } catch { throw Failure.usage("\(error)") }
            } else if json {
                print(try HL7Inspect.json(parsed))
            } else {
                print(HL7Inspect.text(parsed), terminator: "")
            }
            for error in parsed.errors { FileHandle.standardError.write(Data("sluice: \(error)\n".utf8)) }
            if !parsed.errors.isEmpty { throw ExitCode(1) }
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
