import Kernels

/// Conv and ConvTranspose over `Kernels.Convolution`; 1-D convolutions run as 2-D with height 1.
enum ConvOps {
    /// Spatial attributes of a conv or pool node, normalized to two axes (height, width).
    struct Window {
        var kernel: [Int], strides: [Int], dilations: [Int]
        /// begin (top, left) and end (bottom, right) padding.
        var begin: [Int], end: [Int]
        var autoPad: String

        init(_ node: Node, kernel: [Int], _ c: RunContext) throws {
            let n = kernel.count
            self.kernel = kernel
            strides = node.ints("strides") ?? [Int](repeating: 1, count: n)
            dilations = node.ints("dilations") ?? [Int](repeating: 1, count: n)
            let pads = node.ints("pads") ?? [Int](repeating: 0, count: 2 * n)
            guard strides.count == n, dilations.count == n, pads.count == 2 * n,
                  strides.allSatisfy({ $0 > 0 }), dilations.allSatisfy({ $0 > 0 }), pads.allSatisfy({ $0 >= 0 }) else {
                throw c.fail(.badAttribute("strides, dilations or pads do not fit a \(n)-D kernel"))
            }
            begin = Array(pads[0..<n])
            end = Array(pads[n...])
            autoPad = node.string("auto_pad", "NOTSET")
        }

        var effectiveKernel: [Int] { zip(kernel, dilations).map { ($0 - 1) * $1 + 1 } }

        /// Resolves SAME_UPPER/SAME_LOWER/VALID against the input size (per the ONNX Conv spec).
        mutating func resolve(input: [Int]) {
            switch autoPad {
            case "SAME_UPPER", "SAME_LOWER":
                for i in input.indices {
                    let out = (input[i] + strides[i] - 1) / strides[i]
                    let total = max(0, (out - 1) * strides[i] + effectiveKernel[i] - input[i])
                    let small = total / 2
                    begin[i] = autoPad == "SAME_UPPER" ? small : total - small
                    end[i] = total - begin[i]
                }
            case "VALID":
                begin = begin.map { _ in 0 }
                end = end.map { _ in 0 }
            default: break
            }
        }

        /// Lifts a 1-D window to 2-D (height 1).
        var as2D: Window {
            guard kernel.count == 1 else { return self }
            var w = self
            w.kernel = [1] + kernel; w.strides = [1] + strides; w.dilations = [1] + dilations
            w.begin = [0] + begin; w.end = [0] + end
            return w
        }
    }

    /// [N, C, W] → [N, C, 1, W]; 4-D passes through.
    static func spatial2D(_ shape: [Int], _ c: RunContext) throws -> [Int] {
        switch shape.count {
        case 4: return shape
        case 3: return [shape[0], shape[1], 1, shape[2]]
        default: throw c.fail(.shapeMismatch("\(c.node.opType) takes 3-D or 4-D input, not \(shape)"))
        }
    }

    static func conv(_ x: Tensor, _ w: Tensor, _ b: Tensor?, _ c: RunContext) throws -> Tensor {
        let s = try spatial2D(x.shape, c)
        guard w.rank == x.rank else { throw c.fail(.shapeMismatch("weights \(w.shape) for input \(x.shape)")) }
        let ws = try spatial2D(w.shape, c)
        let groups = c.node.int("group", 1)
        guard groups > 0, s[1] % groups == 0, ws[0] % groups == 0, ws[1] * groups == s[1] else {
            throw c.fail(.shapeMismatch("input channels \(s[1]), weights \(w.shape), group \(groups)"))
        }
        var window = try Window(c.node, kernel: Array(w.shape[2...]), c)
        window.resolve(input: Array(x.shape[2...]))
        window = window.as2D
        guard window.kernel == [ws[2], ws[3]] else { throw c.fail(.shapeMismatch("kernel_shape \(window.kernel) against weights \(w.shape)")) }
        if let b, b.count != ws[0] { throw c.fail(.shapeMismatch("bias \(b.shape) for \(ws[0]) output channels")) }
        let g = ConvGeometry(
            batch: s[0], inChannels: s[1], inHeight: s[2], inWidth: s[3], outChannels: ws[0],
            kernelHeight: ws[2], kernelWidth: ws[3], strideH: window.strides[0], strideW: window.strides[1],
            padTop: window.begin[0], padLeft: window.begin[1], padBottom: window.end[0], padRight: window.end[1],
            dilationH: window.dilations[0], dilationW: window.dilations[1], groups: groups)
        guard g.outHeight > 0, g.outWidth > 0 else { throw c.fail(.shapeMismatch("input \(x.shape) is smaller than the kernel")) }
        let count = g.batch * g.outChannels * g.outHeight * g.outWidth
        let xv = x.floats, wv = w.floats, bv = b?.floats
        let activation: Convolution.Activation = c.node.fusedRelu ? .relu : .identity
        // conv2d writes every output value, so the buffer is not zeroed first.
        let out = [Float](unsafeUninitializedCapacity: count) { op, initialized in
            xv.withUnsafeBufferPointer { xp in
                wv.withUnsafeBufferPointer { wp in
                    let output = op.baseAddress!
                    if let bv {
                        bv.withUnsafeBufferPointer { bp in
                            Convolution.conv2d(input: xp.baseAddress!, weights: wp.baseAddress!, bias: bp.baseAddress,
                                               output: output, geometry: g, threads: c.threads, activation: activation)
                        }
                    } else {
                        Convolution.conv2d(input: xp.baseAddress!, weights: wp.baseAddress!, bias: nil,
                                           output: output, geometry: g, threads: c.threads, activation: activation)
                    }
                }
            }
            initialized = count
        }
        let shape = x.rank == 3 ? [g.batch, g.outChannels, g.outWidth] : [g.batch, g.outChannels, g.outHeight, g.outWidth]
        return Tensor(shape: shape, floats: out)
    }

