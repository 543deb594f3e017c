import DICOM

/// Builders for well-formed test objects (every attribute the IOD requires, so dciodvfy is quiet).
enum Fixtures {
    static func patientStudySeries(_ ds: inout MutableDataSet, modality: String, sopClass: String) {
        ds.set(.specificCharacterSet, .CS, "ISO_IR 100")
        ds.set(.sopClassUID, .UI, sopClass)
        ds.set(.sopInstanceUID, .UI, UIDs.derived(from: ["fixture", modality], purpose: "sop", version: "1"))
        ds.set(.studyDate, .DA, "20240102")
        ds.set(.studyTime, .TM, "101500")
        ds.set(.contentDate, .DA, "20240102")
        ds.set(.contentTime, .TM, "101600")
        ds.set(.accessionNumber, .SH, "ACC0001")
        ds.set(.modality, .CS, modality)
        ds.set(.manufacturer, .LO, "Sluice Test")
        ds.set(.referringPhysicianName, .PN, "")
        ds.set(.patientName, .PN, "Doe^Jane")
        ds.set(.patientID, .LO, "PAT001")
        ds.set(.patientBirthDate, .DA, "19700101")
        ds.set(.patientSex, .CS, "F")
        ds.set(.studyInstanceUID, .UI, UIDs.derived(from: ["fixture"], purpose: "study", version: "1"))
        ds.set(.seriesInstanceUID, .UI, UIDs.derived(from: ["fixture", modality], purpose: "series", version: "1"))
        ds.set(.studyID, .SH, "1")
        ds.set(.seriesNumber, .IS, "1")
        ds.set(.instanceNumber, .IS, "1")
    }

    static func monochrome(_ ds: inout MutableDataSet, rows: Int, columns: Int) {
        ds.set(.samplesPerPixel, .US, ints: [1])
        ds.set(.photometricInterpretation, .CS, "MONOCHROME2")
        ds.set(.rows, .US, ints: [rows])
        ds.set(.columns, .US, ints: [columns])
        ds.set(.bitsAllocated, .US, ints: [16])
        ds.set(.bitsStored, .US, ints: [12])
        ds.set(.highBit, .US, ints: [11])
        ds.set(.pixelRepresentation, .US, ints: [0])
        var pixels: [Int] = []
        for r in 0..<rows { for c in 0..<columns { pixels.append((r * 37 + c * 11) % 4096) } }
        ds.set(.pixelData, .OW, ints: pixels)
    }

    /// A CT Image (PS3.3 A.3) with a nested sequence and a private block.
    static func ctImage(rows: Int = 16, columns: Int = 16) -> MutableDataSet {
        var ds = MutableDataSet()
        patientStudySeries(&ds, modality: "CT", sopClass: "1.2.840.10008.5.1.4.1.1.2")
        ds.set(.imageType, .CS, strings: ["ORIGINAL", "PRIMARY", "AXIAL"])
        ds.set(.frameOfReferenceUID, .UI, UIDs.derived(from: ["fixture"], purpose: "for", version: "1"))
        ds.set(.positionReferenceIndicator, .LO, "")
        ds.set(.patientPosition, .CS, "HFS")
        ds.set(.kvp, .DS, doubles: [120])
        ds.set(.sliceThickness, .DS, doubles: [2.5])
        ds.set(.acquisitionNumber, .IS, ints: [1])
        ds.set(.imagePositionPatient, .DS, doubles: [-125.5, -130.25, 42.125])
        ds.set(.imageOrientationPatient, .DS, doubles: [1, 0, 0, 0, 1, 0])
        ds.set(.pixelSpacing, .DS, doubles: [0.48828125, 0.48828125])
        ds.set(.rescaleIntercept, .DS, doubles: [-1024])
        ds.set(.rescaleSlope, .DS, doubles: [1])
        ds.set(.windowCenter, .DS, doubles: [40])
        ds.set(.windowWidth, .DS, doubles: [400])
        ds.set(.burnedInAnnotation, .CS, "NO")
        var code = MutableDataSet()
        code.set(.codeValue, .SH, "T-D3000")
        code.set(.codingSchemeDesignator, .SH, "SRT")
        code.set(.codeMeaning, .LO, "Chest")
        ds.set(.anatomicRegionSequence, items: [code])
        ds.set(Tag(0x0029, 0x0010), .LO, "SLUICE TEST")
        ds.set(Tag(0x0029, 0x1001), .US, ints: [7, 8])
        ds.set(Tag(0x0029, 0x1002), .FD, doubles: [3.25])
        monochrome(&ds, rows: rows, columns: columns)
        return ds
    }

    /// A Digital X-Ray Image for Presentation (PS3.3 A.26), MONOCHROME1 like many CR/DX exports.
    static func dxImage(rows: Int = 32, columns: Int = 32) -> MutableDataSet {
        var ds = MutableDataSet()
        patientStudySeries(&ds, modality: "DX", sopClass: "1.2.840.10008.5.1.4.1.1.1.1")
        ds.set(.imageType, .CS, strings: ["ORIGINAL", "PRIMARY"])
        ds.set(.presentationIntentType, .CS, "FOR PRESENTATION")
        ds.set(.positionerType, .CS, "")
        ds.set(.acquisitionContextSequence, items: [])
        ds.set(.patientOrientation, .CS, strings: ["A", "R"])
        ds.set(.acquisitionDate, .DA, "20240102")
        ds.set(.acquisitionTime, .TM, "101530")
        ds.set(.bodyPartExamined, .CS, "CHEST")
        ds.set(.viewPosition, .CS, "PA")
        ds.set(.imageLaterality, .CS, "U")
        var code = MutableDataSet()
        code.set(.codeValue, .SH, "51185008")
        code.set(.codingSchemeDesignator, .SH, "SCT")
        code.set(.codeMeaning, .LO, "Thorax")
        ds.set(.anatomicRegionSequence, items: [code])
        ds.set(.detectorType, .CS, "SCINTILLATOR")
        ds.set(.imagerPixelSpacing, .DS, doubles: [0.139, 0.139])
        ds.set(.pixelSpacing, .DS, doubles: [0.139, 0.139])
        ds.set(.pixelIntensityRelationship, .CS, "LOG")
        ds.set(.pixelIntensityRelationshipSign, .SS, ints: [1])
        ds.set(.rescaleIntercept, .DS, doubles: [0])
        ds.set(.rescaleSlope, .DS, doubles: [1])
        ds.set(.rescaleType, .LO, "US")
        ds.set(.windowCenter, .DS, doubles: [2048])
        ds.set(.windowWidth, .DS, doubles: [4096])
        ds.set(.lossyImageCompression, .CS, "00")
        ds.set(.presentationLUTShape, .CS, "INVERSE")
        ds.set(.burnedInAnnotation, .CS, "NO")
        ds.set(.kvp, .DS, doubles: [120])
        ds.set(.exposureTime, .IS, ints: [10])
        ds.set(.xRayTubeCurrent, .IS, ints: [200])
        ds.set(.distanceSourceToDetector, .DS, doubles: [1800])
        ds.set(.focalSpots, .DS, doubles: [1.2])
        monochrome(&ds, rows: rows, columns: columns)
        ds.set(.photometricInterpretation, .CS, "MONOCHROME1")
        return ds
    }
}
