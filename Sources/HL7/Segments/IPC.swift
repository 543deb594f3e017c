/// IPC, imaging procedure control (chapter 4.5.6, OMI^O23): the DICOM keys of an order.
public struct IPC: Sendable {
    public let segment: HL7Segment
    public init(_ segment: HL7Segment) { self.segment = segment }

    /// IPC-1, the accession number (DICOM 0008,0050).
    public var accessionIdentifier: HL7EntityIdentifier? { HL7EntityIdentifier(segment, 1) }
    public var requestedProcedureID: HL7EntityIdentifier? { HL7EntityIdentifier(segment, 2) }
    /// IPC-3, the Study Instance UID (DICOM 0020,000D).
    public var studyInstanceUID: HL7EntityIdentifier? { HL7EntityIdentifier(segment, 3) }
    public var scheduledProcedureStepID: HL7EntityIdentifier? { HL7EntityIdentifier(segment, 4) }
    public var modality: String? { segment.string(5) }
}

extension HL7Message {
    public var ipcs: [IPC] { segments("IPC").map(IPC.init) }
}
