import CCurl
import Foundation

/// One SMTP transaction per call through libcurl, which does STARTTLS, implicit TLS, AUTH,
/// certificate verification, dot-stuffing and SMTPUTF8 (added to MAIL FROM when an envelope
/// address is not ASCII and the server offers it).
public struct SMTPClient: Sendable {
    public let endpoint: SMTPEndpoint

    public init(endpoint: SMTPEndpoint) {
        self.endpoint = endpoint
    }

    /// Sends `message` (CRLF lines, as `MIMEMessage.render()` makes) to `recipients`. The blocking
    /// libcurl call runs on its own dispatch thread, never on the cooperative pool.
    public func send(from sender: String, to recipients: [String], message: [UInt8]) async throws(SMTPFailure) {
        let endpoint = self.endpoint
        let result: Result<Void, SMTPFailure> = await withCheckedContinuation { continuation in
            DispatchQueue.global(qos: .utility).async {
                continuation.resume(returning: Result { () throws(SMTPFailure) in
                    try SMTPClient.perform(endpoint: endpoint, from: sender, to: recipients, message: message)
                })
            }
        }
        try result.get()
    }

    /// Connects, greets, negotiates TLS and logs in without sending anything: the mail part of
    /// `sluice check` (what C-ECHO is for DICOM). Throws the same failures `send` would.
    public func verify() async throws(SMTPFailure) {
        let endpoint = self.endpoint
        let result: Result<Void, SMTPFailure> = await withCheckedContinuation { continuation in
            DispatchQueue.global(qos: .utility).async {
                continuation.resume(returning: Result { () throws(SMTPFailure) in
                    try SMTPClient.perform(endpoint: endpoint, from: nil, to: [], message: [])
                })
            }
        }
        try result.get()
    }

    private final class Upload {
        let bytes: [UInt8]
        var offset = 0
        init(_ bytes: [UInt8]) { self.bytes = bytes }
    }

    /// One transaction; `sender == nil` stops after login (libcurl's CONNECT_ONLY).
    static func perform(endpoint: SMTPEndpoint, from sender: String?, to recipients: [String], message: [UInt8]) throws(SMTPFailure) {
        func configuration(_ reason: String) -> SMTPFailure {
            SMTPFailure(server: endpoint.id, kind: .configuration, replyCode: nil, curlCode: nil, reason: reason)
        }
        guard sender == nil || !recipients.isEmpty else { throw configuration("no recipients") }
        for address in [sender].compactMap({ $0 }) + recipients where !MailAddress.isPlausible(address) {
            throw configuration("an envelope address is malformed")
        }
        var password: String?
        if let credentials = endpoint.credentials {
            do { password = try credentials.resolvePassword() } catch { throw configuration(error.description) }
        }
        guard sluice_curl_global_init() == CURLE_OK else {  // loads libcurl, once
            throw configuration("libcurl could not be loaded: " + (sluice_curl_load_error().map { String(cString: $0) } ?? "unknown reason"))
        }
        guard let curl = sluice_curl_easy_init() else { throw configuration("libcurl could not start") }
        defer { sluice_curl_easy_cleanup(curl) }

        var recipientList: UnsafeMutablePointer<curl_slist>?
        for recipient in recipients { recipientList = sluice_curl_slist_append(recipientList, "<\(recipient)>") }
        defer { sluice_curl_slist_free_all(recipientList) }
        let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        defer { errorBuffer.deallocate() }
        let upload = Upload(message)

        var setupFailed = false
        func check(_ code: CURLcode) { if code != CURLE_OK { setupFailed = true } }
        check(sluice_curl_setopt_str(curl, CURLOPT_URL, endpoint.curlURL))
        check(sluice_curl_setopt_long(curl, CURLOPT_NOSIGNAL, 1))
        check(sluice_curl_setopt_ptr(curl, CURLOPT_ERRORBUFFER, errorBuffer))
        check(sluice_curl_setopt_long(curl, CURLOPT_CONNECTTIMEOUT_MS, milliseconds(endpoint.connectTimeout)))
        check(sluice_curl_setopt_long(curl, CURLOPT_TIMEOUT_MS, milliseconds(endpoint.timeout)))
        // Only SMTP: a redirect or another protocol must never be followed.
        check(sluice_curl_setopt_str(curl, CURLOPT_PROTOCOLS_STR, "smtp,smtps"))
        check(sluice_curl_setopt_long(curl, CURLOPT_SSL_VERIFYPEER, 1))
        check(sluice_curl_setopt_long(curl, CURLOPT_SSL_VERIFYHOST, 2))
        if endpoint.security == .startTLS {
            check(sluice_curl_setopt_long(curl, CURLOPT_USE_SSL, Int(CURLUSESSL_ALL.rawValue)))
        }
        if let caFile = endpoint.caFile { check(sluice_curl_setopt_str(curl, CURLOPT_CAINFO, caFile)) }
        if let credentials = endpoint.credentials, let password {
            check(sluice_curl_setopt_str(curl, CURLOPT_USERNAME, credentials.username))
            check(sluice_curl_setopt_str(curl, CURLOPT_PASSWORD, password))
            if let mechanism = credentials.mechanism {
                check(sluice_curl_setopt_str(curl, CURLOPT_LOGIN_OPTIONS, "AUTH=\(mechanism.rawValue)"))
            }
        }
        if let sender {
            check(sluice_curl_setopt_str(curl, CURLOPT_MAIL_FROM, "<\(sender)>"))
            check(sluice_curl_setopt_slist(curl, CURLOPT_MAIL_RCPT, recipientList))
            check(sluice_curl_setopt_long(curl, CURLOPT_UPLOAD, 1))
            check(sluice_curl_setopt_read_callback(curl) { buffer, size, count, context in
                guard let buffer, let context else { return 0 }
                let upload = Unmanaged<Upload>.fromOpaque(context).takeUnretainedValue()
                let n = min(size * count, upload.bytes.count - upload.offset)
                guard n > 0 else { return 0 }
                upload.bytes.withUnsafeBytes { bytes in
                    UnsafeMutableRawPointer(buffer).copyMemory(from: bytes.baseAddress! + upload.offset, byteCount: n)
                }
                upload.offset += n
                return n
            })
            check(sluice_curl_setopt_ptr(curl, CURLOPT_READDATA, Unmanaged.passUnretained(upload).toOpaque()))
        } else {
            check(sluice_curl_setopt_long(curl, CURLOPT_CONNECT_ONLY, 1))
        }
        guard !setupFailed else { throw configuration("this libcurl lacks a required SMTP option") }

        let code = withExtendedLifetime(upload) { sluice_curl_easy_perform(curl) }
        guard code != CURLE_OK else { return }
        var reply = 0
        _ = sluice_curl_getinfo_long(curl, CURLINFO_RESPONSE_CODE, &reply)
        throw classify(code, reply: reply == 0 ? nil : reply, detail: String(cString: errorBuffer), server: endpoint.id)
    }

