import Checksum

/// UID generation. The default root 2.25 takes a UUID as one decimal number (PS3.5 B.2,
/// ISO/IEC 9834-8), so no organisation root has to be registered.
public enum UIDs {
    public static let defaultRoot = "2.25"

    /// A fresh random UID (122 random bits under 2.25, as a version 4 UUID), at most 64 characters.
    public static func make(root: String = UIDs.defaultRoot) -> String {
        var rng = SystemRandomNumberGenerator()
        var bytes = [UInt8](repeating: 0, count: 16)
        for i in 0..<16 { bytes[i] = rng.next() }
        return build(root: root, uuid: bytes, version: 4)
    }

    /// The same inputs, purpose and version always give the same UID, so a rerun reproduces its
    /// result UIDs instead of duplicating results. A name-based (version 8) UUID from SHA-256.
    public static func derived(from inputs: [String], purpose: String, version: String,
                               root: String = UIDs.defaultRoot) -> String {
        var h = SHA256()
        // Length-prefix every part so ["a","bc"] and ["ab","c"] differ.
        for part in [purpose, version] + inputs {
            h.update("\(part.utf8.count):")
            h.update(part)
        }
        let digest = h.finalize()
        return build(root: root, uuid: Array(digest.prefix(16)), version: 8)
    }

    static func build(root: String, uuid: [UInt8], version: UInt8) -> String {
        var b = uuid
        b[6] = (b[6] & 0x0F) | (version << 4)
        b[8] = (b[8] & 0x3F) | 0x80
        var n: UInt128 = 0
        for byte in b { n = n << 8 | UInt128(byte) }
        let digits = String(n)
        let room = 64 - root.utf8.count - 1
        var suffix = Substring(digits)
        while suffix.count > 1, suffix.first == "0" { suffix.removeFirst() }
        if suffix.count > room { suffix = suffix.prefix(max(room, 1)) }
        return "\(root).\(suffix)"
    }

    /// True for a syntactically valid UID: ≤ 64 chars, numeric components without leading zeros.
    public static func isValid(_ uid: String) -> Bool {
        guard !uid.isEmpty, uid.utf8.count <= 64 else { return false }
        for comp in uid.split(separator: ".", omittingEmptySubsequences: false) {
            guard !comp.isEmpty, comp.allSatisfy(\.isASCII), comp.allSatisfy(\.isNumber) else { return false }
            if comp.count > 1 && comp.first == "0" { return false }
        }
        return true
    }
}
