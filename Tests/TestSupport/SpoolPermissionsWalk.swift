public import Foundation

/// Everything under `roots` (each root included; missing roots skipped), walked without following
/// links, whose permissions are not exactly `files` for regular files and `folders` for folders,
/// or whose group is not `group` when one is given: one line per offence, "path: 0644". A
/// symbolic link is an offence of its own ("path: symbolic link"): nothing Sluice writes is one.
public func permissionProblems(under roots: [String], files: mode_t = 0o600, folders: mode_t = 0o700,
                               group: gid_t? = nil) -> [String] {
    var problems: [String] = []
    func visit(_ path: String) {
        var st = stat()
        guard lstat(path, &st) == 0 else { return }
        let mode = st.st_mode & 0o7777
        switch st.st_mode & S_IFMT {
        case S_IFLNK:
            problems.append("\(path): symbolic link")
        case S_IFDIR:
            if mode != folders { problems.append("\(path): folder " + String(mode, radix: 8)) }
            if let group, st.st_gid != group { problems.append("\(path): group \(st.st_gid)") }
            for name in (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [] { visit(path + "/" + name) }
        case S_IFREG:
            if mode != files { problems.append("\(path): file " + String(mode, radix: 8)) }
            if let group, st.st_gid != group { problems.append("\(path): group \(st.st_gid)") }
        default:
            problems.append("\(path): not a file or folder")
        }
    }
    for root in roots { visit(root) }
    return problems
}

/// Every regular file under `root` (not following links) whose bytes contain `needle`.
public func filesContaining(_ needle: String, under root: String) -> [String] {
    let bytes = Data(needle.utf8)
    var found: [String] = []
    func visit(_ path: String) {
        var st = stat()
        guard lstat(path, &st) == 0 else { return }
        switch st.st_mode & S_IFMT {
        case S_IFDIR:
            for name in (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [] { visit(path + "/" + name) }
        case S_IFREG:
            if FileManager.default.contents(atPath: path)?.range(of: bytes) != nil { found.append(path) }
        default:
            break
        }
    }
    visit(root)
    return found.sorted()
}
