public import CLibSSH
import Checksum
public import Foundation

/// One logged-in SFTP session. libssh blocks and a session must stay on one thread, so every
/// call runs on the connection's own serial queue, never on Swift's cooperative pool; the async
/// methods just wait for that queue.
public final class SFTPConnection: @unchecked Sendable {
    public let endpoint: SFTPEndpoint
    /// Bytes per SFTP read request (and per write on the fallback path). OpenSSH's sftp-server
    /// accepts messages up to 256 KiB.
    public static let chunkSize = 64 * 1024
    /// Read requests kept in flight while downloading, so throughput is not one round trip per chunk.
    public static let readWindow = 32

    private let queue: DispatchQueue
    private let stall: SFTPStallWatch
    // Touched only on `queue`.
    private var session: OpaquePointer?
    private var sftp: sftp_session?
    /// Opened on first use; `sideRefused` once the server refused it on this connection.
    private var side: SFTPSideChannel?
    private var sideRefused = false

    private init(endpoint: SFTPEndpoint, stallLimit: Duration) {
        self.endpoint = endpoint
        stall = SFTPStallWatch(limit: stallLimit)
        queue = DispatchQueue(label: "sluice.sftp.\(endpoint.host)")
    }

    deinit {
        stall.disarm()
        side?.close()
        if let sftp { sftp_free(sftp) }
        if let session {
            ssh_disconnect(session)
            ssh_free(session)
        }
    }

    /// Connects, checks the host key against `credentials.knownHosts`, logs in and starts SFTP.
    /// `timeout` bounds connecting and also any stretch of an operation without progress.
    public static func connect(
        to endpoint: SFTPEndpoint, credentials: SFTPCredentials, timeout: Duration = .seconds(20)
    ) async throws -> SFTPConnection {
        let connection = SFTPConnection(endpoint: endpoint, stallLimit: timeout)
        try await connection.run { try connection.establish(credentials: credentials, timeout: timeout) }
        return connection
    }

    public func close() async {
        try? await run { self.shutdown() }
    }

    // MARK: - Operations

    /// Entries of a remote folder, without `.` and `..`; with `recursive`, the entries of every
    /// subfolder follow (paths tell them apart). A symbolic link is reported as one
    /// (`isSymlink`, from the type readdir gives, which OpenSSH takes with lstat) and neither
    /// entered nor stat'ed; with `followLinks` it is stat'ed and listed as what it points at
    /// (a dangling link stays a link).
    public func list(_ path: String, recursive: Bool = false, followLinks: Bool = false) async throws -> [SFTPRemoteFile] {
        try await run { try self.listSync(path, recursive: recursive, followLinks: followLinks) }
    }

    /// nil when nothing exists at `path`. Follows symbolic links.
    public func stat(_ path: String) async throws -> SFTPRemoteFile? {
        try await run { try self.statSync(path) }
    }

    /// nil when nothing exists at `path`. A symbolic link is described itself (`isSymlink`),
    /// not what it points at.
    public func lstat(_ path: String) async throws -> SFTPRemoteFile? {
        try await run { try self.statSync(path, followLinks: false) }
    }

    /// Creates `path` and any missing parents (mkdir -p).
    public func makeDirectories(_ path: String) async throws {
        try await run { try self.makeDirectoriesSync(path) }
    }

    /// Streams a local file to `remote` with pipelined writes. With `resume`, bytes already
    /// present at `remote` (a previous attempt's partial upload) are kept and only the rest, from
    /// one write window below their end, is sent. Returns the number of bytes the remote file
    /// now holds.
    @discardableResult
    public func upload(from local: String, to remote: String, resume: Bool = false) async throws -> Int64 {
        try await run { try self.uploadSync(from: local, to: remote, resume: resume) }
    }

