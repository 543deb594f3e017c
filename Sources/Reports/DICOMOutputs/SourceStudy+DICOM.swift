import DICOM

extension SourceStudy {
    /// Reads the Patient/Study attributes (from the first file by path) and every file's
    /// references. Header-only reads; the engine may instead fill the fields from what it
    /// already parsed.
    public static func read(paths: [String]) throws -> SourceStudy {
        let sorted = paths.sorted()
        var instances: [ReferencedInstance] = []
        var first: DataSet?
        for path in sorted {
            let ds = try DICOMFile.open(path: path, stopBeforePixels: true).dataSet
            if first == nil { first = ds }
            instances.append(ReferencedInstance(
                sopClassUID: ds.string(.sopClassUID) ?? "", sopInstanceUID: ds.string(.sopInstanceUID) ?? "",
                seriesInstanceUID: ds.string(.seriesInstanceUID) ?? "", file: path,
                numberOfFrames: max(ds.int(.numberOfFrames) ?? 1, 1)))
        }
        guard let ds = first else {
            throw DICOMOutputError(.unreadableSource("no files"), studyKey: "", output: "source study")
        }
        func s(_ tag: Tag) -> String { ds.string(tag) ?? "" }
        return SourceStudy(
            patientName: s(.patientName), patientID: s(.patientID), issuerOfPatientID: ds.string(.issuerOfPatientID),
            patientBirthDate: s(.patientBirthDate), patientSex: s(.patientSex), studyInstanceUID: s(.studyInstanceUID),
            studyDate: s(.studyDate), studyTime: s(.studyTime), accessionNumber: s(.accessionNumber),
            referringPhysicianName: s(.referringPhysicianName), studyID: s(.studyID),
            studyDescription: ds.string(.studyDescription), instances: instances)
    }
}
