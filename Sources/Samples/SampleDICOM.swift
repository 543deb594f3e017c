import DICOM

/// Builds one sample instance's data set with the attributes its IOD asks for (DX for
/// presentation, CR, CT, MR), so `dciodvfy` and pipelines see realistic files.
enum SampleDICOM {
    static func sopClass(_ modality: SampleModality) -> String {
        switch modality {
        case .dx: return "1.2.840.10008.5.1.4.1.1.1.1"
        case .cr: return "1.2.840.10008.5.1.4.1.1.1"
        case .ct: return "1.2.840.10008.5.1.4.1.1.2"
        case .mr: return "1.2.840.10008.5.1.4.1.1.4"
        }
    }

    static func bitsStored(_ modality: SampleModality) -> Int {
        switch modality {
        case .dx: return 14
        case .cr, .ct, .mr: return 12
        }
    }

    static func photometric(_ study: PlannedStudy) -> String {
        study.monochrome1 ? "MONOCHROME1" : "MONOCHROME2"
    }

    static func institution(_ letter: String) -> String { "Sample Site \(letter) Hospital" }

    static func transferSyntax(_ encoding: SampleEncoding) -> TransferSyntax {
        switch encoding {
        case .explicitLittle: return .explicitVRLittleEndian
        case .implicitLittle: return .implicitVRLittleEndian
        case .rle: return .rleLossless
        case .jpegLosslessSV1: return .jpegLosslessSV1
        case .jpegLossless: return .jpegLossless
        case .jpegLS: return .jpegLSLossless
        case .jpegLSNearLossless: return .jpegLSNearLossless
        case .jpeg2000Lossless: return .jpeg2000Lossless
        case .jpeg2000: return .jpeg2000
        }
    }

