import ArgumentParser
import Foundation
import Pipeline

/// The command line. Thin: parses flags and calls `Pipeline`. Exit codes: 0 success,
/// 1 processing errors were reported, 2 bad usage or configuration.
@main
struct Sluice: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sluice",
        abstract: "Batch file-drop pipeline for medical imaging research: DICOM and HL7 drops in, delivered reports out.",
        version: SluiceVersion.current,
        subcommands: [Run.self, Status.self, Rerun.self, Retry.self, Scan.self, SFTPCopy.self, Check.self, Samples.self, Inspect.self, Infer.self, Digest.self])

    static func main() async {
        do {
            var command = try parseAsRoot()
            if var async = command as? any AsyncParsableCommand {
                try await async.run()
            } else {
                try command.run()
            }
        } catch let error as ConfigError {
            FileHandle.standardError.write(Data("sluice: \(error.description.escapingControlCharacters)\n".utf8))
            Foundation.exit(2)
        } catch let failure as Failure {
            FileHandle.standardError.write(Data("sluice: \(failure.message.escapingControlCharacters)\n".utf8))
            Foundation.exit(failure.code)
        } catch {
            let code = exitCode(for: error)
            if code == .success || code.rawValue == 0 {
                print(fullMessage(for: error))
                Foundation.exit(0)
            }
            if let exit = error as? ExitCode { Foundation.exit(exit.rawValue) }
            FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
            // Argument-parser's usage errors (64) become our documented 2.
            Foundation.exit(code == .failure ? 1 : 2)
        }
    }
}

/// An error the user should see as one line, with the exit code to leave with.
struct Failure: Error {
    let message: String
    let code: Int32
    static func processing(_ message: String) -> Failure { Failure(message: message, code: 1) }
    static func usage(_ message: String) -> Failure { Failure(message: message, code: 2) }
}

struct PipelineArgument: ParsableArguments {
    @Argument(help: "The pipeline file (YAML), e.g. pipelines/local-demo.yaml.")
    var pipeline: String

    func load() throws -> PipelineConfig { try PipelineConfig.load(pipeline) }
}
