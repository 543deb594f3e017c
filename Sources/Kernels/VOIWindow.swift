/// VOI LUT Function (0028,1056); LINEAR is the default when the attribute is absent.
public enum VOIFunction: String, Sendable, Hashable, CaseIterable {
    case linear = "LINEAR"
    case linearExact = "LINEAR_EXACT"
    case sigmoid = "SIGMOID"
}

/// One Window Center/Width pair with its function (PS3.3 C.11.2.1.2).
public struct VOIWindow: Sendable, Hashable {
    public var center: Double
    public var width: Double
    public var function: VOIFunction

    public init(center: Double, width: Double, function: VOIFunction = .linear) {
        self.center = center
        self.width = width
        self.function = function
    }
}

/// The windowing of rescaled values folded into one affine map and clamp, y = a·v + b, which the
/// LINEAR and LINEAR_EXACT formulas reduce to between their two flat ends. Widths the standard
/// forbids (LINEAR < 1, others ≤ 0) degrade to a threshold at the center instead of failing.
struct AffineWindow {
    /// Multiply stored values by `a`, add `b`, clamp to 0…255; or threshold when `step`.
    var a: Float, b: Float
    var step: Bool
    /// Rescaled value above which a thresholded window gives 255.
    var threshold: Double

    init(window: VOIWindow, slope: Double, intercept: Double) {
        let c = window.center, w = window.width
        var k = 0.0, m = 0.0
        switch window.function {
        case .linear, .sigmoid:
            // y = ((x − (c − 0.5)) / (w − 1) + 0.5) · 255
            step = w <= 1
            threshold = c - 0.5
            if !step { k = 255 / (w - 1); m = (0.5 - (c - 0.5) / (w - 1)) * 255 }
        case .linearExact:
            // y = ((x − c) / w + 0.5) · 255
            step = w <= 0
            threshold = c
            if !step { k = 255 / w; m = (0.5 - c / w) * 255 }
        }
        a = Float(k * slope)
        b = Float(k * intercept + m)
    }
}
