/// The keys that tie a message to DICOM studies, gathered from every segment that carries one.
///
/// Built for the group stage: accession numbers come from OBR-3/ORC-3 (filler), OBR-2/ORC-2
/// (placer) and IPC-1; UIDs from IPC-3; patients from every PID-3 repetition.
public struct HL7OrderKeys: Sendable, Hashable {
    public var messageType: HL7MessageType?
    public var controlID: String?
    /// ORC-1 of each ORC, in order (`NW`, `CA`, `XO`, …).
    public var orderControls: [String]
    /// OBR-3 and ORC-3 IDs, deduplicated, in order of appearance.
    public var fillerOrderNumbers: [String]
    /// OBR-2 and ORC-2 IDs.
    public var placerOrderNumbers: [String]
    /// IPC-1 IDs.
    public var accessionNumbers: [String]
    /// IPC-3 IDs.
    public var studyInstanceUIDs: [String]
    public var patientIdentifiers: [HL7PatientIdentifier]

    /// Filler, IPC and placer numbers together: the candidates to match DICOM AccessionNumber.
    public var accessionCandidates: [String] { Self.unique(accessionNumbers + fillerOrderNumbers + placerOrderNumbers) }

    static func unique(_ xs: [String]) -> [String] {
        var seen = Set<String>()
        return xs.filter { seen.insert($0).inserted }
    }
}

extension HL7Message {
    public var orderKeys: HL7OrderKeys {
        let orcs = self.orcs, obrs = self.obrs, ipcs = self.ipcs
        return HL7OrderKeys(
            messageType: messageType,
            controlID: controlID,
            orderControls: orcs.compactMap(\.orderControl),
            fillerOrderNumbers: HL7OrderKeys.unique(obrs.compactMap(\.fillerOrderNumber?.id) + orcs.compactMap(\.fillerOrderNumber?.id)),
            placerOrderNumbers: HL7OrderKeys.unique(obrs.compactMap(\.placerOrderNumber?.id) + orcs.compactMap(\.placerOrderNumber?.id)),
            accessionNumbers: HL7OrderKeys.unique(ipcs.compactMap(\.accessionIdentifier?.id)),
            studyInstanceUIDs: HL7OrderKeys.unique(ipcs.compactMap(\.studyInstanceUID?.id)),
            patientIdentifiers: segments("PID").flatMap { PID($0).identifiers })
    }
}
