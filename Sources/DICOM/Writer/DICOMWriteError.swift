/// Why a data set could not be encoded; names the element, never its value.
public struct DICOMWriteError: Error, Sendable, CustomStringConvertible {
    public enum Code: Sendable, Equatable {
        case valueTooLong(Int)
        case encapsulatedPixelDataNeedsEncapsulatedSyntax
        case nativePixelDataInEncapsulatedSyntax
        case deflateFailed(Int32)
        case io(Int32)
    }
    public let code: Code
    public let tag: Tag?

    public var description: String {
        let what: String
        switch code {
        case .valueTooLong(let n): what = "value of \(n) bytes does not fit a 16-bit length"
        case .encapsulatedPixelDataNeedsEncapsulatedSyntax: what = "encapsulated pixel data needs an encapsulated transfer syntax"
        case .nativePixelDataInEncapsulatedSyntax: what = "native pixel data cannot be written in an encapsulated transfer syntax"
        case .deflateFailed(let z): what = "deflate failed (zlib \(z))"
        case .io(let e): what = "write failed (errno \(e))"
        }
        return tag.map { "\(what) in \($0)" } ?? what
    }
}
