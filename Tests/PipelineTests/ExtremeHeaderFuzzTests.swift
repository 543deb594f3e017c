import DICOM
import Foundation
import Inference
@testable import Pipeline
import Reports
import Testing
import TestSupport

/// Fuzzes every path a header number takes — validate, group (completeness), the model's
/// preprocessing, the key image and the DICOM outputs' source read — with headers drawn from a
/// dictionary of extreme values (0, −1, 2³¹−1, Int.min/Int.max, NaN, ±inf, 1e308, wrong VRs
/// that widen a US to 64 bits). A trap ends the test process, so a crash fails the run; a
/// thrown error or a quarantine is the expected outcome. `make fuzz` runs it for longer with
/// random seeds (SLUICE_FUZZ_CASES, SLUICE_FUZZ_SEED); each case is written to disk before it
/// runs, so the one that crashed can be kept (tools/fuzz/README in the Makefile's fuzz target).
@Suite struct ExtremeHeaderFuzzTests {
    static let integers = ["0", "-1", "1", "2", "3", "7", "8", "12", "16", "17", "32", "33", "64", "255", "256", "4096",
                           "32767", "32768", "65535", "65536", "2147483647", "-2147483648", "4294967295",
                           "9223372036854775807", "-9223372036854775808", "99999999999999999999", "1e3", "NaN", " ", ""]
    static let decimals = ["0", "-0", "1", "0.5", "-1", "1e308", "-1e308", "1e-308", "NaN", "inf", "-inf",
                           "179769313486231570000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"]
    static let photometric = ["MONOCHROME1", "MONOCHROME2", "RGB", "PALETTE COLOR", "YBR_FULL", "YBR_FULL_422", "", "X"]

    /// TestSupport's SplitMix64 (a failing seed reproduces), with the draws the generator needs.
    typealias Random = SeededRandom

    /// One header: the pixel module and the geometry, each value extreme with some chance, some
    /// written with a VR that lets them exceed their type; pixel data of a plausible or absurd size.
    static func header(_ r: inout Random, index: Int, series: Int) -> (MutableDataSet, TransferSyntax) {
        var ds = MutableDataSet()
        let uid = "1.2.826.0.1.3680043.10.999.\(index)"
        ds.set(.sopClassUID, .UI, "1.2.840.10008.5.1.4.1.1.7")
        ds.set(.sopInstanceUID, .UI, uid)
        ds.set(.studyInstanceUID, .UI, "1.2.826.0.1.3680043.10.999.0")
        ds.set(.seriesInstanceUID, .UI, "1.2.826.0.1.3680043.10.999.0.\(series)")
        ds.set(.patientID, .LO, "FUZZ")
        ds.set(.modality, .CS, "OT")
        func us(_ tag: DICOM.Tag, plausible: [Int]) {
            switch r.below(10) {
            case 0: ds.set(tag, .IS, r.pick(integers))                  // a wrong VR: any integer text
            case 1: ds.set(tag, .UL, ints: [Int(truncatingIfNeeded: r.next())])
            case 2: break                                               // absent
            case 3, 4: ds.set(tag, .US, ints: [Int(r.pick(integers)) ?? 0])
            default: ds.set(tag, .US, ints: [r.pick(plausible)])
            }
        }
        us(.rows, plausible: [1, 2, 8, 16, 64])
        us(.columns, plausible: [1, 3, 8, 16, 64])
        us(.samplesPerPixel, plausible: [1, 1, 3])
        us(.bitsAllocated, plausible: [1, 8, 16, 16, 32])
        us(.bitsStored, plausible: [1, 8, 12, 16])
        us(.highBit, plausible: [0, 7, 11, 15])
        us(.pixelRepresentation, plausible: [0, 1])
        us(.planarConfiguration, plausible: [0, 1])
        if r.chance(40) { ds.set(.numberOfFrames, .IS, r.chance(50) ? r.pick(integers) : String(1 + r.below(4))) }
        if r.chance(80) { ds.set(.instanceNumber, .IS, r.pick(integers)) }
        if r.chance(50) { ds.set(.seriesNumber, .IS, r.pick(integers)) }
        ds.set(.photometricInterpretation, .CS, r.pick(photometric))
        if r.chance(60) { ds.set(.imagePositionPatient, .DS, strings: (0..<3).map { _ in r.pick(decimals) }) }
        if r.chance(60) { ds.set(.imageOrientationPatient, .DS, strings: (0..<6).map { _ in r.pick(decimals) }) }
        if r.chance(40) { ds.set(.pixelSpacing, .DS, strings: [r.pick(decimals), r.pick(decimals)]) }
        if r.chance(40) { ds.set(.windowCenter, .DS, r.pick(decimals)); ds.set(.windowWidth, .DS, r.pick(decimals)) }
        if r.chance(30) { ds.set(.rescaleSlope, .DS, r.pick(decimals)); ds.set(.rescaleIntercept, .DS, r.pick(decimals)) }
        if r.chance(15) {
            var lut = MutableDataSet()
            lut.set(.lutDescriptor, .US, ints: [Int(r.pick(integers)) ?? 0, Int(r.pick(integers)) ?? 0, r.pick([8, 16, 0, 64])])
            lut.set(.lutData, .OW, ints: (0..<r.below(64)).map { _ in r.below(65536) })
            ds.set(r.chance(50) ? .voilutSequence : .modalityLUTSequence, items: [lut])
        }
        if r.chance(10) {
            ds.set(.redPaletteColorLookupTableDescriptor, .US, ints: [Int(r.pick(integers)) ?? 0, Int(r.pick(integers)) ?? 0, r.pick([8, 16])])
            for tag in [DICOM.Tag.redPaletteColorLookupTableData, .greenPaletteColorLookupTableData, .bluePaletteColorLookupTableData] {
                ds.set(tag, .OW, ints: (0..<r.below(300)).map { _ in r.below(65536) })
            }
        }
        let sizes = [0, 1, 7, 64, 128, 257, 4096, 8192]
        let syntax = r.pick([TransferSyntax.explicitVRLittleEndian, .implicitVRLittleEndian, .explicitVRBigEndian, .rleLossless])
        if syntax == .rleLossless {
            let fragments = (0..<r.below(4)).map { _ -> [UInt8] in
                var f = [UInt8](repeating: 0, count: 64 + r.below(200))
                f[0] = UInt8(r.below(16)); f[4] = 64
                for i in 8..<64 { f[i] = UInt8(truncatingIfNeeded: r.next()) }
                return f
            }
            if r.chance(90) { ds.setEncapsulatedPixelData(fragments: fragments, offsetTable: r.chance(50) ? [0, 1 << 31] : nil) }
        } else if r.chance(95) {
            ds.set(.pixelData, .OW, bytes: (0..<r.pick(sizes)).map { _ in UInt8(truncatingIfNeeded: r.next()) })
        }
        return (ds, syntax)
    }

