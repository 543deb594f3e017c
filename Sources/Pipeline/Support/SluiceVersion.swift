/// Sluice's version, which every report, manifest and SR (Software Versions) names.
public enum SluiceVersion {
    public static let current = "0.1.0"
}
