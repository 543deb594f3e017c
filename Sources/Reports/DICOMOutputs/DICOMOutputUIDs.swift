public import DICOM

/// Result UIDs, derived (never random) from the study, the model and its version: a rerun of
/// the same input with the same model reproduces them, so receivers replace rather than
/// duplicate results (the MONAI `generate_uid()` problem); a new model version gives new ones.
public struct DICOMOutputUIDs: Sendable, Equatable {
    public let studyInstanceUID: String
    public let modelName: String
    public let modelVersion: String
    public let root: String

    public init(studyInstanceUID: String, modelName: String?, modelVersion: String?, root: String = UIDs.defaultRoot) {
        self.studyInstanceUID = studyInstanceUID
        self.modelName = modelName ?? ""
        self.modelVersion = modelVersion ?? ""
        self.root = root
    }

    func uid(_ purpose: String, _ extra: [String] = []) -> String {
        UIDs.derived(from: [studyInstanceUID, modelName] + extra, purpose: purpose, version: modelVersion, root: root)
    }

    public var srSeries: String { uid("sr-series") }
    public var srInstance: String { uid("sr-instance") }
    public var pdfSeries: String { uid("encapsulated-pdf-series") }
    public var pdfInstance: String { uid("encapsulated-pdf-instance") }
    public var secondaryCaptureSeries: String { uid("secondary-capture-series") }
    /// One SC per source image, so the key image's UID is part of the input.
    public func secondaryCaptureInstance(source sopInstanceUID: String) -> String {
        uid("secondary-capture-instance", [sopInstanceUID])
    }
    /// The model as a device observer: the same for every study it reads.
    public var deviceObserver: String {
        UIDs.derived(from: [modelName], purpose: "device-observer", version: modelVersion, root: root)
    }
    public func trackingUID(group index: Int, label: String) -> String { uid("sr-tracking", [String(index), label]) }
}