    /// Fixed-point decimal text for DS values, so headers never depend on float printing.
    static func decimal(_ v: Double, _ decimals: Int = 4) -> String {
        let scale = [1.0, 10, 100, 1000, 10_000, 100_000, 1_000_000][decimals]
        let n = Int((abs(v) * scale).rounded())
        let whole = n / Int(scale), fraction = n % Int(scale)
        var text = decimals == 0 ? String(whole) : "\(whole).\(pad(fraction, decimals))"
        if decimals > 0 {
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        return (v < 0 && n != 0 ? "-" : "") + text
    }

    static func dataSet(
        study: PlannedStudy, institution: String, index: Int, sopInstanceUID: String, pixels: [UInt16]
    ) throws -> MutableDataSet {
        var ds = MutableDataSet()
        let m = study.modality
        let bits = bitsStored(m)
        let sop = sopClass(m)

        // SOP Common, Patient, General Study, General Series, General Equipment
        ds.set(.sopClassUID, .UI, sop)
        ds.set(.sopInstanceUID, .UI, sopInstanceUID)
        ds.set(.studyDate, .DA, study.studyDate)
        ds.set(.seriesDate, .DA, study.studyDate)
        ds.set(.contentDate, .DA, study.studyDate)
        ds.set(.studyTime, .TM, study.studyTime)
        ds.set(.seriesTime, .TM, study.studyTime)
        ds.set(.contentTime, .TM, study.studyTime)
        ds.set(.accessionNumber, .SH, study.accession)
        ds.set(.modality, .CS, m.rawValue)
        ds.set(.manufacturer, .LO, "Sluice Samples")
        ds.set(.institutionName, .LO, institution)
        ds.set(.referringPhysicianName, .PN, "")
        ds.set(.stationName, .SH, "SAMPLE\(study.siteLetter)")
        ds.set(.studyDescription, .LO, "CHEST (synthetic phantom)")
        ds.set(.seriesDescription, .LO, seriesDescription(m))
        ds.set(.manufacturerModelName, .LO, "Phantom")
        ds.set(.patientName, .PN, study.patientName)
        ds.set(.patientID, .LO, study.patientID)
        ds.set(.issuerOfPatientID, .LO, "SITE\(study.siteLetter)")
        ds.set(.patientBirthDate, .DA, study.birthDate)
        ds.set(.patientSex, .CS, study.sex)
        ds.set(.bodyPartExamined, .CS, "CHEST")
        ds.set(.softwareVersions, .LO, "sluice-samples \(SampleUID.version)")
        ds.set(.studyInstanceUID, .UI, study.studyUID)
        ds.set(.seriesInstanceUID, .UI, study.seriesUID)
        ds.set(.studyID, .SH, "\(study.number)")
        ds.set(.seriesNumber, .IS, "1")
        ds.set(.instanceNumber, .IS, String(index + 1))

        // Image Pixel
        ds.set(.samplesPerPixel, .US, ints: [1])
        ds.set(.photometricInterpretation, .CS, photometric(study))
        ds.set(.rows, .US, ints: [study.size])
        ds.set(.columns, .US, ints: [study.size])
        ds.set(.bitsAllocated, .US, ints: [16])
        ds.set(.bitsStored, .US, ints: [bits])
        ds.set(.highBit, .US, ints: [bits - 1])
        ds.set(.pixelRepresentation, .US, ints: [0])
        ds.set(.pixelSpacing, .DS, strings: [decimal(study.spacing), decimal(study.spacing)])
        ds.set(.burnedInAnnotation, .CS, "NO")
        ds.set(.lossyImageCompression, .CS, "00")

        switch m {
        case .dx, .cr: radiograph(&ds, study)
        case .ct, .mr: crossSection(&ds, study, index: index)
        }

        var bytes = [UInt8](repeating: 0, count: pixels.count * 2)
        for (i, v) in pixels.enumerated() {
            bytes[2 * i] = UInt8(truncatingIfNeeded: v)
            bytes[2 * i + 1] = UInt8(truncatingIfNeeded: v >> 8)
        }
        let values = pixels.map { UInt16(truncatingIfNeeded: $0) }
        let n = study.size
        switch study.encoding {
        case .explicitLittle, .implicitLittle:
            ds.set(.pixelData, .OW, bytes: bytes)
        case .rle:
            let fragment = bytes.withUnsafeBytes {
                RLECodec.encode(frame: $0, rows: n, columns: n, samplesPerPixel: 1, bitsAllocated: 16)
            }
            ds.setEncapsulatedPixelData(fragments: [fragment], offsetTable: nil)
        case .jpegLosslessSV1:
            ds.setEncapsulatedPixelData(fragments: [JPEGLosslessEncoder.encode(values, rows: n, columns: n, precision: bits)],
                                        offsetTable: nil)
        case .jpegLossless:
            // Process 14 with another predictor than SV1's, (Ra + Rb) / 2.
            ds.setEncapsulatedPixelData(
                fragments: [JPEGLosslessEncoder.encode(values, rows: n, columns: n, precision: bits, predictor: 7)], offsetTable: nil)
        case .jpegLS, .jpegLSNearLossless:
            let near = study.encoding == .jpegLS ? 0 : 2
            ds.setEncapsulatedPixelData(
                fragments: [try JPEGLSEncoder.encode(values, rows: n, columns: n, precision: bits, near: near)], offsetTable: nil)
        case .jpeg2000Lossless, .jpeg2000:
            let ratio: Float? = study.encoding == .jpeg2000 ? 10 : nil
            ds.setEncapsulatedPixelData(
                fragments: [try JPEG2000Encoder.encode(values, rows: n, columns: n, precision: bits, lossyRatio: ratio)],
                offsetTable: nil)
        }
        if study.encoding.isLossy {
            ds.set(.lossyImageCompression, .CS, "01")
            ds.set(Tag(0x0028, 0x2112), .DS, study.encoding == .jpeg2000 ? "10" : "1")
            ds.set(Tag(0x0028, 0x2114), .CS, study.encoding == .jpeg2000 ? "ISO_15444_1" : "ISO_14495_1")
        }
        return ds
    }

    static func seriesDescription(_ m: SampleModality) -> String {
        switch m {
        case .dx, .cr: return "CHEST PA"
        case .ct: return "THORAX AXIAL"
        case .mr: return "THORAX AX T2"
        }
    }

    /// DX (for presentation) and CR: view, detector, anatomy, intensity relationship, window.
    static func radiograph(_ ds: inout MutableDataSet, _ study: PlannedStudy) {
        let maxValue = (1 << bitsStored(study.modality)) - 1
        ds.set(.imageType, .CS, strings: ["ORIGINAL", "PRIMARY"])
        ds.set(.patientOrientation, .CS, strings: ["L", "F"])
        ds.set(.viewPosition, .CS, "PA")
        ds.set(.imagerPixelSpacing, .DS, strings: [decimal(study.spacing), decimal(study.spacing)])
        ds.set(.kvp, .DS, "120")
        ds.set(.rescaleIntercept, .DS, "0")
        ds.set(.rescaleSlope, .DS, "1")
        ds.set(.rescaleType, .LO, "US")
        ds.set(.windowCenter, .DS, String(maxValue / 2 + 1))
        ds.set(.windowWidth, .DS, String(maxValue + 1))
        if study.modality == .dx {
            ds.set(.presentationIntentType, .CS, "FOR PRESENTATION")
            ds.set(.pixelIntensityRelationship, .CS, "LOG")
            // MONOCHROME2 here stores attenuation: higher values mean less X-ray intensity.
            ds.set(.pixelIntensityRelationshipSign, .SS, ints: [study.monochrome1 ? 1 : -1])
            ds.set(.presentationLUTShape, .CS, study.monochrome1 ? "INVERSE" : "IDENTITY")
            ds.set(.detectorType, .CS, "SCINTILLATOR")
            ds.set(.imageLaterality, .CS, "U")
            ds.set(.positionerType, .CS, "COLUMN")
            var view = MutableDataSet()
            view.set(.codeValue, .SH, "399348003")
            view.set(.codingSchemeDesignator, .SH, "SCT")
            view.set(.codeMeaning, .LO, "postero-anterior")
            ds.set(.viewCodeSequence, items: [view])
            ds.set(.acquisitionContextSequence, items: [])
            var chest = MutableDataSet()
            chest.set(.codeValue, .SH, "51185008")
            chest.set(.codingSchemeDesignator, .SH, "SCT")
            chest.set(.codeMeaning, .LO, "Chest")
            ds.set(.anatomicRegionSequence, items: [chest])
        }
    }

    /// CT and MR: frame of reference, plane geometry, acquisition parameters, windows.
    static func crossSection(_ ds: inout MutableDataSet, _ study: PlannedStudy, index: Int) {
        let half = Double(study.size - 1) / 2 * study.spacing
        let z = study.sliceZ(index)
        ds.set(.frameOfReferenceUID, .UI, study.frameOfReferenceUID)
        ds.set(.positionReferenceIndicator, .LO, "")
        ds.set(.patientPosition, .CS, "HFS")
        ds.set(.imagePositionPatient, .DS, strings: [decimal(-half), decimal(-half), decimal(z)])
        ds.set(.imageOrientationPatient, .DS, strings: ["1", "0", "0", "0", "1", "0"])
        ds.set(.sliceThickness, .DS, decimal(study.sliceThickness))
        ds.set(.sliceLocation, .DS, decimal(z))
        ds.set(.acquisitionNumber, .IS, "1")
        if study.modality == .ct {
            ds.set(.imageType, .CS, strings: ["ORIGINAL", "PRIMARY", "AXIAL"])
            ds.set(.kvp, .DS, "120")
            ds.set(.rescaleIntercept, .DS, "-1024")
            ds.set(.rescaleSlope, .DS, "1")
            ds.set(.rescaleType, .LO, "HU")
            ds.set(.windowCenter, .DS, strings: ["-600", "40"])
            ds.set(.windowWidth, .DS, strings: ["1500", "400"])
            ds.set(.windowCenterWidthExplanation, .LO, strings: ["LUNG", "MEDIASTINUM"])
            ds.set(.convolutionKernel, .SH, "STANDARD")
        } else {
            ds.set(.imageType, .CS, strings: ["ORIGINAL", "PRIMARY", "OTHER"])
            ds.set(.scanningSequence, .CS, "SE")
            ds.set(.sequenceVariant, .CS, "NONE")
            ds.set(.scanOptions, .CS, "")
            ds.set(.mrAcquisitionType, .CS, "2D")
            ds.set(.repetitionTime, .DS, "4000")
            ds.set(.echoTime, .DS, "90")
            ds.set(.echoTrainLength, .IS, "16")
            ds.set(.magneticFieldStrength, .DS, "1.5")
            ds.set(.spacingBetweenSlices, .DS, decimal(study.sliceThickness))
            ds.set(.windowCenter, .DS, "400")
            ds.set(.windowWidth, .DS, "900")
        }
    }
}
