import DICOM

/// Modules every Sluice DICOM output shares (PS3.3 Patient, General Study, General Series,
/// General Equipment, SOP Common) and the hierarchical reference lists.
enum DICOMOutputModules {
    static let manufacturer = "Sluice"

    /// Patient and General Study copied from the source, so PACS files the output with the
    /// images. Type 2 attributes are written even when empty.
    static func patientAndStudy(_ s: SourceStudy, into ds: inout MutableDataSet) {
        ds.set(.patientName, .PN, s.patientName)
        ds.set(.patientID, .LO, s.patientID)
        if let issuer = s.issuerOfPatientID, !issuer.isEmpty { ds.set(.issuerOfPatientID, .LO, issuer) }
        ds.set(.patientBirthDate, .DA, s.patientBirthDate)
        ds.set(.patientSex, .CS, s.patientSex)
        ds.set(.studyInstanceUID, .UI, s.studyInstanceUID)
        ds.set(.studyDate, .DA, s.studyDate)
        ds.set(.studyTime, .TM, s.studyTime)
        ds.set(.referringPhysicianName, .PN, s.referringPhysicianName)
        ds.set(.studyID, .SH, s.studyID)
        ds.set(.accessionNumber, .SH, s.accessionNumber)
        if let d = s.studyDescription, !d.isEmpty { ds.set(.studyDescription, .LO, d) }
    }

    static func series(modality: String, uid: String, number: Int, description: String?, into ds: inout MutableDataSet) {
        ds.set(.modality, .CS, modality)
        ds.set(.seriesInstanceUID, .UI, uid)
        ds.set(.seriesNumber, .IS, ints: [number])
        if let description, !description.isEmpty { ds.set(.seriesDescription, .LO, String(description.prefix(64))) }
    }

    static func equipment(softwareVersions: [String], modelName: String?, into ds: inout MutableDataSet) {
        ds.set(.manufacturer, .LO, manufacturer)
        if let modelName, !modelName.isEmpty { ds.set(.manufacturerModelName, .LO, String(modelName.prefix(64))) }
        let versions = softwareVersions.filter { !$0.isEmpty }.map { String($0.prefix(64)) }
        if !versions.isEmpty { ds.set(.softwareVersions, .LO, strings: versions) }
    }

    static func sopCommon(sopClass: String, sopInstance: String, created: DICOMDateTime, into ds: inout MutableDataSet) {
        ds.set(.sopClassUID, .UI, sopClass)
        ds.set(.sopInstanceUID, .UI, sopInstance)
        ds.set(.instanceCreationDate, .DA, created.date)
        ds.set(.instanceCreationTime, .TM, created.time)
        ds.set(.timezoneOffsetFromUTC, .SH, created.offset)
    }

    /// Values are stored as UTF-8; declare ISO_IR 192 only when some text is not ASCII, so plain
    /// files stay in the default repertoire.
    static func declareCharacterSet(_ ds: inout MutableDataSet) {
        ds.remove(.specificCharacterSet)
        if hasNonASCIIText(ds) { ds.set(.specificCharacterSet, .CS, "ISO_IR 192") }
    }

    private static func hasNonASCIIText(_ ds: MutableDataSet) -> Bool {
        for tag in ds.tags {
            guard let e = ds.element(tag) else { continue }
            switch e.value {
            case .bytes(let b): if e.vr.usesCharacterSet && b.contains(where: { $0 >= 0x80 }) { return true }
            case .items(let items): if items.contains(where: hasNonASCIIText) { return true }
            case .encapsulated: break
            }
        }
        return false
    }

    /// Hierarchical SOP Instance Reference Macro (PS3.3 Table C.17-3): one study item, its series
    /// in UID order, each with its instances in UID order (sorted so reruns match).
    static func hierarchicalReferences(studyInstanceUID: String, instances: [ReferencedInstance]) -> [MutableDataSet] {
        guard !instances.isEmpty else { return [] }
        var bySeries: [String: [ReferencedInstance]] = [:]
        for i in instances { bySeries[i.seriesInstanceUID, default: []].append(i) }
        var seriesItems: [MutableDataSet] = []
        for seriesUID in bySeries.keys.sorted() {
            var seen = Set<String>()
            let refs = bySeries[seriesUID]!.sorted { $0.sopInstanceUID < $1.sopInstanceUID }.filter { seen.insert($0.sopInstanceUID).inserted }
            var item = MutableDataSet()
            item.set(.seriesInstanceUID, .UI, seriesUID)
            item.set(.referencedSOPSequence, items: refs.map { r in
                var sop = MutableDataSet()
                sop.set(.referencedSOPClassUID, .UI, r.sopClassUID)
                sop.set(.referencedSOPInstanceUID, .UI, r.sopInstanceUID)
                return sop
            })
            seriesItems.append(item)
        }
        var study = MutableDataSet()
        study.set(.studyInstanceUID, .UI, studyInstanceUID)
        study.set(.referencedSeriesSequence, items: seriesItems)
        return [study]
    }
}