    /// Streams `remote` into a local file with pipelined reads. With `resume`, an existing
    /// shorter local file is continued rather than rewritten. The local file gets exactly
    /// `mode` (owner-only by default: what comes from an inbox is patient data). `expecting`:
    /// what an lstat of `remote` found; the file opened (SFTP's OPEN follows links) must have its
    /// size and mtime, or nothing is read — a link swapped in after the lstat is refused unless
    /// its target happens to match both.
    @discardableResult
    public func download(from remote: String, to local: String, resume: Bool = false, mode: mode_t = 0o600,
                         expecting: SFTPRemoteFile? = nil) async throws -> Int64 {
        try await run { try self.readRemote(remote, localPath: local, resume: resume, mode: mode, expecting: expecting) }
    }

    /// Plain SFTP rename: fails when `destination` exists (SFTP v3 semantics on OpenSSH).
    public func rename(_ source: String, to destination: String) async throws {
        try await run { try self.renameSync(source, to: destination) }
    }

    /// Puts the complete file `source` at `destination`, replacing what is there. The old file
    /// is moved aside, never deleted, until the new one holds the name; see `replaceSync`.
    public func replace(_ destination: String, with source: String) async throws {
        try await run { try self.replaceSync(destination, with: source) }
    }

    /// Writes small bytes (a claim note, a probe) to `remote`, replacing what is there.
    public func write(_ data: Data, to remote: String) async throws {
        try await run { try self.writeSync(data, to: remote) }
    }

    public func remove(_ path: String) async throws {
        try await run { try self.removeSync(path) }
    }

    /// Removes a file or a whole folder tree.
    public func removeRecursively(_ path: String) async throws {
        try await run { try self.removeTreeSync(path) }
    }

    /// SHA-256 (hex) of a remote file, computed while streaming it; nothing is stored locally.
    public func sha256(of remote: String) async throws -> String {
        try await run { try self.sha256Sync(remote) }
    }

    // MARK: - Queue plumbing

