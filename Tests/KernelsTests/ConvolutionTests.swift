#if canImport(Glibc)
import Glibc
#endif
import Testing
import TestSupport
@testable import Kernels

/// winograd false keeps the shape on the direct and packed paths, which most cases here were written for.
private func conv(_ g: ConvGeometry, _ input: [Float], _ weights: [Float], _ bias: [Float]?,
                  threads: Int, activation: Convolution.Activation = .identity, _ impl: Implementation,
                  winograd: Bool = false) -> [Float] {
    // NaN first: the kernel must write every output element.
    var out = [Float](repeating: .nan, count: g.batch * g.outChannels * g.outHeight * g.outWidth)
    input.withUnsafeBufferPointer { x in
        weights.withUnsafeBufferPointer { w in
            out.withUnsafeMutableBufferPointer { o in
                withOptionalPointer(bias) { b in
                    Convolution.conv2d(input: x.baseAddress!, weights: w.baseAddress!, bias: b,
                                       output: o.baseAddress!, geometry: g, threads: threads, activation: activation,
                                       using: impl, allowWinograd: winograd)
                }
            }
        }
    }
    return out
}

private func withOptionalPointer<R>(_ array: [Float]?, _ body: (UnsafePointer<Float>?) -> R) -> R {
    guard let array else { return body(nil) }
    return array.withUnsafeBufferPointer { body($0.baseAddress) }
}

/// A geometry with random data and the reference result for it.
private struct ConvCase: Sendable {
    let name: String, g: ConvGeometry
    let input: [Float], weights: [Float], bias: [Float]?
    let expected: [Double], scale: [Double]

    /// withBias nil: a bias or none at random.
    init(_ name: String, _ g: ConvGeometry, _ rng: inout SeededRandom, withBias: Bool? = nil) {
        self.name = name
        self.g = g
        input = rng.floats(g.batch * g.inChannels * g.inHeight * g.inWidth)
        weights = rng.floats(g.outChannels * (g.inChannels / g.groups) * g.kernelHeight * g.kernelWidth)
        bias = withBias ?? Bool.random(using: &rng) ? rng.floats(g.outChannels) : nil
        expected = ScalarReference.conv2d(input: input, weights: weights, bias: bias, geometry: g)
        scale = ScalarReference.conv2d(input: input.map(abs), weights: weights.map(abs), bias: bias?.map(abs), geometry: g)
    }

    func check(threads: Int = 1, _ impl: Implementation, winograd: Bool = false) -> Bool {
        matches(conv(g, input, weights, bias, threads: threads, impl, winograd: winograd), expected, scale: scale)
    }

    /// The fused ReLU against max(reference, 0); relu is 1-Lipschitz, so the same tolerance holds.
    /// Also that the case reaches the clamp at all (some reference value below zero) and that
    /// nothing negative comes out.
    func checkRelu(threads: Int = 1, _ impl: Implementation, winograd: Bool = false)
        -> (matches: Bool, clamped: Bool, negative: Bool) {
        let got = conv(g, input, weights, bias, threads: threads, activation: .relu, impl, winograd: winograd)
        return (matches(got, expected.map { max($0, 0) }, scale: scale), expected.contains { $0 < 0 },
                got.contains { $0 < 0 })
    }
}

private func randomGeometry(_ rng: inout SeededRandom) -> ConvGeometry {
    while true {
        let groups = [1, 1, 2, 3].randomElement(using: &rng)!
        let depthwise = Int.random(in: 0..<4, using: &rng) == 0
        let icg = depthwise ? 1 : Int.random(in: 1...6, using: &rng)
        let ocg = depthwise ? [1, 1, 2].randomElement(using: &rng)! : rng.dimension(upTo: 17)
        var g = ConvGeometry(
            batch: Int.random(in: 1...2, using: &rng), inChannels: (depthwise ? Int.random(in: 1...5, using: &rng) : groups) * icg,
            inHeight: Int.random(in: 1...19, using: &rng), inWidth: Int.random(in: 1...23, using: &rng),
            outChannels: 0, kernelHeight: Int.random(in: 1...5, using: &rng), kernelWidth: Int.random(in: 1...4, using: &rng),
            strideH: Int.random(in: 1...3, using: &rng), strideW: Int.random(in: 1...3, using: &rng),
            padTop: Int.random(in: 0...2, using: &rng), padLeft: Int.random(in: 0...2, using: &rng),
            padBottom: Int.random(in: 0...2, using: &rng), padRight: Int.random(in: 0...1, using: &rng),
            dilationH: Int.random(in: 1...2, using: &rng), dilationW: Int.random(in: 1...3, using: &rng))
        g.groups = depthwise ? g.inChannels : groups
        g.outChannels = g.groups * ocg
        if g.outHeight > 0 && g.outWidth > 0 { return g }
    }
}

