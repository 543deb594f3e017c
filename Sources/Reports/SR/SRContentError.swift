/// Why an SR content item or template could not be built. Names the concept (a code from a
/// coding scheme, never patient data) and the rule, never the offending value.
public struct SRContentError: Error, Sendable, CustomStringConvertible, Equatable {
    public enum Code: Sendable, Equatable {
        case emptyValue
        case valueTooLong(limit: Int)
        case invalidUID
        case notFinite
        case badGraphicData(graphicType: String, count: Int)
        case missingReference
        case invalidCode
    }
    public let code: Code
    /// `(value,scheme)` of the concept name of the item being built, or the template name.
    public let context: String

    public init(_ code: Code, context: String) {
        self.code = code
        self.context = context
    }

    public var description: String {
        let what: String
        switch code {
        case .emptyValue: what = "empty value"
        case .valueTooLong(let n): what = "value longer than \(n) characters"
        case .invalidUID: what = "not a valid UID"
        case .notFinite: what = "numeric value is not finite"
        case .badGraphicData(let t, let n): what = "\(n) coordinates do not fit graphic type \(t)"
        case .missingReference: what = "no referenced instance"
        case .invalidCode: what = "code value, scheme or meaning missing or too long"
        }
        return "SR \(context): \(what)"
    }
}