    static func convTranspose(_ x: Tensor, _ w: Tensor, _ b: Tensor?, _ c: RunContext) throws -> Tensor {
        let s = try spatial2D(x.shape, c)
        guard w.rank == x.rank else { throw c.fail(.shapeMismatch("weights \(w.shape) for input \(x.shape)")) }
        let ws = try spatial2D(w.shape, c)
        let groups = c.node.int("group", 1)
        guard groups > 0, s[1] == ws[0], s[1] % groups == 0 else {
            throw c.fail(.shapeMismatch("input channels \(s[1]), weights \(w.shape), group \(groups)"))
        }
        let outChannels = ws[1] * groups
        if let b, b.count != outChannels { throw c.fail(.shapeMismatch("bias \(b.shape) for \(outChannels) output channels")) }
        let spatial = Array(x.shape[2...])
        let n = spatial.count
        var window = try Window(c.node, kernel: Array(w.shape[2...]), c)
        let outputPadding = c.node.ints("output_padding") ?? [Int](repeating: 0, count: n)
        guard outputPadding.count == n else { throw c.fail(.badAttribute("output_padding does not fit the kernel")) }
        var outSize = [Int](repeating: 0, count: n)
        let full = (0..<n).map { i in window.strides[i] * (spatial[i] - 1) + outputPadding[i] + window.effectiveKernel[i] }
        if let wanted = c.node.ints("output_shape") {
            let target = Array(wanted.suffix(n))
            guard target.count == n else { throw c.fail(.badAttribute("output_shape does not fit the kernel")) }
            for i in 0..<n {
                let total = full[i] - target[i]
                let upper = c.node.string("auto_pad", "NOTSET") == "SAME_UPPER"
                window.begin[i] = upper ? total / 2 : total - total / 2
                window.end[i] = total - window.begin[i]
                outSize[i] = target[i]
            }
        } else {
            let autoPad = c.node.string("auto_pad", "NOTSET")
            if autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER" {
                for i in 0..<n {
                    let target = spatial[i] * window.strides[i]
                    let total = max(0, full[i] - target)
                    window.begin[i] = autoPad == "SAME_UPPER" ? total / 2 : total - total / 2
                    window.end[i] = total - window.begin[i]
                }
            } else if autoPad == "VALID" {
                window.begin = window.begin.map { _ in 0 }
                window.end = window.end.map { _ in 0 }
            }
            for i in 0..<n { outSize[i] = full[i] - window.begin[i] - window.end[i] }
        }
        guard outSize.allSatisfy({ $0 > 0 }) else { throw c.fail(.shapeMismatch("output size \(outSize) is empty")) }
        let w2 = window.as2D
        let oh = n == 1 ? 1 : outSize[0], ow = outSize[n - 1]
        var out = [Float](repeating: 0, count: s[0] * outChannels * oh * ow)
        let xv = x.floats, wv = w.floats, bv = b?.floats
        xv.withUnsafeBufferPointer { xp in
            wv.withUnsafeBufferPointer { wp in
                out.withUnsafeMutableBufferPointer { op in
                    let output = op.baseAddress!
                    let run = { (bias: UnsafePointer<Float>?) in
                        Convolution.convTranspose2d(
                            input: xp.baseAddress!, weights: wp.baseAddress!, bias: bias, output: output,
                            batch: s[0], inChannels: s[1], inHeight: s[2], inWidth: s[3], outChannels: outChannels,
                            outHeight: oh, outWidth: ow, kernelHeight: ws[2], kernelWidth: ws[3],
                            strideH: w2.strides[0], strideW: w2.strides[1], padTop: w2.begin[0], padLeft: w2.begin[1],
                            dilationH: w2.dilations[0], dilationW: w2.dilations[1], groups: groups, threads: c.threads)
                    }
                    if let bv { bv.withUnsafeBufferPointer { run($0.baseAddress) } } else { run(nil) }
                }
            }
        }
        if c.node.fusedRelu { out.withUnsafeMutableBufferPointer { reluInPlace($0, threads: c.threads) } }
        let shape = n == 1 ? [s[0], outChannels, ow] : [s[0], outChannels, oh, ow]
        return Tensor(shape: shape, floats: out)
    }
}