    static func run(cases: Int, seed: UInt64) async throws {
        let dir = try TemporaryDirectory("extreme-headers")
        defer { dir.remove() }
        let model = try ImageModel(path: NotAnalysedPipelineTests.repoRoot + "/models/demo.onnx")
        var r = Random(seed: seed)
        var quarantined = 0, instances: [InstanceInfo] = []
        for i in 0..<cases {
            let (ds, syntax) = header(&r, index: i, series: r.below(3))
            let path = dir.file("case-\(i).dcm")
            try Data(try DICOMWriter.encode(ds, transferSyntax: syntax)).write(to: URL(fileURLWithPath: path))
            // The current case stays on disk: after a crash, SLUICE_FUZZ_KEEP=<dir> keeps it.
            if let keep = ProcessInfo.processInfo.environment["SLUICE_FUZZ_KEEP"] {
                try? FileManager.default.removeItem(atPath: keep + "/last-case.dcm")
                try? FileManager.default.copyItem(atPath: path, toPath: keep + "/last-case.dcm")
            }
            let file = BatchFile(relativePath: "case-\(i).dcm", absolutePath: path, size: nil, modified: nil, sha256: "")
            switch ValidateStage.parse(file, rules: .init()).0 {
            case .instance(let info):
                instances.append(info)
                // What infer and render do with an instance that passed validation.
                for frame in 0..<min(info.frames, 3) {
                    if let dicom = try? DICOMFile.open(path: path) {
                        _ = try? Preprocessor.prepare(dicom, frame: frame, for: model.descriptor)
                        _ = try? KeyImage.fromDICOM(dicom, frame: frame, sopInstanceUID: info.sopInstanceUID)
                    }
                }
                _ = try? SourceStudy.read(headerOf: path, instances: [])
            case .quarantined(let reason):
                #expect(!reason.isEmpty)
                quarantined += 1
            default: break
            }
            try? FileManager.default.removeItem(atPath: path)
        }
        // Group what passed, series by series, as the group stage does.
        for series in Dictionary(grouping: instances, by: \.seriesInstanceUID).values {
            let sorted = series.sorted(by: GroupStage.instanceOrder)
            _ = Completeness.problems(in: sorted)
        }
        #expect(quarantined > 0 && !instances.isEmpty, "the dictionary reaches both outcomes (\(quarantined) quarantined, \(instances.count) kept)")
    }