@Test func outputExtentFollowsONNX() {
    let g = ConvGeometry(batch: 1, inChannels: 1, inHeight: 10, inWidth: 7, outChannels: 1, kernelHeight: 3, kernelWidth: 3,
                         strideH: 2, strideW: 3, padTop: 1, padLeft: 0, padBottom: 0, padRight: 2, dilationH: 2, dilationW: 1)
    #expect(g.outHeight == (10 + 1 + 0 - 2 * 2 - 1) / 2 + 1)
    #expect(g.outWidth == (7 + 0 + 2 - 2 - 1) / 3 + 1)
    let tooSmall = ConvGeometry(batch: 1, inChannels: 1, inHeight: 2, inWidth: 2, outChannels: 1, kernelHeight: 5, kernelWidth: 1)
    #expect(tooSmall.outHeight == 0)
}

@Test(arguments: Implementation.available)
func conv2dMatchesReference(_ impl: Implementation) {
    var rng = SeededRandom(seed: 40 + UInt64(impl.rawValue))
    for round in 0..<80 {
        let c = ConvCase("round \(round)", randomGeometry(&rng), &rng)
        let ok = c.check(impl)
        #expect(ok, "\(c.name): \(c.g)")
    }
}

/// Shapes that each reach one path or edge, with data and references made once: the Double
/// reference dominates the test time, and every variant checks against the same result.
private let namedConvCases: [ConvCase] = {
    var rng = SeededRandom(seed: 50)
    let shapes: [(String, ConvGeometry)] = [
        ("pointwise, batch 2", ConvGeometry(batch: 2, inChannels: 7, inHeight: 9, inWidth: 11, outChannels: 13, kernelHeight: 1, kernelWidth: 1)),
        ("pointwise, 2 groups", ConvGeometry(batch: 1, inChannels: 8, inHeight: 5, inWidth: 6, outChannels: 6, kernelHeight: 1, kernelWidth: 1, groups: 2)),
        ("1×1 stride 2", ConvGeometry(batch: 1, inChannels: 4, inHeight: 9, inWidth: 9, outChannels: 5, kernelHeight: 1, kernelWidth: 1, strideH: 2, strideW: 2)),
        ("depthwise 3×3 s2, asymmetric pad", ConvGeometry(batch: 2, inChannels: 6, inHeight: 15, inWidth: 14, outChannels: 6, kernelHeight: 3, kernelWidth: 3,
                                                        strideH: 2, strideW: 2, padTop: 0, padLeft: 1, padBottom: 1, padRight: 0, groups: 6)),
        ("depthwise ×2 multiplier", ConvGeometry(batch: 1, inChannels: 3, inHeight: 8, inWidth: 8, outChannels: 6, kernelHeight: 3, kernelWidth: 3,
                                                padTop: 1, padLeft: 1, padBottom: 1, padRight: 1, groups: 3)),
        ("dilated 3×3", ConvGeometry(batch: 1, inChannels: 3, inHeight: 12, inWidth: 12, outChannels: 4, kernelHeight: 3, kernelWidth: 3,
                                    padTop: 2, padLeft: 2, padBottom: 2, padRight: 2, dilationH: 2, dilationW: 2)),
        ("7×7 s2 stem", ConvGeometry(batch: 1, inChannels: 3, inHeight: 32, inWidth: 30, outChannels: 16, kernelHeight: 7, kernelWidth: 7,
                                    strideH: 2, strideW: 2, padTop: 3, padLeft: 3, padBottom: 3, padRight: 3)),
        // 40·40 output columns span several 512-column blocks, 30·9 = 270 rows of B two depth blocks.
        ("deep and wide", ConvGeometry(batch: 1, inChannels: 30, inHeight: 40, inWidth: 40, outChannels: 20, kernelHeight: 3, kernelWidth: 3,
                                      padTop: 1, padLeft: 1, padBottom: 1, padRight: 1)),
        // 128 channels of 36 padded columns: the direct kernel's 64K-float band holds 14 rows.
        ("direct, several bands", ConvGeometry(batch: 1, inChannels: 128, inHeight: 34, inWidth: 34, outChannels: 8, kernelHeight: 3, kernelWidth: 3,
                                              padTop: 1, padLeft: 1, padBottom: 1, padRight: 1)),
        ("direct, several bands, row stride 2", ConvGeometry(batch: 1, inChannels: 128, inHeight: 34, inWidth: 34, outChannels: 9, kernelHeight: 3, kernelWidth: 3,
                                                            strideH: 2, padTop: 2, padLeft: 1, padBottom: 0, padRight: 1, dilationH: 2)),
        // Two output columns per row is too narrow for the direct kernel on every variant: the
        // packed path, over several 512-column blocks and two depth blocks.
        ("packed, narrow and tall", ConvGeometry(batch: 1, inChannels: 30, inHeight: 300, inWidth: 4, outChannels: 12, kernelHeight: 3, kernelWidth: 3,
                                                padTop: 1, padLeft: 0, padBottom: 1, padRight: 0)),
        ("kernel wider than image, padded", ConvGeometry(batch: 1, inChannels: 2, inHeight: 2, inWidth: 3, outChannels: 3, kernelHeight: 3, kernelWidth: 5,
                                                         padTop: 1, padLeft: 2, padBottom: 1, padRight: 2)),
    ]
    return shapes.map { ConvCase($0.0, $0.1, &rng) }
}()

