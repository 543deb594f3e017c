import Foundation
import Samples
import TestSupport
import Testing

/// dicom3tools' dciodvfy checks each IOD (DX for presentation, CR, CT, MR) in each transfer
/// syntax we write; the bad files must trip it where ground truth says.
@Suite struct ValidatorTests {
    @Test func dciodvfyFindsNoErrorsInOneFileOfEachKind() throws {
        let drop = try SampleFixture.drop()
        var seen = Set<String>()
        for study in drop.truth.studies where !study.batch.hasSuffix(".zip") {
            let kind = study.modality + " " + study.transferSyntax + " " + study.photometricInterpretation
            guard seen.insert(kind).inserted, let file = study.files.first else { continue }
            let result = try runProcess("dciodvfy", ["-new", "\(drop.inbox)/\(study.batch)/\(file)"])
            let problems = (result.stdout + result.stderr).split(separator: "\n").filter {
                $0.hasPrefix("Error") || $0.hasPrefix("Warning")
            }
            #expect(result.status == 0, "dciodvfy exit \(result.status) for \(kind)")
            #expect(problems == [], "\(kind): \(problems)")
        }
        #expect(Set(seen.map { $0.prefix(2) }) == ["DX", "CR", "CT", "MR"])
        #expect(seen.count >= 7)
    }

    @Test func dciodvfyReportsTheMissingPatientID() throws {
        let drop = try SampleFixture.drop()
        let bad = try #require(drop.truth.badFiles.first { $0.missingAttribute == "PatientID" })
        let result = try runProcess("dciodvfy", ["-new", "\(drop.inbox)/\(bad.batch)/\(bad.path)"])
        let errors = (result.stdout + result.stderr).split(separator: "\n").filter { $0.hasPrefix("Error") }
        #expect(errors.count == 1)
        #expect(errors.first?.contains("PatientID(0010,0020)") == true)
    }

    @Test func dcentvfyFindsEachBatchConsistent() throws {
        let drop = try SampleFixture.drop()
        for batch in drop.truth.batches where batch.kind == "folder" {
            let files = drop.truth.studies.filter { $0.batch == batch.name }.flatMap { study in
                study.files.map { "\(drop.inbox)/\(batch.name)/\($0)" }
            }
            let result = try runProcess("dcentvfy", files)
            #expect(result.status == 0)
            #expect((result.stdout + result.stderr).split(separator: "\n").filter { $0.hasPrefix("Error") } == [])
        }
    }
}
