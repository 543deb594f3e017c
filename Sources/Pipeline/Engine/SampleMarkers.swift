import Foundation

/// Marks generated sample batches complete, as a careful uploader would: `READY` inside each
/// folder, `<name>.READY` beside each file or zip.
public enum SampleMarkers {
    public static func mark(_ directory: String, marker: String) throws {
        for name in try FileManager.default.contentsOfDirectory(atPath: directory) where !name.hasPrefix(".") && !name.hasSuffix("." + marker) {
            let path = directory + "/" + name
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { continue }
            let markerPath = isDirectory.boolValue ? path + "/" + marker : path + "." + marker
            try Data().write(to: URL(fileURLWithPath: markerPath))
        }
    }
}
