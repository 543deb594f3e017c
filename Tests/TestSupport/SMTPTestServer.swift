import Foundation

/// A real SMTP server (Python's aiosmtpd) on loopback, started by the test. It saves each
/// accepted message as `msg-N.eml` plus `msg-N.json` (envelope) and counts DATA attempts.
public final class SMTPTestServer: @unchecked Sendable {
    public enum Mode: String, Sendable { case starttls, implicit, plain }

    public let port: Int
    public let folder: TemporaryDirectory
    public let certificates: TestCertificates
    private let process: Process

    public var outbox: String { folder.file("received") }

    /// `delay`: seconds before the server starts listening (the "server down" test). `port`: a
    /// port chosen earlier (a pipeline already names it while no server listens there yet).
    public init(mode: Mode, users: [String: String] = [:], delay: Double = 0, refuse: String? = nil,
                deferCount: Int = 0, waitUntilReady: Bool = true, port chosen: Int? = nil) throws {
        folder = try TemporaryDirectory("smtp")
        certificates = try TestCertificates(in: folder)
        port = try chosen ?? Self.freePort()
        let script = folder.file("server.py")
        try Self.serverScript.write(toFile: script, atomically: true, encoding: .utf8)
        let usersFile = folder.file("users.json")
        try JSONSerialization.data(withJSONObject: users).write(to: URL(fileURLWithPath: usersFile))
        var arguments = [script, "--port", "\(port)", "--out", folder.file("received"), "--mode", mode.rawValue,
                         "--cert", certificates.serverCertificate, "--key", certificates.serverKey,
                         "--users", usersFile, "--delay", "\(delay)", "--defer", "\(deferCount)"]
        if let refuse { arguments += ["--refuse", refuse] }
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        process.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        _ = FileManager.default.createFile(atPath: folder.file("server.log"), contents: nil)
        process.standardError = FileHandle(forWritingAtPath: folder.file("server.log"))
        try process.run()
        if waitUntilReady { try waitForReady(seconds: 20) }
    }

    public func waitForReady(seconds: Double) throws {
        let deadline = Date().addingTimeInterval(seconds)
        while !FileManager.default.fileExists(atPath: folder.file("received/ready")) {
            if !process.isRunning || Date() > deadline {
                let log = (try? String(contentsOfFile: folder.file("server.log"), encoding: .utf8)) ?? ""
                throw ServerFailure(message: "aiosmtpd did not start (is it installed? `make test-deps`):\n\(log)")
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
    }

    public func stop() {
        // SIGKILL: the spawned Python may inherit a mask that blocks SIGTERM.
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        folder.remove()
    }

    /// Messages saved so far, in arrival order.
    public var receivedMessages: [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: outbox)) ?? []
        return names.filter { $0.hasSuffix(".eml") }
            .sorted { Int($0.dropFirst(4).dropLast(4))! < Int($1.dropFirst(4).dropLast(4))! }
            .map { "\(outbox)/\($0)" }
    }