@Test(arguments: Implementation.available)
func conv2dNamedShapes(_ impl: Implementation) {
    for c in namedConvCases {
        let ok = c.check(impl)
        #expect(ok, "\(c.name)")
    }
}

private let threadedConvCases: [ConvCase] = {
    var rng = SeededRandom(seed: 60)
    let shapes = [
        ConvGeometry(batch: 1, inChannels: 16, inHeight: 37, inWidth: 41, outChannels: 24, kernelHeight: 3, kernelWidth: 3,
                     padTop: 1, padLeft: 1, padBottom: 1, padRight: 1),
        ConvGeometry(batch: 3, inChannels: 12, inHeight: 20, inWidth: 19, outChannels: 12, kernelHeight: 3, kernelWidth: 3,
                     strideH: 2, strideW: 1, padTop: 1, padLeft: 0, padBottom: 0, padRight: 1, groups: 3),
        ConvGeometry(batch: 2, inChannels: 64, inHeight: 30, inWidth: 30, outChannels: 32, kernelHeight: 1, kernelWidth: 1),
        ConvGeometry(batch: 2, inChannels: 32, inHeight: 40, inWidth: 40, outChannels: 32, kernelHeight: 5, kernelWidth: 5,
                     padTop: 2, padLeft: 2, padBottom: 2, padRight: 2, groups: 32),
        // One output row per plane: too few units to share, so workers split the channels.
        ConvGeometry(batch: 2, inChannels: 64, inHeight: 3, inWidth: 40, outChannels: 96, kernelHeight: 3, kernelWidth: 3),
        ConvGeometry(batch: 1, inChannels: 128, inHeight: 3, inWidth: 40, outChannels: 192, kernelHeight: 3, kernelWidth: 3, groups: 2),
        ConvGeometry(batch: 1, inChannels: 128, inHeight: 8, inWidth: 8, outChannels: 128, kernelHeight: 3, kernelWidth: 3,
                     padTop: 1, padLeft: 1, padBottom: 1, padRight: 1),
    ]
    return shapes.map { ConvCase("\($0)", $0, &rng) }
}()