    private func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                queue.async { [stall] in
                    stall.begin()
                    defer { stall.end() }
                    continuation.resume(with: Result { try body() })
                }
            }
        } onCancel: { [stall] in
            stall.cancel()
        }
    }

    private func establish(credentials: SFTPCredentials, timeout: Duration) throws {
        guard let s = ssh_new() else { throw SFTPError(.connect, detail: "libssh could not allocate a session") }
        session = s
        var port = UInt32(endpoint.port)
        var seconds = Int(timeout.components.seconds)
        var processConfig = false
        // Request/response traffic: without TCP_NODELAY, Nagle plus delayed ACKs stall every write ~40 ms.
        var noDelay: Int32 = 1
        var options: [Int32] = []
        endpoint.host.withCString { options.append(ssh_options_set(s, SSH_OPTIONS_HOST, $0)) }
        endpoint.user.withCString { options.append(ssh_options_set(s, SSH_OPTIONS_USER, $0)) }
        options.append(ssh_options_set(s, SSH_OPTIONS_PORT, &port))
        options.append(ssh_options_set(s, SSH_OPTIONS_TIMEOUT, &seconds))
        options.append(ssh_options_set(s, SSH_OPTIONS_NODELAY, &noDelay))
        // Only the configured known_hosts decides; ~/.ssh/config and /etc/ssh never do.
        options.append(ssh_options_set(s, SSH_OPTIONS_PROCESS_CONFIG, &processConfig))
        credentials.knownHosts.withCString { options.append(ssh_options_set(s, SSH_OPTIONS_KNOWNHOSTS, $0)) }
        options.append(ssh_options_set(s, SSH_OPTIONS_GLOBAL_KNOWNHOSTS, "/dev/null"))
        guard options.allSatisfy({ $0 == SSH_OK }) else {
            throw SFTPError(.connect, detail: "libssh rejected an option: \(lastError)")
        }
        guard ssh_connect(s) == SSH_OK else {
            throw SFTPError(.connect, path: "\(endpoint.host):\(endpoint.port)", detail: lastError)
        }
        stall.arm(fd: ssh_get_fd(s))
        try SFTPKnownHosts.verify(session: s, endpoint: endpoint, knownHosts: credentials.knownHosts)
        try authenticate(s, credentials.method)
        guard let channel = sftp_new(s) else { throw SFTPError(.connect, detail: "cannot open SFTP channel: \(lastError)") }
        sftp = channel
        guard sftp_init(channel) == SSH_OK else { throw SFTPError(.connect, detail: "SFTP subsystem refused: \(lastError)") }
    }

    private func authenticate(_ s: OpaquePointer, _ method: SFTPCredentials.Method) throws {
        let who = "user \(endpoint.user) at \(endpoint.host):\(endpoint.port)"
        switch method {
        case .identity(let path, let passphraseSecret):
            let passphrase = try passphraseSecret?.reveal()
            var key: OpaquePointer?
            let imported = ssh_pki_import_privkey_file(path, passphrase, nil, nil, &key)
            guard imported == SSH_OK, let key else {
                let readable = FileManager.default.isReadableFile(atPath: path)
                throw SFTPError(.credentials, path: path, detail: readable
                    ? "cannot load the private key (wrong passphrase, or not an ed25519/RSA/ECDSA key)"
                    : "private key file cannot be read")
            }
            defer { ssh_key_free(key) }
            let result = ssh_userauth_publickey(s, nil, key)
            guard result == SSH_AUTH_SUCCESS.rawValue else {
                let fingerprint = SFTPHostKey(key)
                throw SFTPError(.authentication, path: path, detail: result == SSH_AUTH_DENIED.rawValue
                    ? "the server refused the key \(fingerprint.fingerprint) (\(fingerprint.family)) for \(who); is its public key in that account's authorized_keys?"
                    : "key authentication failed for \(who): \(lastError)")
            }
        case .password(let secret):
            let password = try secret.reveal()
            let result = ssh_userauth_password(s, nil, password)
            guard result == SSH_AUTH_SUCCESS.rawValue else {
                throw SFTPError(.authentication, detail: result == SSH_AUTH_DENIED.rawValue
                    ? "the server refused the password for \(who)"
                    : "password authentication failed for \(who): \(lastError)")
            }
        }
    }

    private func shutdown() {
        stall.disarm()
        side?.close()
        side = nil
        if let sftp { sftp_free(sftp) }
        sftp = nil
        if let session {
            ssh_disconnect(session)
            ssh_free(session)
        }
        session = nil
    }

    private var lastError: String {
        guard let session else { return "no session" }
        return String(cString: ssh_get_error(UnsafeMutableRawPointer(session)))
    }

    private func channel() throws -> sftp_session {
        guard let sftp, let session, ssh_is_connected(session) != 0 else {
            throw SFTPError(.connectionLost, detail: "the connection is closed")
        }
        return sftp
    }

    /// The side channel, opened on first use; nil when the server refuses a second channel, and
    /// callers then use libssh's own calls.
    private func sideChannel() throws -> SFTPSideChannel? {
        if let side { return side }
        guard !sideRefused, let session else { return nil }
        do {
            side = try SFTPSideChannel.open(session: session)
        } catch let error as SFTPError {
            throw sideFailure(error)
        }
        if side == nil {
            guard !stall.hasTripped else { throw sideFailure(SFTPError(.connectionLost, detail: "cannot open an SFTP side channel")) }
            sideRefused = true
        }
        return side
    }

    /// Runs `body` on the side channel; closes the channel afterwards if `body` left it unusable.
    private func onSide<T>(_ side: SFTPSideChannel, _ body: (SFTPSideChannel) throws -> T) throws -> T {
        defer {
            if !side.isUsable {
                side.close()
                self.side = nil
            }
        }
        do {
            return try body(side)
        } catch let error as SFTPError {
            throw sideFailure(error)
        }
    }

    /// A side channel's transport error, named as `failure` names libssh's: cancelled, or cut
    /// for lack of progress, when the stall watch did it.
    private func sideFailure(_ error: SFTPError) -> SFTPError {
        guard error.code == .connectionLost else { return error }
        if stall.wasCancelled {
            return SFTPError(.cancelled, path: error.path, detail: "\(error.detail): the task was cancelled; connection cut")
        }
        if stall.hasTripped {
            return SFTPError(.connectionLost, path: error.path, detail: "\(error.detail): no progress for the timeout; connection cut")
        }
        return error
    }

    /// Maps the last failure to an error; a dead transport wins over a stale SFTP status.
    private func failure(_ path: String, _ action: String) -> SFTPError {
        guard let session, let sftp else { return SFTPError(.connectionLost, path: path, detail: action) }
        if stall.wasCancelled {
            return SFTPError(.cancelled, path: path, detail: "\(action): the task was cancelled; connection cut")
        }
        if stall.hasTripped {
            return SFTPError(.connectionLost, path: path, detail: "\(action): no progress for the timeout; connection cut")
        }
        if ssh_is_connected(session) == 0 || ssh_get_error_code(UnsafeMutableRawPointer(session)) == SSH_FATAL.rawValue {
            return SFTPError(.connectionLost, path: path, detail: "\(action): \(lastError)")
        }
        switch sftp_get_error(sftp) {
        case SSH_FX_NO_SUCH_FILE, SSH_FX_NO_SUCH_PATH:
            return SFTPError(.noSuchFile, path: path, detail: action)
        case SSH_FX_PERMISSION_DENIED, SSH_FX_WRITE_PROTECT:
            return SFTPError(.permissionDenied, path: path, detail: "\(action) refused by the server")
        case SSH_FX_CONNECTION_LOST, SSH_FX_NO_CONNECTION:
            return SFTPError(.connectionLost, path: path, detail: action)
        default:
            return SFTPError(.failure, path: path, detail: "\(action): \(lastError)")
        }
    }

    private func file(from a: sftp_attributes, name: String, path: String) -> SFTPRemoteFile {
        SFTPRemoteFile(
            name: name, path: path, size: Int64(a.pointee.size),
            modification: Date(timeIntervalSince1970: Double(a.pointee.mtime)),
            isDirectory: a.pointee.type == UInt8(SSH_FILEXFER_TYPE_DIRECTORY),
            isSymlink: a.pointee.type == UInt8(SSH_FILEXFER_TYPE_SYMLINK))
    }

    // MARK: - Synchronous bodies (on `queue`)

    private func listSync(_ path: String, recursive: Bool, followLinks: Bool) throws -> [SFTPRemoteFile] {
        let sftp = try channel()
        guard let dir = sftp_opendir(sftp, path) else { throw failure(path, "list folder") }
        var entries: [SFTPRemoteFile] = []
        while let a = sftp_readdir(sftp, dir) {
            defer { sftp_attributes_free(a) }
            let name = String(cString: a.pointee.name)
            if name == "." || name == ".." { continue }
            let full = path == "/" ? "/" + name : path + "/" + name
            var entry = file(from: a, name: name, path: full)
            if followLinks, a.pointee.type == UInt8(SSH_FILEXFER_TYPE_SYMLINK), let target = sftp_stat(sftp, full) {
                entry = file(from: target, name: name, path: full)
                sftp_attributes_free(target)
            }
            entries.append(entry)
        }
        let complete = sftp_dir_eof(dir) != 0
        sftp_closedir(dir)
        guard complete else { throw failure(path, "list folder") }
        entries.sort { $0.name < $1.name }
        if recursive {
            for folder in entries where folder.isDirectory {
                entries += try listSync(folder.path, recursive: true, followLinks: followLinks)
            }
        }
        return entries
    }

    private func statSync(_ path: String, followLinks: Bool = true) throws -> SFTPRemoteFile? {
        let sftp = try channel()
        guard let a = followLinks ? sftp_stat(sftp, path) : sftp_lstat(sftp, path) else {
            let error = failure(path, followLinks ? "stat" : "lstat")
            if error.code == .noSuchFile { return nil }
            throw error
        }
        defer { sftp_attributes_free(a) }
        return file(from: a, name: (path as NSString).lastPathComponent, path: path)
    }

    private func makeDirectoriesSync(_ path: String) throws {
        let sftp = try channel()
        var current = ""
        for component in path.split(separator: "/") {
            current += "/" + component
            if let existing = try statSync(current) {
                guard existing.isDirectory else { throw SFTPError(.failure, path: current, detail: "exists and is not a folder") }
                continue
            }
            if sftp_mkdir(sftp, current, 0o755) != 0 {
                let error = failure(current, "create folder")
                // Another worker may have created it in between.
                if try statSync(current)?.isDirectory != true { throw error }
            }
        }
    }

    private func uploadSync(from local: String, to remote: String, resume: Bool) throws -> Int64 {
        let sftp = try channel()
        let fd = LocalFile.open(local, O_RDONLY)
        guard fd >= 0 else { throw SFTPError(.local, path: local, detail: String(cString: strerror(errno))) }
        defer { LocalFile.close(fd) }
        guard let total = LocalFile.size(fd) else { throw SFTPError(.local, path: local, detail: String(cString: strerror(errno))) }
        var offset: Int64 = 0
        var truncate = true
        if resume, let partial = try statSync(remote), !partial.isDirectory, partial.size <= total {
            offset = SFTPWriteWindow.resumeOffset(
                remoteSize: partial.size, chunk: SFTPSideChannel.preferredChunk, depth: SFTPSideChannel.depth)
            truncate = false
        }
        if let side = try sideChannel() {
            try onSide(side) { side in
                try side.upload(from: fd, localPath: local, size: total, to: remote, from: offset, truncate: truncate) { stall.progress() }
            }
            return total
        }
        return try uploadOneWriteAtATime(sftp, fd: fd, local: local, total: total, to: remote, from: offset, truncate: truncate)
    }

    /// libssh's `sftp_write`, which waits for each reply: for servers that refuse a side channel.
    private func uploadOneWriteAtATime(
        _ sftp: sftp_session, fd: Int32, local: String, total: Int64, to remote: String, from start: Int64, truncate: Bool
    ) throws -> Int64 {
        var offset = start
        let flags = O_WRONLY | O_CREAT | (truncate ? O_TRUNC : 0)
        guard let handle = sftp_open(sftp, remote, flags, 0o644) else { throw failure(remote, "open for writing") }
        var closed = false
        defer { if !closed { sftp_close(handle) } }
        if offset > 0 {
            guard sftp_seek64(handle, UInt64(offset)) == 0, lseek(fd, off_t(offset), SEEK_SET) == off_t(offset) else {
                throw SFTPError(.failure, path: remote, detail: "cannot seek to resume")
            }
        }
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: Self.chunkSize, alignment: 16)
        defer { buffer.deallocate() }
        while offset < total {
            let n = read(fd, buffer, Self.chunkSize)
            if n < 0 { throw SFTPError(.local, path: local, detail: String(cString: strerror(errno))) }
            if n == 0 { break }
            var done = 0
            while done < n {
                let w = sftp_write(handle, buffer + done, n - done)
                if w <= 0 { throw failure(remote, "write") }
                done += w
            }
            offset += Int64(n)
            stall.progress()
        }
        if sftp_extension_supported(sftp, "fsync@openssh.com", "1") != 0 {
            guard sftp_fsync(handle) == 0 else { throw failure(remote, "fsync") }
        }
        closed = true
        guard sftp_close(handle) == 0 else { throw failure(remote, "close after writing") }
        return offset
    }

    private func writeSync(_ data: Data, to remote: String) throws {
        let sftp = try channel()
        guard let handle = sftp_open(sftp, remote, O_WRONLY | O_CREAT | O_TRUNC, 0o644) else { throw failure(remote, "open for writing") }
        var written = 0
        data.withUnsafeBytes { raw in
            while written < raw.count {
                let w = sftp_write(handle, raw.baseAddress! + written, min(Self.chunkSize, raw.count - written))
                if w <= 0 { break }
                written += w
            }
        }
        let closed = sftp_close(handle) == 0
        guard written == data.count, closed else { throw failure(remote, "write") }
    }

    private func sha256Sync(_ remote: String) throws -> String {
        var hasher = SHA256()
        _ = try streamRemote(remote, from: 0) { bytes, _ in hasher.update(bytes) }
        return hasher.finalize().hexString
    }

    /// Download into `localPath`, continuing a shorter existing file when `resume` is set.
    private func readRemote(_ remote: String, localPath: String, resume: Bool, mode: mode_t, expecting: SFTPRemoteFile?) throws -> Int64 {
        let flags = O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC | (resume ? 0 : O_TRUNC)
        let fd = LocalFile.open(localPath, flags, mode: mode)
        guard fd >= 0 else { throw SFTPError(.local, path: localPath, detail: String(cString: strerror(errno))) }
        defer { LocalFile.close(fd) }
        // Exactly `mode`, whatever the umask, also for a partial file an older version left.
        guard fchmod(fd, mode) == 0 else { throw SFTPError(.local, path: localPath, detail: String(cString: strerror(errno))) }
        var start = resume ? LocalFile.size(fd) ?? 0 : 0
        if start > 0, let remoteSize = try statSync(remote)?.size, start > remoteSize {
            // Not a prefix of this file: start over.
            guard ftruncate(fd, 0) == 0 else { throw SFTPError(.local, path: localPath, detail: String(cString: strerror(errno))) }
            start = 0
        }
        var localFailure: Int32 = 0
        let size = try streamRemote(remote, from: start, expecting: expecting) { bytes, offset in
            guard localFailure == 0 else { return }
            var done = 0
            while done < bytes.count {
                let w = pwrite(fd, bytes.baseAddress! + done, bytes.count - done, off_t(offset) + off_t(done))
                if w < 0 { localFailure = errno; return }
                done += w
            }
        }
        if localFailure != 0 { throw SFTPError(.local, path: localPath, detail: String(cString: strerror(localFailure))) }
        guard ftruncate(fd, off_t(size)) == 0, fsync(fd) == 0 else {
            throw SFTPError(.local, path: localPath, detail: String(cString: strerror(errno)))
        }
        return size
    }

    /// Reads `remote` from `start` to the size it had when opened, keeping `readWindow` requests
    /// in flight; hands each chunk with its offset to `sink`, in order. Returns the remote size.
    private func streamRemote(_ remote: String, from start: Int64, expecting: SFTPRemoteFile? = nil,
                              sink: (UnsafeRawBufferPointer, Int64) -> Void) throws -> Int64 {
        let sftp = try channel()
        guard let handle = sftp_open(sftp, remote, O_RDONLY, 0) else { throw failure(remote, "open for reading") }
        defer { sftp_close(handle) }
        guard let attributes = sftp_fstat(handle) else { throw failure(remote, "stat") }
        let size = Int64(attributes.pointee.size)
        let mtime = Int64(attributes.pointee.mtime)
        sftp_attributes_free(attributes)
        if let expecting, size != expecting.size || mtime != Int64(expecting.modification.timeIntervalSince1970) {
            throw SFTPError(.failure, path: remote, detail: "the file opened is not the one listed (size or mtime differ): replaced, perhaps by a link; not read")
        }
        if start > size { throw SFTPError(.sizeMismatch, path: remote, detail: "local partial copy is longer than the remote file") }
        let chunk = Self.chunkSize
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: chunk, alignment: 16)
        defer { buffer.deallocate() }
        var pending: [(id: UInt32, offset: Int64, length: Int)] = []
        var next = start
        var received = start
        while received < size {
            while pending.count < Self.readWindow && next < size {
                let length = Int(min(Int64(chunk), size - next))
                guard sftp_seek64(handle, UInt64(next)) == 0 else { throw failure(remote, "seek") }
                let id = sftp_async_read_begin(handle, UInt32(length))
                if id < 0 { throw failure(remote, "read") }
                pending.append((UInt32(id), next, length))
                next += Int64(length)
            }
            guard !pending.isEmpty else { break }
            let request = pending.removeFirst()
            let n = sftp_async_read(handle, buffer, UInt32(chunk), request.id)
            if n < 0 { throw failure(remote, "read") }
            if n > 0 { sink(UnsafeRawBufferPointer(start: buffer, count: Int(n)), request.offset) }
            stall.progress()
            received = request.offset + Int64(n)
            if n < request.length {
                // Short read (the file shrank, or the server capped it): collect the answers
                // already asked for, then continue from the first missing byte.
                for other in pending { _ = sftp_async_read(handle, buffer, UInt32(chunk), other.id) }
                pending.removeAll()
                if n == 0 { break }
                next = received
            }
        }
        guard received == size else {
            throw SFTPError(.sizeMismatch, path: remote, detail: "received \(received) of \(size) bytes")
        }
        return size
    }

    private func renameSync(_ source: String, to destination: String) throws {
        let sftp = try channel()
        guard sftp_rename(sftp, source, destination) == 0 else { throw failure(source, "rename") }
    }

    /// SFTP v3's RENAME refuses an existing target. With OpenSSH's posix-rename extension the
    /// replace is one atomic rename(2). Without it: move the old file to a hidden side name,
    /// rename the new file in, then delete the old one — the old bytes are only deleted after the
    /// complete new file holds the name, and a crash in between leaves the old file recoverable
    /// under `.<name>.sluice-<random>.old` beside it (the name is briefly absent, never partial).
    private func replaceSync(_ destination: String, with source: String) throws {
        let sftp = try channel()
        if sftp_extension_supported(sftp, "posix-rename@openssh.com", "1") != 0, let side = try sideChannel(),
           side.supports("posix-rename@openssh.com", version: "1") {
            do {
                return try onSide(side) { try $0.rename(source, to: destination) }
            } catch let error as SFTPError where error.code == .failure || error.code == .permissionDenied {
                // Advertised but refused (`internal-sftp -P` answers "permission denied"): use the
                // side-name replace below, which fails the same way if the folder is really read-only.
            }
        }
        if sftp_rename(sftp, source, destination) == 0 { return }
        let first = failure(destination, "rename into place")
        guard first.code != .connectionLost, try statSync(destination) != nil else { throw first }
        let folder = (destination as NSString).deletingLastPathComponent
        let aside = folder + "/." + (destination as NSString).lastPathComponent + ".sluice-\(SFTPNames.random()).old"
        guard sftp_rename(sftp, destination, aside) == 0 else { throw failure(destination, "move the old file aside") }
        guard sftp_rename(sftp, source, destination) == 0 else {
            let error = failure(destination, "rename into place")
            _ = sftp_rename(sftp, aside, destination)
            throw error
        }
        _ = sftp_unlink(sftp, aside)
    }

    private func removeSync(_ path: String) throws {
        let sftp = try channel()
        guard sftp_unlink(sftp, path) == 0 else { throw failure(path, "remove") }
    }

    /// Never through a link: a linked folder inside the tree loses the link, not its contents
    /// (which may be another site's).
    private func removeTreeSync(_ path: String) throws {
        let sftp = try channel()
        guard let entry = try statSync(path, followLinks: false) else { return }
        guard entry.isDirectory else { return try removeSync(path) }
        for child in try listSync(path, recursive: false, followLinks: false) {
            try removeTreeSync(child.path)
        }
        guard sftp_rmdir(sftp, path) == 0 else { throw failure(path, "remove folder") }
    }
}

/// Random suffixes for temporary and side names, so concurrent workers never collide.
enum SFTPNames {
    static func random() -> String {
        String(UInt64.random(in: 0...UInt64.max), radix: 36)
    }

    /// `.name.sluice-<random>.tmp` beside `name`: hidden and ending in `.tmp`, so pickup systems
    /// and our own inboxes skip it.
    static func temporary(for name: String) -> String {
        ".\(name).sluice-\(random()).tmp"
    }
}

/// POSIX calls under names the connection's own methods (`stat`, `close`) do not shadow.
enum LocalFile {
    static func open(_ path: String, _ flags: Int32, mode: mode_t = 0o644) -> Int32 {
        Foundation.open(path, flags | O_CLOEXEC, mode)
    }

    static func close(_ fd: Int32) {
        _ = Foundation.close(fd)
    }

    static func size(path: String) -> Int64? {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        return size(fd)
    }

    static func size(_ fd: Int32) -> Int64? {
        var st = Foundation.stat()
        return fstat(fd, &st) == 0 ? Int64(st.st_size) : nil
    }
}
