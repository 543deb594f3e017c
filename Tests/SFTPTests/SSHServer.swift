import Foundation
import TestSupport

/// A real OpenSSH sshd on 127.0.0.1 with its own host key, user keys and config in a temp
/// folder, serving `internal-sftp` as the current user. Stopped (with every session process
/// it forked) by `stop()` or `kill()`.
final class SSHServer: @unchecked Sendable {
    let dir: TemporaryDirectory
    let port: Int
    var config: String { dir.file("sshd_config") }
    var hostKey: String { dir.file("host_ed25519") }
    /// Authorized for the account: an ed25519 and an RSA key.
    var userKey: String { dir.file("user_ed25519") }
    var rsaUserKey: String { dir.file("user_rsa") }
    /// Not authorized anywhere.
    var strangerKey: String { dir.file("stranger_ed25519") }
    var knownHosts: String { dir.file("known_hosts") }
    /// A folder the tests use as the remote tree (served by absolute path).
    var root: String { dir.file("root") }
    let user: String
    /// RLIMIT_FSIZE for sshd and its sessions, in bytes (a multiple of 512).
    let fileSizeLimit: Int?
    private var pid: Int32?

    /// `readOnly` serves `internal-sftp -R`: every write is refused with "permission denied",
    /// as for a read-only account (file modes would not stop the root user the tests may run as).
    /// `sftpOptions` are further internal-sftp flags, e.g. `-P posix-rename@openssh.com` to deny
    /// a request as stricter servers do. `sshdOptions` are further sshd_config lines.
    /// `fileSizeLimit` makes writes past that size fail (EFBIG, SIGXFSZ ignored) the way a full
    /// disk or a quota does: sftp-server answers them SSH_FX_FAILURE.
    init(readOnly: Bool = false, sftpOptions: String = "", sshdOptions: String = "", fileSizeLimit: Int? = nil) throws {
        self.fileSizeLimit = fileSizeLimit
        dir = try TemporaryDirectory("sluice-sshd")
        user = try ProcessInfo.processInfo.environment["USER"].flatMap { $0.isEmpty ? nil : $0 } ?? (runProcess("id", ["-un"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        port = try Self.freePort()
        for (name, type) in [("host_ed25519", "ed25519"), ("user_ed25519", "ed25519"), ("user_rsa", "rsa"), ("stranger_ed25519", "ed25519")] {
            let r = try runProcess("ssh-keygen", ["-q", "-t", type] + (type == "rsa" ? ["-b", "2048"] : []) + ["-N", "", "-C", name, "-f", dir.file(name)])
            guard r.status == 0 else { throw ServerError("ssh-keygen failed: \(r.stderr)") }
        }
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let authorized = try String(contentsOfFile: userKey + ".pub", encoding: .utf8) + (try String(contentsOfFile: rsaUserKey + ".pub", encoding: .utf8))
        try authorized.write(toFile: dir.file("authorized_keys"), atomically: true, encoding: .utf8)
        try """
        Port \(port)
        ListenAddress 127.0.0.1
        HostKey \(hostKey)
        PidFile \(dir.file("sshd.pid"))
        AuthorizedKeysFile \(dir.file("authorized_keys"))
        StrictModes no
        UsePAM no
        PermitRootLogin prohibit-password
        PasswordAuthentication no
        KbdInteractiveAuthentication no
        Subsystem sftp internal-sftp\(readOnly ? " -R" : "") \(sftpOptions)
        LogLevel ERROR
        \(sshdOptions)

        """.write(toFile: config, atomically: true, encoding: .utf8)
        let hostPub = try String(contentsOfFile: hostKey + ".pub", encoding: .utf8)
        try "[127.0.0.1]:\(port) \(hostPub)".write(toFile: knownHosts, atomically: true, encoding: .utf8)
        // Debian's sshd refuses to start without its privilege-separation folder.
        try? FileManager.default.createDirectory(atPath: "/run/sshd", withIntermediateDirectories: true)
        try start()
    }

    /// sshd's log (`-e`).
    var log: String { (try? String(contentsOfFile: dir.file("sshd.log"), encoding: .utf8)) ?? "" }

    var url: String { "sftp://\(user)@127.0.0.1:\(port)\(root)" }

    /// Started through `sh … &` rather than as a Foundation `Process` child: Foundation's child
    /// reaper blocks on a long-lived child and then never reaps the short ones `runProcess` starts.
    func start() throws {
        let limit = fileSizeLimit.map { "trap '' XFSZ; ulimit -f \($0 / 512); " } ?? ""
        let r = try runProcess("sh", ["-c", "(\(limit)exec /usr/sbin/sshd -D -e -f \"$1\" </dev/null >>\"$2\" 2>&1) & echo $!", "sh", config, dir.file("sshd.log")])
        guard let started = Int32(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) else { throw ServerError("cannot start sshd: \(r.stderr)") }
        pid = started
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if Self.canConnect(port) { return }
            guard Self.isAlive(started) else {
                throw ServerError("sshd exited at once: \((try? String(contentsOfFile: dir.file("sshd.log"), encoding: .utf8)) ?? "")")
            }
            usleep(20_000)
        }
        throw ServerError("sshd did not listen on port \(port)")
    }

    /// SIGKILLs the listener and every session process it forked, as a crash or a cut
    /// network would; open connections die with them.
    func kill() {
        guard let root = pid else { return }
        let pids = Self.descendants(of: root) + [root]
        for p in pids { Foundation.kill(p, SIGKILL) }
        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline, pids.contains(where: Self.isAlive) { usleep(10_000) }
        pid = nil
    }

    /// The per-connection processes (not the listener): stopping them freezes open sessions
    /// the way a stalled network does, without closing their sockets.
    func sessionPIDs() -> [Int32] {
        pid.map { Self.descendants(of: $0) } ?? []
    }

    /// Running (a zombie left for an init that does not reap counts as gone).
    static func isAlive(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = stat.lastIndex(of: ")") else { return false }
        return !stat[stat.index(after: close)...].hasPrefix(" Z")
    }

    func stop() {
        kill()
        dir.remove()
    }

    static func descendants(of root: Int32) -> [Int32] {
        var parent: [Int32: Int32] = [:]
        for name in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = Int32(name), let stat = try? String(contentsOfFile: "/proc/\(name)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { continue }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            if fields.count > 2, let ppid = Int32(fields[1]) { parent[pid] = ppid }
        }
        var result: [Int32] = []
        var frontier = [root]
        while let next = frontier.popLast() {
            for (pid, ppid) in parent where ppid == next {
                result.append(pid)
                frontier.append(pid)
            }
        }
        return result
    }

    static func freePort() throws -> Int {
        let r = try runPython("import socket\ns=socket.socket()\ns.bind(('127.0.0.1',0))\nprint(s.getsockname()[1])")
        guard let port = Int(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) else { throw ServerError("no free port") }
        return port
    }

    static func canConnect(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }
}

struct ServerError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
