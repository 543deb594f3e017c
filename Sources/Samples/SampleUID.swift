import Checksum

/// Deterministic UIDs for sample objects, keyed by the seed so two seeds never collide.
enum SampleUID {
    static let version = "1"

    static func make(seed: UInt64, _ parts: [String], purpose: String) -> String {
        derive(["sluice-samples", "seed", String(seed)] + parts, purpose: purpose)
    }

    // TODO(samples): switch to DICOM's UIDs.derived once helper/dicom lands.
    private static func derive(_ inputs: [String], purpose: String) -> String {
        let digest = SHA256.hex((inputs + [purpose, version]).joined(separator: "\u{1F}"))
        // 2.25.<128-bit decimal>, as UIDs.derived does.
        var limbs = Array(digest.utf8.prefix(32)).map { UInt32(hexValue($0)) }
        var decimal = ""
        while limbs.contains(where: { $0 != 0 }) {
            var remainder: UInt32 = 0
            for i in limbs.indices {
                let value = remainder * 16 + limbs[i]
                limbs[i] = value / 10
                remainder = value % 10
            }
            decimal = String(remainder) + decimal
        }
        return "2.25." + (decimal.isEmpty ? "0" : decimal)
    }

    private static func hexValue(_ c: UInt8) -> UInt8 { c <= 57 ? c - 48 : c - 87 }
}