    public func counter(_ name: String) -> Int {
        Int((try? String(contentsOfFile: "\(outbox)/\(name)", encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "0") ?? 0
    }

    public func authLog() -> [String] {
        ((try? String(contentsOfFile: "\(outbox)/auth.log", encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    public func envelope(of message: String) throws -> ReceivedEnvelope {
        let data = try Data(contentsOf: URL(fileURLWithPath: message.replacingOccurrences(of: ".eml", with: ".json")))
        return try JSONDecoder().decode(ReceivedEnvelope.self, from: data)
    }

    public static func freePort() throws -> Int {
        let result = try runPython("import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")
        guard result.status == 0, let port = Int(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw ServerFailure(message: "no free port: \(result.stderr)")
        }
        return port
    }

    static let serverScript = #"""
import argparse, json, os, ssl, sys, threading, time
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

p = argparse.ArgumentParser()
p.add_argument('--port', type=int); p.add_argument('--out'); p.add_argument('--mode')
p.add_argument('--cert'); p.add_argument('--key'); p.add_argument('--users')
p.add_argument('--delay', type=float, default=0); p.add_argument('--refuse'); p.add_argument('--defer', type=int, default=0)
a = p.parse_args()
os.makedirs(a.out, exist_ok=True)
users = json.load(open(a.users))
lock = threading.Lock()

def bump(name):
    path = os.path.join(a.out, name)
    n = int(open(path).read()) + 1 if os.path.exists(path) else 1
    open(path, 'w').write(str(n))
    return n

def authenticator(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and users.get(auth_data.login.decode()) == auth_data.password.decode()
    with lock, open(os.path.join(a.out, 'auth.log'), 'a') as f:
        f.write(f'{mechanism} {"ok" if ok else "fail"}\n')
    return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd sends the 535

class Handler:
    async def handle_DATA(self, server, session, envelope):
        with lock:
            n = bump('data-attempts')
            if a.refuse:
                return a.refuse
            if n <= a.defer:
                return '451 4.3.0 Try again later'
            index = len([f for f in os.listdir(a.out) if f.endswith('.eml')]) + 1
            with open(os.path.join(a.out, f'msg-{index}.json'), 'w') as f:
                json.dump({'mailFrom': envelope.mail_from, 'recipients': envelope.rcpt_tos,
                           'smtputf8': bool(envelope.smtp_utf8), 'tls': server.transport.get_extra_info('ssl_object') is not None,
                           'authenticated': bool(session.authenticated)}, f)
            with open(os.path.join(a.out, f'msg-{index}.eml'), 'wb') as f:
                f.write(envelope.original_content)
        return '250 2.0.0 OK'

time.sleep(a.delay)
ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
ctx.load_cert_chain(a.cert, a.key)
common = dict(hostname='127.0.0.1', port=a.port, enable_SMTPUTF8=True,
              authenticator=authenticator if users else None, auth_required=bool(users))
if a.mode == 'starttls':
    controller = Controller(Handler(), tls_context=ctx, require_starttls=True, **common)
elif a.mode == 'implicit':
    # aiosmtpd only counts STARTTLS as TLS for AUTH; with implicit TLS the whole session is encrypted.
    controller = Controller(Handler(), ssl_context=ctx, auth_require_tls=False, **common)
else:
    controller = Controller(Handler(), auth_require_tls=False, **common)
controller.start()
open(os.path.join(a.out, 'ready'), 'w').write('ready')
threading.Event().wait()
"""#
}

public struct ServerFailure: Error, CustomStringConvertible {
    public let message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}

public struct ReceivedEnvelope: Decodable, Sendable {
    public let mailFrom: String
    public let recipients: [String]
    public let smtputf8: Bool
    public let tls: Bool
    public let authenticated: Bool
}

/// A test CA, a server certificate for 127.0.0.1 signed by it, and an unrelated second CA.
public struct TestCertificates: Sendable {
    public let ca: String
    public let otherCA: String
    public let serverCertificate: String
    public let serverKey: String

    public init(in folder: TemporaryDirectory) throws {
        ca = folder.file("ca.pem")
        otherCA = folder.file("other-ca.pem")
        serverCertificate = folder.file("server.pem")
        serverKey = folder.file("server.key")
        let result = try runPython(Self.script, [folder.path])
        guard result.status == 0 else { throw ServerFailure(message: "certificate generation failed (python cryptography missing?): \(result.stderr)") }
    }

    static let script = #"""
import datetime, ipaddress, sys
from cryptography import x509
from cryptography.x509.oid import NameOID
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
out = sys.argv[1]
now = datetime.datetime.now(datetime.timezone.utc)
def name(cn): return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
def ca(cn):
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder().subject_name(name(cn)).issuer_name(name(cn)).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=2))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True, content_commitment=False,
                key_encipherment=False, data_encipherment=False, key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256()))
    return key, cert
ca_key, ca_cert = ca('Sluice Test CA')
_, other_cert = ca('Unrelated Test CA')
key = ec.generate_private_key(ec.SECP256R1())
cert = (x509.CertificateBuilder().subject_name(name('127.0.0.1')).issuer_name(ca_cert.subject).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address('127.0.0.1')), x509.DNSName('localhost')]), critical=False)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256()))
pem = serialization.Encoding.PEM
open(f'{out}/ca.pem', 'wb').write(ca_cert.public_bytes(pem))
open(f'{out}/other-ca.pem', 'wb').write(other_cert.public_bytes(pem))
open(f'{out}/server.pem', 'wb').write(cert.public_bytes(pem))
open(f'{out}/server.key', 'wb').write(key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
"""#
}