@Test(arguments: Implementation.available)
func conv2dThreadedMatchesReference(_ impl: Implementation) {
    for c in threadedConvCases {
        for threads in [2, 3] {
            let ok = c.check(threads: threads, impl)
            #expect(ok, "\(c.name) on \(threads) threads")
        }
    }
}

/// The fused ReLU on every path (direct, pointwise, packed over two depth slices — where a
/// clamp applied to the first slice's partial sums would be wrong —, depthwise, channel blocks
/// per worker) with odd channel counts and row edges, on 1 to 3 threads.
@Test(arguments: Implementation.available)
func conv2dFusedReluMatchesClampedReference(_ impl: Implementation) {
    var rng = SeededRandom(seed: 45 + UInt64(impl.rawValue))
    let random = (0..<40).map { ConvCase("random \($0)", randomGeometry(&rng), &rng) }
    for c in namedConvCases + threadedConvCases + random {
        for threads in [1, 2, 3] {
            let r = c.checkRelu(threads: threads, impl)
            #expect(r.matches, "\(c.name) on \(threads) threads")
            #expect(!r.negative, "\(c.name) on \(threads) threads: a negative value came out")
        }
    }
    // Every named shape reaches the clamp (random weights are half negative).
    for c in namedConvCases + threadedConvCases { #expect(c.checkRelu(impl).clamped, "\(c.name)") }
}

/// ReLU keeps NaN (ONNX Relu is max(x, 0), which propagates it) on every path: a NaN input
/// must not come out as a plausible 0.
@Test(arguments: Implementation.available)
func conv2dFusedReluKeepsNaN(_ impl: Implementation) {
    let shapes = [
        ConvGeometry(batch: 1, inChannels: 3, inHeight: 6, inWidth: 40, outChannels: 5, kernelHeight: 3, kernelWidth: 3),  // direct
        ConvGeometry(batch: 1, inChannels: 3, inHeight: 6, inWidth: 4, outChannels: 5, kernelHeight: 3, kernelWidth: 3),   // packed
        ConvGeometry(batch: 1, inChannels: 3, inHeight: 6, inWidth: 7, outChannels: 5, kernelHeight: 1, kernelWidth: 1),   // pointwise
        ConvGeometry(batch: 1, inChannels: 3, inHeight: 6, inWidth: 7, outChannels: 3, kernelHeight: 3, kernelWidth: 3, groups: 3),
    ]
    for g in shapes {
        var input = [Float](repeating: -1, count: g.batch * g.inChannels * g.inHeight * g.inWidth)
        input[0] = .nan
        let weights = [Float](repeating: 1, count: g.outChannels * (g.inChannels / g.groups) * g.kernelHeight * g.kernelWidth)
        let out = conv(g, input, weights, nil, threads: 1, activation: .relu, impl)
        #expect(out[0].isNaN, "\(g)")
        #expect(out.filter { !$0.isNaN }.allSatisfy { $0 == 0 }, "\(g)")
    }
}

/// Stride-2 bands split each input row into its two phases in one vector pass, with the padding
/// around the pixel pairs written by hand: every left pad (even and odd), right pads that end a
/// phase on padding, widths on either side of a vector, against the reference.
@Test(arguments: Implementation.available)
func conv2dStride2RowsForEveryPadAndWidth(_ impl: Implementation) {
    var rng = SeededRandom(seed: 48)
    var failed: [String] = []
    for inWidth in [1, 2, 15, 16, 33, 34, 64, 65, 130] {
        for padLeft in 0...3 {
            for padRight in [0, 1, 2] {
                let g = ConvGeometry(batch: 1, inChannels: 2, inHeight: 4, inWidth: inWidth, outChannels: 3,
                                     kernelHeight: 3, kernelWidth: 3, strideH: 2, strideW: 2, padTop: 1, padLeft: padLeft,
                                     padBottom: 1, padRight: padRight)
                guard g.outWidth > 0 else { continue }
                let c = ConvCase("width \(inWidth), pads \(padLeft) \(padRight)", g, &rng)
                if !c.check(impl) { failed.append(c.name) }
            }
        }
    }
    #expect(failed.isEmpty, "\(impl.name): \(failed)")
}

/// Stride-2 rows whose phases end exactly at each variant's vector widths (4, 8, 16, 32 floats and
/// one past), reading the input from the end of a page with nothing mapped after it: the band's
/// deinterleaving loads must stop at the last input value, or the process faults. Widths a
/// variant's direct kernel declines take the packed path, which is checked all the same.
@Test(arguments: Implementation.available)
func conv2dReadsNothingPastTheInput(_ impl: Implementation) throws {
    #if canImport(Glibc)
    var rng = SeededRandom(seed: 47)
    let page = Int(sysconf(Int32(_SC_PAGESIZE)))
    for inWidth in [7, 9, 15, 17, 31, 33, 63, 65] {
        for (stride, groups) in [(2, 1), (2, 3), (1, 1), (3, 1)] {
            // Pad 0 and an odd height: the last output row's window ends on the last input value.
            let g = ConvGeometry(batch: 1, inChannels: 3, inHeight: 5, inWidth: inWidth, outChannels: groups == 1 ? 5 : 3,
                                 kernelHeight: 3, kernelWidth: 3, strideH: 2, strideW: stride, groups: groups)
            let c = ConvCase("width \(inWidth), stride \(stride), groups \(groups)", g, &rng)
            let bytes = c.input.count * MemoryLayout<Float>.stride
            let mapped = (bytes + page - 1) / page * page
            let base = try #require(mmap(nil, mapped + page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0))
            defer { munmap(base, mapped + page) }
            #expect(mprotect(base + mapped, page, PROT_NONE) == 0)
            let input = (base + mapped - bytes).bindMemory(to: Float.self, capacity: c.input.count)
            input.update(from: c.input, count: c.input.count)
            var out = [Float](repeating: .nan, count: g.outChannels * g.outHeight * g.outWidth)
            c.weights.withUnsafeBufferPointer { w in
                out.withUnsafeMutableBufferPointer { o in
                    withOptionalPointer(c.bias) { b in
                        Convolution.conv2d(input: input, weights: w.baseAddress!, bias: b, output: o.baseAddress!,
                                           geometry: g, threads: 1, using: impl)
                    }
                }
            }
            #expect(matches(out, c.expected, scale: c.scale), "\(c.name)")
        }
    }
    #endif
}

// MARK: Winograd

/// Shapes conv2d sends to Winograd F(2×2, 3×3): partial tiles at the right and bottom edges (odd
/// output sizes), every pad, a batch, tile runs that cross tile rows and blocks, and input
/// channels deeper than one GEMM depth slice, with channel counts off the tile sizes.
private let winogradCases: [ConvCase] = {
    var rng = SeededRandom(seed: 55)
    let shapes: [(String, ConvGeometry, Bool)] = [
        ("even output, pad 1", ConvGeometry(batch: 1, inChannels: 16, inHeight: 8, inWidth: 32, outChannels: 32,
                                            kernelHeight: 3, kernelWidth: 3, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1), true),
        // 17 tiles a row: a full vector step and one of a single tile, cut by the edge.
        ("odd output, pad 0", ConvGeometry(batch: 1, inChannels: 17, inHeight: 13, inWidth: 35, outChannels: 33,
                                           kernelHeight: 3, kernelWidth: 3), false),
        ("pad 2", ConvGeometry(batch: 1, inChannels: 18, inHeight: 9, inWidth: 30, outChannels: 29, kernelHeight: 3, kernelWidth: 3,
                               padTop: 2, padLeft: 2, padBottom: 2, padRight: 2), true),
        ("asymmetric pad", ConvGeometry(batch: 1, inChannels: 20, inHeight: 12, inWidth: 33, outChannels: 27, kernelHeight: 3,
                                        kernelWidth: 3, padTop: 0, padLeft: 2, padBottom: 1, padRight: 0), false),
        ("batch 2, odd width", ConvGeometry(batch: 2, inChannels: 24, inHeight: 10, inWidth: 35, outChannels: 24,
                                            kernelHeight: 3, kernelWidth: 3, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1), true),
        // 20 × 35 tiles in blocks of 32: blocks and runs start and end mid tile row.
        ("several blocks", ConvGeometry(batch: 1, inChannels: 40, inHeight: 39, inWidth: 70, outChannels: 36, kernelHeight: 3,
                                        kernelWidth: 3, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1), false),
        // 260 input channels: deeper than one slice of the packed GEMM (the microkernel takes them at once).
        ("deep", ConvGeometry(batch: 1, inChannels: 260, inHeight: 8, inWidth: 32, outChannels: 17, kernelHeight: 3, kernelWidth: 3,
                              padTop: 1, padLeft: 1, padBottom: 1, padRight: 1), true),
    ]
    return shapes.map { ConvCase($0.0, $0.1, &rng, withBias: $0.2) }
}()

@Test func winogradTakesOnlyItsShapes() {
    for c in winogradCases { #expect(Convolution.usesWinograd(c.g), "\(c.name)") }
    let base = ConvGeometry(batch: 1, inChannels: 32, inHeight: 32, inWidth: 32, outChannels: 32, kernelHeight: 3, kernelWidth: 3,
                            padTop: 1, padLeft: 1, padBottom: 1, padRight: 1)
    #expect(Convolution.usesWinograd(base))
    let declined: [(String, (inout ConvGeometry) -> Void)] = [
        ("stride 2", { $0.strideH = 2 }), ("dilation 2", { $0.dilationW = 2 }), ("2 groups", { $0.groups = 2 }),
        ("5 wide", { $0.kernelWidth = 5 }), ("8 input channels", { $0.inChannels = 8 }),
        // 12 tiles a row: too narrow for the transforms' 16-tile steps
        ("24 columns", { $0.inWidth = 24 }),
    ]
    for (name, change) in declined {
        var g = base
        change(&g)
        #expect(!Convolution.usesWinograd(g), "\(name)")
    }
}

@Test(arguments: Implementation.available)
func winogradMatchesReference(_ impl: Implementation) {
    for c in winogradCases {
        for threads in [1, 2] {
            let ok = c.check(threads: threads, impl, winograd: true)
            #expect(ok, "\(c.name) on \(threads) threads")
            let r = c.checkRelu(threads: threads, impl, winograd: true)
            #expect(r.matches && r.clamped && !r.negative, "\(c.name) with ReLU on \(threads) threads")
        }
    }
}

/// Each tile's arithmetic does not depend on which worker's run or block holds it.
@Test(arguments: Implementation.available)
func winogradGivesTheSameResultOnAnyThreadCount(_ impl: Implementation) {
    for c in winogradCases {
        let one = conv(c.g, c.input, c.weights, c.bias, threads: 1, impl, winograd: true)
        for threads in [2, 3] {
            let same = conv(c.g, c.input, c.weights, c.bias, threads: threads, impl, winograd: true) == one
            #expect(same, "\(c.name) on \(threads) threads")
        }
    }
}

/// A NaN in a tile reaches exactly the outputs whose window holds it (the transforms have no
/// term for the others), and the fused ReLU keeps it.
@Test(arguments: Implementation.available)
func winogradReluKeepsNaN(_ impl: Implementation) {
    let g = ConvGeometry(batch: 1, inChannels: 16, inHeight: 8, inWidth: 32, outChannels: 32, kernelHeight: 3, kernelWidth: 3,
                         padTop: 1, padLeft: 1, padBottom: 1, padRight: 1)
    #expect(Convolution.usesWinograd(g))
    var input = [Float](repeating: -1, count: g.inChannels * g.inHeight * g.inWidth)
    input[3 * g.inWidth + 3] = .nan     // in the input tiles of output tiles (1, 1) to (2, 2)
    let weights = [Float](repeating: 1, count: g.outChannels * g.inChannels * 9)
    let out = conv(g, input, weights, nil, threads: 1, activation: .relu, impl, winograd: true)
    for oc in 0..<g.outChannels {
        for y in 0..<g.outHeight {
            for x in 0..<g.outWidth {
                let v = out[(oc * g.outHeight + y) * g.outWidth + x]
                if abs(y - 3) <= 1 && abs(x - 3) <= 1 { #expect(v.isNaN, "(\(oc), \(y), \(x))") }
                else { #expect(v == 0, "(\(oc), \(y), \(x))") }
            }
        }
    }
}

// MARK: ConvTranspose

private struct Transposed: CustomStringConvertible {
    var batch = 1, inChannels = 1, inHeight = 1, inWidth = 1, outChannels = 1, outHeight = 1, outWidth = 1
    var kernelHeight = 1, kernelWidth = 1, strideH = 1, strideW = 1, padTop = 0, padLeft = 0
    var dilationH = 1, dilationW = 1, groups = 1

    /// ONNX's output size: stride·(in − 1) + output_padding + (k − 1)·dilation + 1 − pads.
    mutating func sizeOutput(padBottom: Int, padRight: Int, outputPaddingH: Int, outputPaddingW: Int) {
        outHeight = strideH * (inHeight - 1) + outputPaddingH + (kernelHeight - 1) * dilationH + 1 - padTop - padBottom
        outWidth = strideW * (inWidth - 1) + outputPaddingW + (kernelWidth - 1) * dilationW + 1 - padLeft - padRight
    }

    var description: String {
        "\(batch)×\(inChannels)×\(inHeight)×\(inWidth) → \(outChannels)×\(outHeight)×\(outWidth), k \(kernelHeight)×\(kernelWidth) "
            + "s \(strideH),\(strideW) p \(padTop),\(padLeft) d \(dilationH),\(dilationW) g \(groups)"
    }

    func check(_ rng: inout SeededRandom, threads: Int = 1, _ impl: Implementation) -> Bool {
        let input = rng.floats(batch * inChannels * inHeight * inWidth)
        let weights = rng.floats(inChannels * (outChannels / groups) * kernelHeight * kernelWidth)
        let bias = Bool.random(using: &rng) ? rng.floats(outChannels) : nil
        var out = [Float](repeating: .nan, count: batch * outChannels * outHeight * outWidth)
        let shape = TransposedShape(batch: batch, inChannels: inChannels, inHeight: inHeight, inWidth: inWidth,
                                    outChannels: outChannels, outHeight: outHeight, outWidth: outWidth,
                                    kernelHeight: kernelHeight, kernelWidth: kernelWidth, strideH: strideH, strideW: strideW,
                                    padTop: padTop, padLeft: padLeft, dilationH: dilationH, dilationW: dilationW, groups: groups)
        input.withUnsafeBufferPointer { x in
            weights.withUnsafeBufferPointer { w in
                out.withUnsafeMutableBufferPointer { o in
                    withOptionalPointer(bias) { b in
                        Convolution.convTranspose2d(input: x.baseAddress!, weights: w.baseAddress!, bias: b,
                                                    output: o.baseAddress!, shape: shape, threads: threads, using: impl)
                    }
                }
            }
        }
        func reference(_ f: (Float) -> Float) -> [Double] {
            ScalarReference.convTranspose2d(
                input: input.map(f), weights: weights.map(f), bias: bias?.map(f), batch: batch, inChannels: inChannels,
                inHeight: inHeight, inWidth: inWidth, outChannels: outChannels, outHeight: outHeight, outWidth: outWidth,
                kernelHeight: kernelHeight, kernelWidth: kernelWidth, strideH: strideH, strideW: strideW,
                padTop: padTop, padLeft: padLeft, dilationH: dilationH, dilationW: dilationW, groups: groups)
        }
        return matches(out, reference { $0 }, scale: reference { abs($0) })
    }
}

private func randomTransposed(_ rng: inout SeededRandom) -> Transposed {
    while true {
        var t = Transposed()
        t.groups = [1, 1, 2, 3].randomElement(using: &rng)!
        t.inChannels = t.groups * Int.random(in: 1...5, using: &rng)
        t.outChannels = t.groups * Int.random(in: 1...5, using: &rng)
        t.batch = Int.random(in: 1...2, using: &rng)
        t.inHeight = Int.random(in: 1...11, using: &rng)
        t.inWidth = Int.random(in: 1...13, using: &rng)
        t.kernelHeight = Int.random(in: 1...4, using: &rng)
        t.kernelWidth = Int.random(in: 1...5, using: &rng)
        t.strideH = Int.random(in: 1...3, using: &rng)
        t.strideW = Int.random(in: 1...3, using: &rng)
        t.dilationH = Int.random(in: 1...2, using: &rng)
        t.dilationW = Int.random(in: 1...2, using: &rng)
        t.padTop = Int.random(in: 0...2, using: &rng)
        t.padLeft = Int.random(in: 0...2, using: &rng)
        t.sizeOutput(padBottom: Int.random(in: 0...2, using: &rng), padRight: Int.random(in: 0...2, using: &rng),
                     outputPaddingH: Int.random(in: 0..<t.strideH, using: &rng),
                     outputPaddingW: Int.random(in: 0..<t.strideW, using: &rng))
        if Int.random(in: 0..<5, using: &rng) == 0 { t.outHeight += 2 }     // output_shape larger than the input reaches
        if t.outHeight > 0 && t.outWidth > 0 { return t }
    }
}

@Test(arguments: Implementation.available)
func convTransposeMatchesReference(_ impl: Implementation) {
    var rng = SeededRandom(seed: 70 + UInt64(impl.rawValue))
    for round in 0..<80 {
        let t = randomTransposed(&rng)
        let ok = t.check(&rng, impl)
        #expect(ok, "round \(round): \(t)")
    }
}

@Test(arguments: Implementation.available)
func convTransposeNamedShapes(_ impl: Implementation) {
    var rng = SeededRandom(seed: 80)
    var upsample = Transposed(inChannels: 8, inHeight: 9, inWidth: 7, outChannels: 4, kernelHeight: 2, kernelWidth: 2, strideH: 2, strideW: 2)
    upsample.sizeOutput(padBottom: 0, padRight: 0, outputPaddingH: 0, outputPaddingW: 0)
    var padded = Transposed(batch: 2, inChannels: 6, inHeight: 10, inWidth: 10, outChannels: 6, kernelHeight: 3, kernelWidth: 3,
                            strideH: 2, strideW: 2, padTop: 1, padLeft: 1, groups: 3)
    padded.sizeOutput(padBottom: 1, padRight: 1, outputPaddingH: 1, outputPaddingW: 1)
    var depthwise = Transposed(inChannels: 4, inHeight: 6, inWidth: 5, outChannels: 4, kernelHeight: 3, kernelWidth: 3, groups: 4)
    depthwise.sizeOutput(padBottom: 0, padRight: 0, outputPaddingH: 0, outputPaddingW: 0)
    // 72 rows × 1600 input pixels: more than one col2im chunk.
    var chunked = Transposed(inChannels: 16, inHeight: 40, inWidth: 40, outChannels: 8, kernelHeight: 3, kernelWidth: 3,
                             padTop: 1, padLeft: 1)
    chunked.sizeOutput(padBottom: 1, padRight: 1, outputPaddingH: 0, outputPaddingW: 0)
    for t in [upsample, padded, depthwise, chunked] {
        let ok = t.check(&rng, impl)
        #expect(ok, "\(t)")
    }
}

@Test(arguments: Implementation.available)
func convTransposeThreadedMatchesReference(_ impl: Implementation) {
    var rng = SeededRandom(seed: 90)
    var single = Transposed(inChannels: 32, inHeight: 24, inWidth: 24, outChannels: 16, kernelHeight: 4, kernelWidth: 4,
                            strideH: 2, strideW: 2, padTop: 1, padLeft: 1)
    single.sizeOutput(padBottom: 1, padRight: 1, outputPaddingH: 0, outputPaddingW: 0)
    var batched = Transposed(batch: 3, inChannels: 12, inHeight: 16, inWidth: 16, outChannels: 9, kernelHeight: 3, kernelWidth: 3,
                             strideH: 2, strideW: 2, groups: 3)
    batched.sizeOutput(padBottom: 0, padRight: 0, outputPaddingH: 1, outputPaddingW: 0)
    for t in [single, batched] {
        for threads in [2, 3] {
            let ok = t.check(&rng, threads: threads, impl)
            #expect(ok, "\(t) on \(threads) threads")
        }
    }
}
