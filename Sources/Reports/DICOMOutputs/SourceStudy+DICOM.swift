import DICOM

extension SourceStudy {
    /// Reads the Patient/Study attributes (from the first file by path) and every file's
    /// references: one header-only read per file.
    public static func read(paths: [String]) throws -> SourceStudy {
        let sorted = paths.sorted()
        guard let firstPath = sorted.first else {
            throw DICOMOutputError(.unreadableSource("no files"), studyKey: "", output: "source study")
        }
        var instances: [ReferencedInstance] = []
        for path in sorted {
            let ds = try DICOMFile.open(path: path, stopBeforePixels: true).dataSet
            instances.append(ReferencedInstance(
                sopClassUID: ds.string(.sopClassUID) ?? "", sopInstanceUID: ds.string(.sopInstanceUID) ?? "",
                seriesInstanceUID: ds.string(.seriesInstanceUID) ?? "", file: path,
                numberOfFrames: max(ds.int(.numberOfFrames) ?? 1, 1)))
        }
        return try read(headerOf: firstPath, instances: instances)
    }

    /// For the engine, which already knows each instance's UIDs: reads only one file's header
    /// for the Patient/Study values (the same in every file of a validated study).
    public static func read(headerOf path: String, instances: [ReferencedInstance]) throws -> SourceStudy {
        let ds = try DICOMFile.open(path: path, stopBeforePixels: true).dataSet
        func s(_ tag: Tag) -> String { ds.string(tag) ?? "" }
        return SourceStudy(
            patientName: s(.patientName), patientID: s(.patientID), issuerOfPatientID: ds.string(.issuerOfPatientID),
            patientBirthDate: s(.patientBirthDate), patientSex: s(.patientSex), studyInstanceUID: s(.studyInstanceUID),
            studyDate: s(.studyDate), studyTime: s(.studyTime), accessionNumber: s(.accessionNumber),
            referringPhysicianName: s(.referringPhysicianName), studyID: s(.studyID),
            studyDescription: ds.string(.studyDescription), instances: instances)
    }
}
