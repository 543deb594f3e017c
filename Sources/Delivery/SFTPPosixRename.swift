import CLibSSH
import Foundation

/// OpenSSH's `posix-rename@openssh.com`: rename(2) on the server, which atomically replaces
/// the target, so a pickup system always sees either the old or the new complete file. libssh
/// 0.10 does not send this extension, so it travels on a second SFTP channel of the same
/// session, spoken directly (draft-ietf-secsh-filexfer-02 framing, OpenSSH PROTOCOL file).
/// Runs on the owning connection's queue only.
final class SFTPPosixRename {
    private static let fxpInit: UInt8 = 1, fxpVersion: UInt8 = 2, fxpStatus: UInt8 = 101, fxpExtended: UInt8 = 200
    private let channel: OpaquePointer
    private var nextID: UInt32 = 1

    /// Opens the side channel and does the SFTP version handshake.
    init(session: OpaquePointer) throws {
        guard let ch = ssh_channel_new(session) else { throw SFTPError(.failure, detail: "cannot allocate an SFTP side channel") }
        channel = ch
        guard ssh_channel_open_session(ch) == SSH_OK, ssh_channel_request_subsystem(ch, "sftp") == SSH_OK else {
            ssh_channel_free(ch)
            throw SFTPError(.connectionLost, detail: "cannot open an SFTP side channel")
        }
        var hello: [UInt8] = []
        Self.put(UInt32(5), &hello)
        hello.append(Self.fxpInit)
        Self.put(UInt32(3), &hello)
        do {
            try send(hello)
            let (type, _) = try receive()
            guard type == Self.fxpVersion else { throw SFTPError(.failure, detail: "unexpected SFTP reply to INIT") }
        } catch {
            close()
            throw error
        }
    }

    func close() {
        ssh_channel_close(channel)
        ssh_channel_free(channel)
    }

    func rename(_ source: String, to destination: String) throws {
        let id = nextID
        nextID &+= 1
        var body: [UInt8] = [Self.fxpExtended]
        Self.put(id, &body)
        Self.put("posix-rename@openssh.com", &body)
        Self.put(source, &body)
        Self.put(destination, &body)
        var packet: [UInt8] = []
        Self.put(UInt32(body.count), &packet)
        try send(packet + body)
        let (type, payload) = try receive()
        guard type == Self.fxpStatus, payload.count >= 8, Self.u32(payload, 0) == id else {
            throw SFTPError(.failure, path: source, detail: "unexpected SFTP reply to posix-rename")
        }
        switch Self.u32(payload, 4) {
        case 0: return
        case UInt32(SSH_FX_NO_SUCH_FILE), UInt32(SSH_FX_NO_SUCH_PATH): throw SFTPError(.noSuchFile, path: source, detail: "rename into place")
        case UInt32(SSH_FX_PERMISSION_DENIED): throw SFTPError(.permissionDenied, path: destination, detail: "rename into place refused by the server")
        default: throw SFTPError(.failure, path: destination, detail: "rename into place failed")
        }
    }

    private func send(_ bytes: [UInt8]) throws {
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { ssh_channel_write(channel, $0.baseAddress! + done, UInt32(bytes.count - done)) }
            guard n > 0 else { throw SFTPError(.connectionLost, detail: "SFTP side channel closed") }
            done += Int(n)
        }
    }

    /// One packet: its type byte and the rest of its payload.
    private func receive() throws -> (UInt8, [UInt8]) {
        let header = try read(4)
        let length = Int(Self.u32(header, 0))
        guard length >= 1, length <= 1 << 20 else { throw SFTPError(.failure, detail: "bad SFTP packet length") }
        let packet = try read(length)
        return (packet[0], Array(packet[1...]))
    }

    private func read(_ count: Int) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let n = out.withUnsafeMutableBytes { ssh_channel_read(channel, $0.baseAddress! + done, UInt32(count - done), 0) }
            guard n > 0 else { throw SFTPError(.connectionLost, detail: "SFTP side channel closed") }
            done += Int(n)
        }
        return out
    }

    private static func put(_ v: UInt32, _ out: inout [UInt8]) {
        out += [UInt8(v >> 24), UInt8(truncatingIfNeeded: v >> 16), UInt8(truncatingIfNeeded: v >> 8), UInt8(truncatingIfNeeded: v)]
    }

    private static func put(_ s: String, _ out: inout [UInt8]) {
        let bytes = Array(s.utf8)
        put(UInt32(bytes.count), &out)
        out += bytes
    }

    private static func u32(_ b: [UInt8], _ at: Int) -> UInt32 {
        UInt32(b[at]) << 24 | UInt32(b[at + 1]) << 16 | UInt32(b[at + 2]) << 8 | UInt32(b[at + 3])
    }
}
