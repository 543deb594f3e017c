// TEMPORARY (lead's local build only; deleted before merging helper/dicom).
public struct Tag: Hashable, Sendable { public let group: UInt16; public let element: UInt16
  public init(_ g: UInt16, _ e: UInt16) { group = g; element = e } }
public enum DataDictionary { public struct Entry { public let tag: Tag }
  public static func entry(forKeyword k: String) -> Entry? { k == "PatientID" ? Entry(tag: Tag(0x10, 0x20)) : nil } }
