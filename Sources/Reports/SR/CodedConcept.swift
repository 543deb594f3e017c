public import DICOM

/// A code triplet (PS3.3 Code Sequence Macro, Table 8.8-1). Checked on construction, so a
/// template can never emit a code item that a validator would reject.
public struct CodedConcept: Sendable, Hashable, CustomStringConvertible {
    public let value: String
    public let scheme: String
    public let meaning: String
    public let schemeVersion: String?

    public init(_ value: String, _ scheme: String, _ meaning: String, schemeVersion: String? = nil) throws {
        // Code Value is SH (16); longer values go to Long Code Value (UC), which has no such limit.
        guard !value.isEmpty, !scheme.isEmpty, scheme.utf8.count <= 16, !meaning.isEmpty, meaning.count <= 64,
              !value.contains("\\"), !meaning.contains("\\")
        else { throw SRContentError(.invalidCode, context: "(\(scheme.prefix(16)))") }
        self.value = value
        self.scheme = scheme
        self.meaning = meaning
        self.schemeVersion = schemeVersion
    }

    /// For the fixed codes below, which are known to be valid.
    init(fixed value: String, _ scheme: String, _ meaning: String) {
        self.value = value
        self.scheme = scheme
        self.meaning = meaning
        schemeVersion = nil
    }

    public var description: String { "(\(value),\(scheme),\"\(meaning)\")" }

    /// The concept's key for error contexts: value and scheme, no meaning text.
    var key: String { "(\(value),\(scheme))" }

    /// One Code Sequence item.
    public var item: MutableDataSet {
        var ds = MutableDataSet()
        if value.utf8.count > 16 {
            ds.set(.longCodeValue, .UC, value)
        } else {
            ds.set(.codeValue, .SH, value)
        }
        ds.set(.codingSchemeDesignator, .SH, scheme)
        if let schemeVersion { ds.set(.codingSchemeVersion, .SH, schemeVersion) }
        ds.set(.codeMeaning, .LO, meaning)
        return ds
    }
}

/// Codes the templates use (DCM = PS3.16 Annex D, SCT = SNOMED CT, UCUM, LN = LOINC).
extension CodedConcept {
    public static let imagingMeasurementReport = CodedConcept(fixed: "126000", "DCM", "Imaging Measurement Report")
    public static let imagingMeasurements = CodedConcept(fixed: "126010", "DCM", "Imaging Measurements")
    public static let measurementGroup = CodedConcept(fixed: "125007", "DCM", "Measurement Group")
    public static let languageOfContent = CodedConcept(fixed: "121049", "DCM", "Language of Content Item and Descendants")
    public static let englishUS = CodedConcept(fixed: "en-US", "RFC5646", "English (United States)")
    public static let observerType = CodedConcept(fixed: "121005", "DCM", "Observer Type")
    public static let device = CodedConcept(fixed: "121007", "DCM", "Device")
    public static let deviceObserverUID = CodedConcept(fixed: "121012", "DCM", "Device Observer UID")
    public static let deviceObserverName = CodedConcept(fixed: "121013", "DCM", "Device Observer Name")
    public static let deviceObserverManufacturer = CodedConcept(fixed: "121014", "DCM", "Device Observer Manufacturer")
    public static let deviceObserverModelName = CodedConcept(fixed: "121015", "DCM", "Device Observer Model Name")
    public static let procedureReported = CodedConcept(fixed: "121058", "DCM", "Procedure reported")
    /// Default procedure when the source carries no Procedure Code Sequence.
    public static let imagingProcedure = CodedConcept(fixed: "363679005", "SCT", "Imaging procedure")
    public static let trackingIdentifier = CodedConcept(fixed: "112039", "DCM", "Tracking Identifier")
    public static let trackingUniqueIdentifier = CodedConcept(fixed: "112040", "DCM", "Tracking Unique Identifier")
    public static let finding = CodedConcept(fixed: "121071", "DCM", "Finding")
    public static let findingSite = CodedConcept(fixed: "363698007", "SCT", "Finding Site")
    public static let lung = CodedConcept(fixed: "39607008", "SCT", "Lung")
    /// Used as the Finding of the single group written when the model found nothing.
    public static let clinicalFindingAbsent = CodedConcept(fixed: "373572006", "SCT", "Clinical finding absent")
    public static let algorithmName = CodedConcept(fixed: "111001", "DCM", "Algorithm Name")
    public static let algorithmVersion = CodedConcept(fixed: "111003", "DCM", "Algorithm Version")
    public static let algorithmParameters = CodedConcept(fixed: "111002", "DCM", "Algorithm Parameters")
    public static let certaintyOfFinding = CodedConcept(fixed: "111012", "DCM", "Certainty of Finding")
    public static let comment = CodedConcept(fixed: "121106", "DCM", "Comment")
    public static let noUnits = CodedConcept(fixed: "1", "UCUM", "no units")
    public static let percent = CodedConcept(fixed: "%", "UCUM", "%")
    /// No DICOM concept exists for triage urgency; SNOMED "Priority" with its qualifier values.
    public static let priority = CodedConcept(fixed: "260870009", "SCT", "Priority")
    public static let emergency = CodedConcept(fixed: "25876001", "SCT", "Emergency")
    public static let urgent = CodedConcept(fixed: "103391001", "SCT", "Urgent")
    public static let routine = CodedConcept(fixed: "373115008", "SCT", "Routine")
    public static let imageRegion = CodedConcept(fixed: "111030", "DCM", "Image Region")
    public static let source = CodedConcept(fixed: "260753009", "SCT", "Source")
    public static let diagnosticImagingReport = CodedConcept(fixed: "18748-4", "LN", "Diagnostic Imaging Report")
}
