/// Textbook loops in Double for the GEMM and convolution kernels, straight from the BLAS and
/// ONNX definitions.
extension ScalarReference {
    /// alpha · op(A) · op(B) + beta · C; beta 0 ignores C (BLAS), so NaN there does not leak.
    public static func sgemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Double,
                             a: [Float], lda: Int, b: [Float], ldb: Int,
                             beta: Double, c: [Float], ldc: Int) -> [Double] {
        var out = [Double](repeating: 0, count: m * n)
        for i in 0..<m {
            for j in 0..<n {
                var sum = 0.0
                for p in 0..<k {
                    let x = transA ? a[p * lda + i] : a[i * lda + p]
                    let y = transB ? b[j * ldb + p] : b[p * ldb + j]
                    sum += Double(x) * Double(y)
                }
                out[i * n + j] = alpha * sum + (beta == 0 ? 0 : beta * Double(c[i * ldc + j]))
            }
        }
        return out
    }

    /// ONNX Conv, NCHW, weights [outC, inC/groups, kH, kW].
    public static func conv2d(input: [Float], weights: [Float], bias: [Float]?, geometry g: ConvGeometry) -> [Double] {
        let outH = g.outHeight, outW = g.outWidth
        let icg = g.inChannels / g.groups, ocg = g.outChannels / g.groups
        var out = [Double](repeating: 0, count: g.batch * g.outChannels * outH * outW)
        for n in 0..<g.batch {
            for oc in 0..<g.outChannels {
                let group = oc / ocg
                for oy in 0..<outH {
                    for ox in 0..<outW {
                        var sum = bias.map { Double($0[oc]) } ?? 0
                        for c in 0..<icg {
                            let ic = group * icg + c
                            for ky in 0..<g.kernelHeight {
                                let iy = oy * g.strideH - g.padTop + ky * g.dilationH
                                guard iy >= 0 && iy < g.inHeight else { continue }
                                for kx in 0..<g.kernelWidth {
                                    let ix = ox * g.strideW - g.padLeft + kx * g.dilationW
                                    guard ix >= 0 && ix < g.inWidth else { continue }
                                    let x = input[((n * g.inChannels + ic) * g.inHeight + iy) * g.inWidth + ix]
                                    let w = weights[((oc * icg + c) * g.kernelHeight + ky) * g.kernelWidth + kx]
                                    sum += Double(x) * Double(w)
                                }
                            }
                        }
                        out[((n * g.outChannels + oc) * outH + oy) * outW + ox] = sum
                    }
                }
            }
        }
        return out
    }

    /// ONNX ConvTranspose, NCHW, weights [inC, outC/groups, kH, kW]: every input pixel scatters
    /// w·x to y = i·strideH − padTop + ky·dilationH (x likewise), over an output that starts at bias.
    public static func convTranspose2d(input: [Float], weights: [Float], bias: [Float]?,
                                       batch: Int, inChannels: Int, inHeight: Int, inWidth: Int,
                                       outChannels: Int, outHeight: Int, outWidth: Int,
                                       kernelHeight: Int, kernelWidth: Int, strideH: Int, strideW: Int,
                                       padTop: Int, padLeft: Int, dilationH: Int, dilationW: Int,
                                       groups: Int) -> [Double] {
        let icg = inChannels / groups, ocg = outChannels / groups
        var out = [Double](repeating: 0, count: batch * outChannels * outHeight * outWidth)
        for n in 0..<batch {
            for oc in 0..<outChannels {
                let base = (n * outChannels + oc) * outHeight * outWidth
                for p in 0..<(outHeight * outWidth) { out[base + p] = bias.map { Double($0[oc]) } ?? 0 }
            }
            for ic in 0..<inChannels {
                let group = ic / icg
                for i in 0..<inHeight {
                    for j in 0..<inWidth {
                        let x = Double(input[((n * inChannels + ic) * inHeight + i) * inWidth + j])
                        for o in 0..<ocg {
                            let oc = group * ocg + o
                            for ky in 0..<kernelHeight {
                                let y = i * strideH - padTop + ky * dilationH
                                guard y >= 0 && y < outHeight else { continue }
                                for kx in 0..<kernelWidth {
                                    let xx = j * strideW - padLeft + kx * dilationW
                                    guard xx >= 0 && xx < outWidth else { continue }
                                    let w = weights[((ic * ocg + o) * kernelHeight + ky) * kernelWidth + kx]
                                    out[((n * outChannels + oc) * outHeight + y) * outWidth + xx] += x * Double(w)
                                }
                            }
                        }
                    }
                }
            }
        }
        return out
    }
}
