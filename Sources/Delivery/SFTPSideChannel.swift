import CLibSSH
import Foundation

/// A second SFTP channel on the connection's SSH session, spoken directly (draft-ietf-secsh-
/// filexfer-02 framing, OpenSSH's PROTOCOL file), for what libssh 0.10's SFTP layer cannot do:
/// OpenSSH's atomic `posix-rename@openssh.com`, and uploads with many WRITEs in flight (its
/// `sftp_write` waits for every reply; the aio write API is 0.11). Being our own channel, every
/// reply on it answers one of our requests and libssh's SFTP state never sees one — this libssh
/// rejects replies to ids it did not issue. A failure that may leave replies owed marks the
/// channel unusable; the owner then closes it (the server closes its handles with it) and opens
/// a fresh one when next needed. Runs on the owning connection's queue only.
final class SFTPSideChannel {
    private typealias Packet = SFTPPacketType

    /// Bytes per WRITE when the server states its limit (OpenSSH: 255 KiB), and writes kept in
    /// flight. One window is 2 MiB, OpenSSH's SSH channel window; its `sftp` keeps 64 × 32 KiB.
    static let preferredChunk = 64 * 1024, depth = 32
    /// Without `limits@openssh.com`, the draft's guaranteed packet size (34000 bytes) bounds a WRITE.
    static let conservativeChunk = 32 * 1024

    private let channel: OpaquePointer
    private var nextID: UInt32 = 1
    private var extensions: [String: String] = [:]
    private var writeChunk: Int?
    private(set) var isUsable = true

    /// Opens the channel and does the SFTP version handshake. nil when the server refuses a
    /// second channel while the session stays up (sshd's `MaxSessions 1`): callers then use
    /// libssh's own calls. Throws when the session itself is gone.
    static func open(session: OpaquePointer) throws -> SFTPSideChannel? {
        guard let ch = ssh_channel_new(session) else { throw SFTPError(.failure, detail: "cannot allocate an SFTP side channel") }
        guard ssh_channel_open_session(ch) == SSH_OK, ssh_channel_request_subsystem(ch, "sftp") == SSH_OK else {
            ssh_channel_free(ch)
            if ssh_is_connected(session) != 0 && ssh_get_error_code(UnsafeMutableRawPointer(session)) != SSH_FATAL.rawValue { return nil }
            throw SFTPError(.connectionLost, detail: "cannot open an SFTP side channel")
        }
        let side = SFTPSideChannel(channel: ch)
        do {
            try side.handshake()
        } catch {
            side.close()
            throw error
        }
        return side
    }

    private init(channel: OpaquePointer) {
        self.channel = channel
    }

    func close() {
        ssh_channel_close(channel)
        ssh_channel_free(channel)
    }

    private func handshake() throws {
        var hello = PacketWriter(.initialize)
        hello.put(UInt32(3))
        try send(hello)
        let reply = try receive()
        var r = PacketReader(reply.payload)
        guard reply.type == Packet.version.rawValue, r.u32() != nil else { throw protocolError("unexpected SFTP reply to INIT") }
        while let name = r.string(), let data = r.string() { extensions[name] = data }
    }

    func supports(_ name: String, version: String) -> Bool { extensions[name] == version }

    // MARK: - Requests

    func rename(_ source: String, to destination: String) throws {
        let id = takeID()
        var request = PacketWriter(.extended, id: id)
        request.put("posix-rename@openssh.com")
        request.put(source)
        request.put(destination)
        do {
            try send(request)
            try expectOK(id, path: destination, action: "rename into place")
        } catch let error as SFTPError where error.path == nil {
            throw SFTPError(error.code, path: destination, detail: error.detail)
        }
    }

