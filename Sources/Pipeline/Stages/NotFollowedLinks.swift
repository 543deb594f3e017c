import Delivery
import Foundation

/// The symbolic links an SFTP download found and did not follow, kept beside the batch's input
/// (`processing/<id>/.sluice-links`, a JSON array of paths from the input's name down). The
/// unpack stage records them as the local walk records its own links — in this process, after a
/// restart, or in a rerun from `archive/<id>/`, where the note travels with the input. Nothing
/// of what a link points at is in the spool.
enum NotFollowedLinks {
    static let fileName = ".sluice-links"
    /// The reason every not-followed link is recorded with, local or remote.
    static let reason = "symbolic link, not followed"

    /// Writes the note beside `input` (or removes it when there is nothing to say: a resumed
    /// download rewrites it).
    static func record(_ paths: [String], besideInput input: String, permissions: SpoolPermissions) throws {
        let note = (input as NSString).deletingLastPathComponent + "/" + fileName
        guard !paths.isEmpty else {
            unlink(note)
            return
        }
        try FileIO.writeAtomically(try JSONEncoder().encode(paths.sorted()), to: note, permissions: permissions)
    }

    /// The note beside `input`; empty when there is none (a local batch, or nothing was skipped).
    static func read(besideInput input: String) throws -> [String] {
        let note = (input as NSString).deletingLastPathComponent + "/" + fileName
        guard let data = FileManager.default.contents(atPath: note) else { return [] }
        return try JSONDecoder().decode([String].self, from: data)
    }
}
