public import Foundation

/// File names as the file system holds them: bytes. Nearly all are UTF-8; one that is not (a
/// Latin-1 name from a Windows tool) is shown, recorded and processed by an escaped form that
/// writes each byte outside valid UTF-8 as `\xNN`, so it can neither vanish from a listing
/// (a lossy decoding names a file that does not exist) nor reach a log or terminal raw.
public enum FileNames {
    /// The entries of an open directory, except `.` and `..`, with the type readdir reports
    /// (DT_UNKNOWN where the file system does not say), sorted by bytes.
    public static func entries(ofDirectory fd: Int32) -> [(name: [UInt8], type: UInt8)]? {
        let copy = dup(fd)
        guard copy >= 0, let dir = fdopendir(copy) else {
            if copy >= 0 { close(copy) }
            return nil
        }
        defer { closedir(dir) }
        var out: [(name: [UInt8], type: UInt8)] = []
        while let entry = readdir(dir) {
            let type = entry.pointee.d_type
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw -> [UInt8] in
                Array(raw.prefix(strlen(raw.baseAddress!.assumingMemoryBound(to: CChar.self))))
            }
            if name == [0x2E] || name == [0x2E, 0x2E] { continue }
            out.append((name, type))
        }
        // Byte order is code point order for UTF-8: the same as String's for NFC names.
        out.sort { $0.name.lexicographicallyPrecedes($1.name) }
        return out
    }

    /// The name as a String when it is valid UTF-8 without NUL, else nil.
    public static func utf8(_ bytes: [UInt8]) -> String? {
        guard !bytes.contains(0) else { return nil }
        return String(validating: bytes, as: UTF8.self)
    }

    /// Valid UTF-8 as it is; every byte of an invalid sequence as `\xNN`.
    public static func escaped(_ bytes: [UInt8]) -> String {
        if let s = utf8(bytes) { return s }
        var out = ""
        var i = 0
        while i < bytes.count {
            let n = validSequenceLength(bytes, at: i)
            if n > 0 {
                out += String(decoding: bytes[i..<i + n], as: UTF8.self)
                i += n
            } else {
                out += String(format: "\\x%02X", bytes[i])
                i += 1
            }
        }
        return out
    }

    /// Length of the valid UTF-8 sequence starting at `i`, or 0.
    static func validSequenceLength(_ b: [UInt8], at i: Int) -> Int {
        let c = b[i]
        let n: Int
        switch c {
        case 0x01...0x7F: return 1
        case 0xC2...0xDF: n = 2
        case 0xE0...0xEF: n = 3
        case 0xF0...0xF4: n = 4
        default: return 0
        }
        guard i + n <= b.count else { return 0 }
        return String(validating: b[i..<i + n], as: UTF8.self) == nil ? 0 : n
    }

    /// lstat of `name` in the directory `fd`, without following a link.
    public static func lstat(_ name: [UInt8], in fd: Int32) -> stat? {
        var st = stat()
        let ok = withCString(name) { fstatat(fd, $0, &st, AT_SYMLINK_NOFOLLOW) } == 0
        return ok ? st : nil
    }

    /// Opens the folder `name` in the directory `fd` (not through a link); -1 with errno set.
    public static func openDirectory(_ name: [UInt8], in fd: Int32) -> Int32 {
        withCString(name) { openat(fd, $0, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) }
    }

    public static func withCString<R>(_ name: [UInt8], _ body: (UnsafePointer<CChar>) -> R) -> R {
        (name + [0]).withUnsafeBufferPointer { p in
            p.withMemoryRebound(to: CChar.self) { body($0.baseAddress!) }
        }
    }
}