    /// Writes bytes `start..<size` of the open local file `fd` to `remote`, keeping up to `depth`
    /// WRITEs in flight, then fsyncs (when offered) and closes the remote file. Returns only
    /// when the server has confirmed every write with SSH_FX_OK; the first other status is
    /// thrown with the server's code and message. `progress` runs after each confirmed write.
    func upload(from fd: Int32, localPath: String, size: Int64, to remote: String, from start: Int64, truncate: Bool,
                progress: () -> Void) throws {
        do {
            let chunk = try chunkSize()
            let handle = try openForWriting(remote, truncate: truncate)
            var window = SFTPWriteWindow(from: start, to: size, chunk: chunk, depth: Self.depth, firstID: nextID)
            // One buffer: the WRITE header, then the chunk read straight behind it, sent in one call.
            let headerLength = 4 + 1 + 4 + 4 + handle.count + 8 + 4
            let buffer = UnsafeMutableRawPointer.allocate(byteCount: headerLength + chunk, alignment: 16)
            defer { buffer.deallocate() }
            while !window.isFinished {
                while let request = window.nextRequest() {
                    nextID = window.nextID
                    var header = PacketWriter(.write, id: request.id, length: headerLength - 4 + request.length)
                    header.put(handle)
                    header.put(UInt64(request.offset))
                    header.put(UInt32(request.length))
                    header.bytes.withUnsafeBytes { buffer.copyMemory(from: $0.baseAddress!, byteCount: headerLength) }
                    try Self.readFully(fd, into: buffer + headerLength, count: request.length, at: request.offset, path: localPath)
                    try send(UnsafeRawBufferPointer(start: buffer, count: headerLength + request.length))
                }
                let reply = try receive()
                var r = PacketReader(reply.payload)
                guard reply.type == Packet.status.rawValue, let id = r.u32(), let code = r.u32() else {
                    throw protocolError("unexpected SFTP reply (type \(reply.type)) to a write", path: remote)
                }
                let request: SFTPWriteWindow.Request
                do {
                    request = try window.answered(id)
                } catch {
                    throw protocolError("SFTP reply to request \(id), which was not in flight", path: remote)
                }
                guard code == UInt32(SSH_FX_OK) else {
                    throw Self.statusError(code, message: r.string() ?? "", path: remote, action: "write at byte \(request.offset)")
                }
                progress()
            }
            if supports("fsync@openssh.com", version: "1") {
                let id = takeID()
                var fsync = PacketWriter(.extended, id: id)
                fsync.put("fsync@openssh.com")
                fsync.put(handle)
                try send(fsync)
                try expectOK(id, path: remote, action: "fsync")
            }
            let id = takeID()
            var close = PacketWriter(.close, id: id)
            close.put(handle)
            try send(close)
            try expectOK(id, path: remote, action: "close after writing")
        } catch {
            // Writes may still be in flight, and their replies would meet the next request.
            isUsable = false
            if let e = error as? SFTPError, e.path == nil { throw SFTPError(e.code, path: remote, detail: e.detail) }
            throw error
        }
    }

    private func openForWriting(_ remote: String, truncate: Bool) throws -> [UInt8] {
        let id = takeID()
        var open = PacketWriter(.open, id: id)
        open.put(remote)
        open.put(UInt32(SSH_FXF_WRITE | SSH_FXF_CREAT | (truncate ? SSH_FXF_TRUNC : 0)))
        open.put(UInt32(SSH_FILEXFER_ATTR_PERMISSIONS))
        open.put(UInt32(0o644))
        try send(open)
        let reply = try receive()
        var r = PacketReader(reply.payload)
        guard r.u32() == id else { throw protocolError("SFTP reply to another request than OPEN", path: remote) }
        if reply.type == Packet.status.rawValue, let code = r.u32() {
            throw Self.statusError(code, message: r.string() ?? "", path: remote, action: "open for writing")
        }
        guard reply.type == Packet.handle.rawValue, let handle = r.bytes(), handle.count <= 256 else {
            throw protocolError("unexpected SFTP reply (type \(reply.type)) to OPEN", path: remote)
        }
        return handle
    }