    /// Maps a libcurl failure to transient or permanent. The server's reply code decides when it
    /// sent one (4xx transient, 5xx permanent); otherwise the transport error does.
    static func classify(_ code: CURLcode, reply: Int?, detail: String, server: String) -> SMTPFailure {
        let text = String(cString: sluice_curl_easy_strerror(code))
        let transport: Set<CURLcode> = [
            CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_CONNECT, CURLE_OPERATION_TIMEDOUT,
            CURLE_SEND_ERROR, CURLE_RECV_ERROR, CURLE_GOT_NOTHING, CURLE_PARTIAL_FILE,
        ]
        let tls: Set<CURLcode> = [
            CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CONNECT_ERROR, CURLE_SSL_CACERT_BADFILE,
            CURLE_SSL_CERTPROBLEM, CURLE_USE_SSL_FAILED, CURLE_SSL_ISSUER_ERROR,
        ]
        if tls.contains(code) {
            // libcurl's TLS detail ("unable to get local issuer certificate") names no address.
            let why = code == CURLE_USE_SSL_FAILED ? "server does not offer STARTTLS, which this endpoint requires" : detail.isEmpty ? text : detail
            return SMTPFailure(server: server, kind: .permanent, replyCode: reply, curlCode: Int(code.rawValue), reason: "TLS: \(why)")
        }
        if code == CURLE_LOGIN_DENIED {
            // 454 is a temporary authentication failure; 535 and the rest are wrong credentials.
            return SMTPFailure(server: server, kind: reply.map { (400..<500).contains($0) } == true ? .transient : .permanent,
                               replyCode: reply, curlCode: Int(code.rawValue), reason: "login denied")
        }
        if let reply, reply >= 400 {
            return SMTPFailure(server: server, kind: reply < 500 ? .transient : .permanent, replyCode: reply,
                               curlCode: Int(code.rawValue), reason: reply < 500 ? "server deferred the message" : "server refused the message")
        }
        return SMTPFailure(server: server, kind: transport.contains(code) ? .transient : .permanent,
                           replyCode: reply, curlCode: Int(code.rawValue), reason: text)
    }

    private static func milliseconds(_ duration: Duration) -> Int {
        Int(duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000)
    }
}
