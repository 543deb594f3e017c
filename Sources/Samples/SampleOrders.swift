/// The HL7 v2.5.1 batch file of orders dropped beside site C's images:
/// `FHS BHS {MSH PID PV1 ORC OBR [IPC]} BTS FTS`, segments ended by CR, ORM^O01 and OMI^O23
/// alternating, plus one order whose images never arrive.
enum SampleOrders {
    struct Entry {
        var messageType: String
        var controlID: String
        var accession: String
        var patientID: String
        var studyUID: String?
        var hasImages: Bool
    }

    static func procedure(_ modality: SampleModality) -> String {
        switch modality {
        case .dx, .cr: return "71045^XR CHEST 1 VIEW^C4"
        case .ct: return "71250^CT THORAX WITHOUT CONTRAST^C4"
        case .mr: return "71550^MRI CHEST WITHOUT CONTRAST^C4"
        }
    }

    /// The file's text and what each message orders.
    static func batchFile(site: PlannedSite, seed: UInt64) -> (text: String, entries: [Entry]) {
        let facility = "SITE\(site.letter)"
        let stamp = site.date + "070000"
        let header = "|^~\\&|RIS|\(facility)|SLUICE|RESEARCH|\(stamp)|"
        var segments: [String] = []
        var entries: [Entry] = []
        segments.append("FHS\(header)|orders.hl7|sample orders|FILE\(site.letter)\(site.date)")
        segments.append("BHS\(header)|orders|sample orders|BATCH\(site.letter)\(site.date)")

        var orders: [(PlannedStudy, Bool)] = site.studies.map { ($0, true) }
        // An order whose images never arrive: the pipeline should report it as unmatched.
        var phantom = site.studies.first ?? SamplePlanner.study(
            site: site.index, letter: site.letter, flavor: site.flavor, number: 1, date: site.date,
            options: SampleOptions(seed: seed))
        phantom.number = 9001
        phantom.accession = "SMP\(site.letter)\(pad(9001, 5))"
        phantom.patientID = "SITE\(site.letter)-9001"
        phantom.patientName = "SAMPLE^PATIENT^\(site.letter)90"
        phantom.studyUID = SampleUID.make(seed: seed, ["site", site.letter, "order-only", "9001"], purpose: "study")
        orders.append((phantom, false))

        for (i, (study, hasImages)) in orders.enumerated() {
            let omi = i % 2 == 1
            let type = omi ? "OMI^O23^OMI_O23" : "ORM^O01^ORM_O01"
            let control = "SMP\(site.letter)\(pad(i + 1, 6))"
            let placer = "PLC\(site.letter)\(pad(study.number, 5))^RIS"
            let filler = "\(study.accession)^RIS"
            let scheduled = study.studyDate + study.studyTime
            segments.append("MSH\(header)|\(type)|\(control)|P|2.5.1|||AL|NE")
            segments.append(
                "PID|1||\(study.patientID)^^^\(facility)^MR||\(study.patientName)||\(study.birthDate)|\(study.sex)")
            segments.append("PV1|1|O")
            segments.append("ORC|NW|\(placer)|\(filler)||SC|||||||||||||||\(facility)")
            var obr = Array(repeating: "", count: 25)
            obr[0] = "OBR"
            obr[1] = "1"
            obr[2] = placer
            obr[3] = filler
            obr[4] = procedure(study.modality)
            obr[7] = scheduled
            obr[24] = "RAD"
            segments.append(obr.joined(separator: "|"))
            if omi {
                segments.append(
                    "IPC|\(filler)|RP\(pad(study.number, 5))|\(study.studyUID)|SPS\(pad(study.number, 5))|\(study.modality.rawValue)")
            }
            entries.append(
                Entry(
                    messageType: omi ? "OMI^O23" : "ORM^O01", controlID: control, accession: study.accession,
                    patientID: study.patientID, studyUID: omi ? study.studyUID : nil, hasImages: hasImages))
        }
        segments.append("BTS|\(entries.count)")
        segments.append("FTS|1")
        return (segments.joined(separator: "\r") + "\r", entries)
    }
}
