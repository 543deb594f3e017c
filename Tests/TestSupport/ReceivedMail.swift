import Foundation

/// What Python's `email` package (an independent parser) makes of a received message.
public struct ReceivedMail: Decodable, Sendable {
    public struct Part: Decodable, Sendable {
        public let contentType: String
        public let filename: String?
        public let sha256: String
        public let size: Int
    }
    public let subject: String
    public let from: String
    public let to: [String]
    public let date: String
    public let dateValid: Bool
    public let messageID: String
    public let defects: [String]
    public let text: String?
    public let html: String?
    public let attachments: [Part]
    public let contentType: String
    public let longestLine: Int
    public let bareLineFeeds: Int

    public static func parse(_ path: String) throws -> ReceivedMail {
        let result = try runPython(script, [path])
        guard result.status == 0 else { throw ServerFailure(message: "email parser failed: \(result.stderr)") }
        return try JSONDecoder().decode(ReceivedMail.self, from: result.stdoutData)
    }

    static let script = #"""
import email, email.policy, email.utils, hashlib, json, sys
raw = open(sys.argv[1], 'rb').read()
msg = email.message_from_bytes(raw, policy=email.policy.default)
defects = [type(d).__name__ for part in msg.walk() for d in part.defects] + [type(d).__name__ for d in msg.defects]
for name in ('Subject', 'From', 'To', 'Date', 'Message-ID'):
    header = msg[name]
    if header is not None:
        defects += [type(d).__name__ for d in header.defects]
try:
    valid = email.utils.parsedate_to_datetime(msg['Date']) is not None
except Exception:
    valid = False
body_text = msg.get_body(preferencelist=('plain',))
body_html = msg.get_body(preferencelist=('html',))
attachments = []
for part in msg.iter_attachments():
    payload = part.get_payload(decode=True)
    attachments.append({'contentType': part.get_content_type(), 'filename': part.get_filename(),
                        'sha256': hashlib.sha256(payload).hexdigest(), 'size': len(payload)})
lines = raw.split(b'\r\n')
print(json.dumps({
    'subject': str(msg['Subject']), 'from': str(msg['From']),
    'to': [str(a) for a in msg['To'].addresses] if msg['To'] else [],
    'date': str(msg['Date']), 'dateValid': valid, 'messageID': str(msg['Message-ID']),
    'defects': defects,
    'text': body_text.get_content() if body_text else None,
    'html': body_html.get_content() if body_html else None,
    'attachments': attachments, 'contentType': msg.get_content_type(),
    'longestLine': max(len(l) for l in lines),
    'bareLineFeeds': sum(l.count(b'\n') for l in lines),
}))
"""#
}
