import Foundation

/// Why a zip batch was refused. `description` names the archive and entry, never file contents.
public struct ZipError: Error, Sendable, CustomStringConvertible {
    public enum Code: Sendable, Equatable {
        case cannotOpen(String)
        case unsafePath
        /// Unpacked, the entry's path would pass PATH_MAX: no program could open it by name.
        case pathTooLong(bytes: Int)
        case symlink
        case encrypted
        case tooManyEntries(limit: Int)
        case entryTooLarge(limit: UInt64)
        case totalTooLarge(limit: UInt64)
        case ratioTooHigh(ratio: Double, limit: Double)
        /// The entries together (declared, or as counted while inflating) against the archive's
        /// size on disk: `zip.max_archive_ratio`.
        case archiveRatioTooHigh(uncompressed: UInt64, archiveSize: UInt64, limit: Double)
        case sizeMismatch(declared: UInt64)
        case readFailed(String)
        case writeFailed(String)
    }

    public let code: Code
    public let archive: String
    public let entry: String?

    public init(_ code: Code, archive: String, entry: String? = nil) {
        self.code = code
        self.archive = archive
        self.entry = entry
    }

    public var description: String {
        // An entry name can be thousands of bytes long: shown by its ends.
        let at = entry.map { " entry '\($0.count > 120 ? $0.prefix(60) + "…" + $0.suffix(40) : Substring($0))'" } ?? ""
        switch code {
        case .cannotOpen(let why): return "\(archive): not a readable zip archive (\(why))"
        case .unsafePath: return "\(archive):\(at) has an absolute path or '..' component; refusing to unpack"
        case .pathTooLong(let bytes): return "\(archive):\(at) would be unpacked to a path of \(bytes) bytes, past PATH_MAX (\(PATH_MAX)); refusing to unpack"
        case .symlink: return "\(archive):\(at) is a symbolic link; links are not unpacked"
        case .encrypted: return "\(archive):\(at) is encrypted; encrypted entries are not supported"
        case .tooManyEntries(let limit): return "\(archive): more than \(limit) entries (limit zip.max_entries)"
        case .entryTooLarge(let limit):
            return "\(archive):\(at) uncompressed size exceeds \(limit) bytes (limit zip.max_entry_size)"
        case .totalTooLarge(let limit):
            return "\(archive): total uncompressed size exceeds \(limit) bytes (limit zip.max_total_size) — possible zip bomb"
        case .ratioTooHigh(let ratio, let limit):
            return "\(archive):\(at) compression ratio \(Int(ratio)):1 exceeds \(Int(limit)):1 (limit zip.max_ratio) — possible zip bomb"
        case .archiveRatioTooHigh(let uncompressed, let size, let limit):
            let ratio = Double(uncompressed) / Double(max(size, 1))
            return "\(archive): entries inflate to \(uncompressed) bytes from an archive of \(size) bytes, ratio \(Int(ratio)):1 over the whole archive exceeds \(Int(limit)):1 (limit zip.max_archive_ratio) — possible zip bomb"
        case .sizeMismatch(let declared):
            return "\(archive):\(at) inflates past its declared size of \(declared) bytes — corrupt or hostile archive"
        case .readFailed(let why): return "\(archive):\(at) cannot be read: \(why)"
        case .writeFailed(let why): return "\(archive):\(at) cannot be written: \(why)"
        }
    }
}