    /// OpenSSH states its largest WRITE in `limits@openssh.com`; asked once per channel.
    private func chunkSize() throws -> Int {
        if let writeChunk { return writeChunk }
        var chunk = Self.conservativeChunk
        if supports("limits@openssh.com", version: "1") {
            let id = takeID()
            var ask = PacketWriter(.extended, id: id)
            ask.put("limits@openssh.com")
            try send(ask)
            let reply = try receive()
            var r = PacketReader(reply.payload)
            guard reply.type == Packet.extendedReply.rawValue, r.u32() == id, r.u64() != nil, r.u64() != nil, let maxWrite = r.u64() else {
                throw protocolError("unexpected SFTP reply to limits@openssh.com")
            }
            // 0 means "no limit stated".
            chunk = maxWrite == 0 ? Self.conservativeChunk : Int(min(maxWrite, UInt64(Self.preferredChunk)))
        }
        writeChunk = chunk
        return chunk
    }

    private func expectOK(_ id: UInt32, path: String, action: String) throws {
        let reply = try receive()
        var r = PacketReader(reply.payload)
        guard reply.type == Packet.status.rawValue, r.u32() == id, let code = r.u32() else {
            throw protocolError("unexpected SFTP reply (type \(reply.type)) to \(action)", path: path)
        }
        guard code == UInt32(SSH_FX_OK) else { throw Self.statusError(code, message: r.string() ?? "", path: path, action: action) }
    }

    private func takeID() -> UInt32 {
        defer { nextID &+= 1 }
        return nextID
    }

    // MARK: - Errors

    /// The server's status code and its own message, under the code the rest of Sluice acts on.
    static func statusError(_ code: UInt32, message: String, path: String, action: String) -> SFTPError {
        let names = ["OK", "EOF", "NO_SUCH_FILE", "PERMISSION_DENIED", "FAILURE", "BAD_MESSAGE", "NO_CONNECTION",
                     "CONNECTION_LOST", "OP_UNSUPPORTED", "INVALID_HANDLE", "NO_SUCH_PATH", "FILE_ALREADY_EXISTS", "WRITE_PROTECT"]
        let name = code < names.count ? "SSH_FX_\(names[Int(code)])" : "status \(code)"
        let said = message.isEmpty ? "" : " \"\(message.prefix(200))\""
        let detail = "\(action): the server answered \(name)\(said)"
        switch Int32(bitPattern: code) {
        case SSH_FX_NO_SUCH_FILE, SSH_FX_NO_SUCH_PATH: return SFTPError(.noSuchFile, path: path, detail: detail)
        case SSH_FX_PERMISSION_DENIED, SSH_FX_WRITE_PROTECT: return SFTPError(.permissionDenied, path: path, detail: detail)
        case SSH_FX_NO_CONNECTION, SSH_FX_CONNECTION_LOST: return SFTPError(.connectionLost, path: path, detail: detail)
        default: return SFTPError(.failure, path: path, detail: detail)
        }
    }

    private func protocolError(_ detail: String, path: String? = nil) -> SFTPError {
        isUsable = false
        return SFTPError(.failure, path: path, detail: detail)
    }

    private func transportError() -> SFTPError {
        isUsable = false
        return SFTPError(.connectionLost, detail: "SFTP side channel closed")
    }

    // MARK: - Framing

    private func send(_ packet: PacketWriter) throws {
        try packet.bytes.withUnsafeBytes { try send($0) }
    }

    private func send(_ bytes: UnsafeRawBufferPointer) throws {
        var done = 0
        while done < bytes.count {
            let n = ssh_channel_write(channel, bytes.baseAddress! + done, UInt32(bytes.count - done))
            // 0: libssh waited its timeout for window space; the stall watch bounds the retries.
            if n == 0, ssh_channel_is_open(channel) != 0 { continue }
            guard n > 0 else { throw transportError() }
            done += Int(n)
        }
    }

    /// One packet: its type byte and the rest of its payload.
    private func receive() throws -> (type: UInt8, payload: [UInt8]) {
        var header: [UInt8] = [0, 0, 0, 0]
        try read(into: &header)
        var lengthField = PacketReader(header)
        let length = Int(lengthField.u32()!)
        guard length >= 1, length <= 1 << 20 else { throw protocolError("bad SFTP packet length") }
        var packet = [UInt8](repeating: 0, count: length)
        try read(into: &packet)
        return (packet[0], Array(packet[1...]))
    }

