import Foundation
import Yams

/// The local places a pipeline watches or writes must stay apart. An outbox inside an inbox
/// has its outputs claimed as batches; a ledger inside an inbox is claimed itself; a spool
/// that is the inbox claims `processing/` and `archive/`; anything inside a spool folder is
/// moved or deleted with the batches there. So the loader refuses a layout in which one of
/// them (local inboxes, local outboxes, the spool's folders, the SQLite ledger) is, or lies
/// inside, another — compared after `..`, trailing slashes and existing symlinks are resolved.
extension ConfigReader {
    /// One configured location: the key and node it came from, and its resolved path.
    struct Place {
        enum Role { case inbox, outbox, spoolFolder, ledger }
        let role: Role
        let key: String
        let node: Node?
        /// The resolved path as messages show it, e.g. `its processing folder /srv/in/processing`.
        let shown: String
        let path: String
        var label: String { "'\(key)' (\(shown))" }
    }

    func refuseOverlaps(_ config: PipelineConfig, _ m: [String: Node], root: Node) throws(ConfigError) {
        var places: [Place] = []
        func add(_ role: Place.Role, _ key: String, _ node: Node?, _ path: String, folder: String? = nil, isDefault: Bool = false) {
            let resolved = Self.resolvingSymlinks(path)
            let shown = (folder.map { "its \($0) folder " } ?? "") + resolved + (isDefault ? ", the default" : "")
            places.append(Place(role: role, key: key, node: node, shown: shown, path: resolved))
        }
        // Keys as `inboxes(_:)` and `outboxes(_:)` name them.
        for (role, name) in [(Place.Role.inbox, "inbox"), (.outbox, "outbox")] {
            guard let node = m[name] else { continue }
            let items: [Node]
            if case .sequence(let seq) = node { items = Array(seq) } else { items = [node] }
            for (i, item) in items.enumerated() {
                let key = items.count > 1 ? "\(name)[\(i)]" : name
                if case .scalar = item {
                    add(role, key, item, try path(item, key))
                } else if case .mapping(let pairs) = item, let local = pairs.first(where: { $0.key.string == "local" })?.value {
                    add(role, key + ".local", local, try path(local, key + ".local"))
                }
            }
        }
        let spoolNode = m["spool"]
        let folders = [("processing", config.processingDirectory), ("archive", config.archiveDirectory),
                       ("error", config.errorDirectory), ("work", config.workDirectory)]
            + (config.usesMail ? [("mail", config.mailDirectory)] : [])
        for (name, folder) in folders {
            add(.spoolFolder, "spool", spoolNode ?? root, folder, folder: name, isDefault: spoolNode == nil)
        }
        if case .sqlite(let file) = config.ledger {
            add(.ledger, "ledger", m["ledger"] ?? spoolNode ?? root, file, isDefault: m["ledger"] == nil)
        }

        for (i, a) in places.enumerated() {
            for b in places[(i + 1)...] where !(a.role == .spoolFolder && b.role == .spoolFolder) {
                if a.path == b.path {
                    throw fail(b.node, b.key, "\(b.shown) is the same place as \(a.label); \(Self.why(a.role))")
                }
                if let (inner, outer) = Self.contains(a, b) ? (b, a) : Self.contains(b, a) ? (a, b) : nil {
                    throw fail(inner.node, inner.key, "\(inner.shown) lies inside \(outer.label); \(Self.why(outer.role))")
                }
            }
        }
    }

    /// Whether `inner` lies below `outer` (path components, so `var/inbox2` is not in `var/inbox`).
    static func contains(_ outer: Place, _ inner: Place) -> Bool {
        inner.path.hasPrefix(outer.path == "/" ? "/" : outer.path + "/")
    }

    static func why(_ outer: Place.Role) -> String {
        switch outer {
        case .inbox: "everything in an inbox is claimed as a batch; give each its own folder beside the inbox (e.g. var/inbox, var/outbox, spool var)"
        case .outbox: "everything in an outbox is published to its receiver; keep inputs, the spool and the ledger outside it"
        case .spoolFolder: "Sluice moves and deletes what lies in its spool folders (processing, archive, error, work, mail)"
        case .ledger: "the ledger is a file of its own"
        }
    }

    /// `path` with symlinks resolved as far as it exists (realpath of the longest existing
    /// prefix, the rest appended), so a link cannot hide that two places are one.
    static func resolvingSymlinks(_ path: String) -> String {
        var existing = path
        var rest: [String] = []
        while !existing.isEmpty {
            if let real = realpath(existing, nil) {
                defer { free(real) }
                let base = String(cString: real)
                guard !rest.isEmpty else { return base }
                return (base == "/" ? "" : base) + "/" + rest.reversed().joined(separator: "/")
            }
            if existing == "/" { break }
            rest.append((existing as NSString).lastPathComponent)
            existing = (existing as NSString).deletingLastPathComponent
        }
        return path
    }
}