    @Test func extremeHeadersNeverTrap() async throws {
        let env = ProcessInfo.processInfo.environment
        let cases = env["SLUICE_FUZZ_CASES"].flatMap(Int.init) ?? 1500
        let seed = env["SLUICE_FUZZ_SEED"].flatMap(UInt64.init) ?? 20261207
        try await Self.run(cases: cases, seed: seed)
    }

    /// The crashes an attack review found, kept as they were found.
    @Test func headersThatTrappedAreQuarantinedWithTheAttribute() throws {
        let dir = try TemporaryDirectory("hostile-headers")
        defer { dir.remove() }
        func parse(_ ds: MutableDataSet) throws -> ValidateStage.Parsed {
            let path = dir.file("f.dcm")
            try Data(try DICOMWriter.encode(ds)).write(to: URL(fileURLWithPath: path))
            return ValidateStage.parse(BatchFile(relativePath: "f.dcm", absolutePath: path, size: nil, modified: nil, sha256: ""),
                                       rules: .init()).0
        }
        var r = Random(seed: 1)
        var (ds, _) = Self.header(&r, index: 1, series: 0)
        for tag in [DICOM.Tag.rows, .columns, .samplesPerPixel, .bitsAllocated] { ds.set(tag, .US, ints: [65535]) }
        ds.set(.pixelData, .OW, bytes: [UInt8](repeating: 0, count: 8192))
        guard case .quarantined(let why) = try parse(ds) else { Issue.record("65535 everywhere was not quarantined"); return }
        #expect(why.contains("Samples per Pixel (0028,0002)"), "\(why)")

        for tag in [DICOM.Tag.samplesPerPixel, .bitsAllocated] { ds.set(tag, .US, ints: tag == .bitsAllocated ? [16] : [1]) }
        ds.set(.numberOfFrames, .IS, "2147483647")
        guard case .quarantined(let frames) = try parse(ds) else { Issue.record("2³¹−1 frames of 65535² was not quarantined"); return }
        #expect(frames.contains("Rows × Columns") && frames.contains("over the limit"), "\(frames)")

        ds.set(.rows, .US, ints: [64]); ds.set(.columns, .US, ints: [64])
        guard case .quarantined(let many) = try parse(ds) else { Issue.record("2³¹−1 frames of 64² was not quarantined"); return }
        #expect(many.contains("Number of Frames (0028,0008) is over the limit of 10000"), "\(many)")

        // Instance Numbers Int.min and Int.max in one series trapped the gap check.
        var a = InstanceInfoFixture.make(file: "a.dcm", instanceNumber: .min)
        let b = InstanceInfoFixture.make(file: "b.dcm", instanceNumber: .max)
        _ = Completeness.problems(in: [a, b])
        a.imagePosition = [0, 0, -.greatestFiniteMagnitude]
        var c = b
        c.imagePosition = [0, 0, .greatestFiniteMagnitude]
        var d = b
        d.imagePosition = [0, 0, 1]
        a.imageOrientation = [1, 0, 0, 0, 1, 0]; c.imageOrientation = a.imageOrientation; d.imageOrientation = a.imageOrientation
        #expect(Completeness.problems(in: [a, d, c]).allSatisfy { !$0.contains("slice position gap") })
    }
}

enum InstanceInfoFixture {
    static func make(file: String, instanceNumber: Int?) -> InstanceInfo {
        InstanceInfo(file: file, studyInstanceUID: "1.2.3", seriesInstanceUID: "1.2.3.1", sopInstanceUID: "1.2.3.1." + file,
                     sopClassUID: "1.2.840.10008.5.1.4.1.1.7", patientID: "P", patientName: nil, issuerOfPatientID: nil,
                     accessionNumber: "", studyDate: "", modality: "OT", institution: "", seriesNumber: 1,
                     instanceNumber: instanceNumber, rows: 8, columns: 8, frames: 1, framesInPixelData: 1,
                     imagePosition: [], imageOrientation: [], modified: Date())
    }
}

extension SeededRandom {
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(max(n, 1))) }
    mutating func pick<T>(_ xs: [T]) -> T { xs[below(xs.count)] }
    mutating func chance(_ percent: Int) -> Bool { below(100) < percent }
}