    private func read(into out: inout [UInt8]) throws {
        let count = out.count
        var done = 0
        while done < count {
            let n = out.withUnsafeMutableBytes { ssh_channel_read(channel, $0.baseAddress! + done, UInt32(count - done), 0) }
            if n == 0, ssh_channel_is_eof(channel) == 0, ssh_channel_is_open(channel) != 0 { continue }
            guard n > 0 else { throw transportError() }
            done += Int(n)
        }
    }

    private static func readFully(_ fd: Int32, into buffer: UnsafeMutableRawPointer, count: Int, at offset: Int64, path: String) throws {
        var done = 0
        while done < count {
            let n = pread(fd, buffer + done, count - done, off_t(offset) + off_t(done))
            if n < 0 && errno == EINTR { continue }
            if n < 0 { throw SFTPError(.local, path: path, detail: String(cString: strerror(errno))) }
            if n == 0 { throw SFTPError(.local, path: path, detail: "the file got shorter while it was being uploaded") }
            done += n
        }
    }
}

private enum SFTPPacketType: UInt8 {
    case initialize = 1, version = 2, open = 3, close = 4, write = 6
    case status = 101, handle = 102, extended = 200, extendedReply = 201
}

/// One outgoing SFTP packet: uint32 length, type byte, then fields (SSH wire encoding).
private struct PacketWriter {
    private(set) var bytes: [UInt8]

    /// `length`, when given, is the packet's final length (for a WRITE whose data is appended
    /// outside this writer); otherwise `bytes` is patched as fields are added.
    init(_ type: SFTPPacketType, id: UInt32? = nil, length: Int? = nil) {
        bytes = [0, 0, 0, 0, type.rawValue]
        fixedLength = length
        if let id { put(id) }
        patchLength()
    }

    private let fixedLength: Int?

    mutating func put(_ v: UInt32) {
        bytes += [UInt8(v >> 24), UInt8(truncatingIfNeeded: v >> 16), UInt8(truncatingIfNeeded: v >> 8), UInt8(truncatingIfNeeded: v)]
        patchLength()
    }

    mutating func put(_ v: UInt64) {
        put(UInt32(v >> 32))
        put(UInt32(truncatingIfNeeded: v))
    }

    mutating func put(_ s: String) { put(Array(s.utf8)) }

    mutating func put(_ b: [UInt8]) {
        put(UInt32(b.count))
        bytes += b
        patchLength()
    }

    private mutating func patchLength() {
        let n = UInt32(fixedLength ?? (bytes.count - 4))
        bytes[0] = UInt8(n >> 24)
        bytes[1] = UInt8(truncatingIfNeeded: n >> 16)
        bytes[2] = UInt8(truncatingIfNeeded: n >> 8)
        bytes[3] = UInt8(truncatingIfNeeded: n)
    }
}

/// Fields of an incoming packet, each nil once the bytes run out (a short or garbled reply).
private struct PacketReader {
    private let data: [UInt8]
    private var at = 0

    init(_ data: [UInt8]) { self.data = data }

    mutating func u32() -> UInt32? {
        guard data.count - at >= 4 else { return nil }
        defer { at += 4 }
        return UInt32(data[at]) << 24 | UInt32(data[at + 1]) << 16 | UInt32(data[at + 2]) << 8 | UInt32(data[at + 3])
    }

    mutating func u64() -> UInt64? {
        guard let high = u32(), let low = u32() else { return nil }
        return UInt64(high) << 32 | UInt64(low)
    }

    mutating func bytes() -> [UInt8]? {
        let start = at
        guard let n = u32(), data.count - at >= Int(n) else { at = start; return nil }
        defer { at += Int(n) }
        return Array(data[at..<at + Int(n)])
    }

    mutating func string() -> String? { bytes().map { String(decoding: $0, as: UTF8.self) } }
}
