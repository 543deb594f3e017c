import Testing
import TestSupport
@testable import Kernels

/// One product on the kernel (C padded by `ldc − n` sentinel columns) and the reference.
private struct Product: CustomStringConvertible {
    var transA = false, transB = false
    var m: Int, n: Int, k: Int
    var alpha: Float = 1, beta: Float = 0
    var padA = 0, padB = 0, padC = 0
    var a: [Float] = [], b: [Float] = [], c: [Float] = []

    var lda: Int { (transA ? m : k) + padA }
    var ldb: Int { (transB ? k : n) + padB }
    var ldc: Int { n + padC }

    init(m: Int, n: Int, k: Int) { self.m = m; self.n = n; self.k = k }

    var description: String {
        "\(m)×\(n)×\(k) tA \(transA) tB \(transB) α \(alpha) β \(beta) ld \(lda),\(ldb),\(ldc)"
    }

    /// Random operands; C is NaN when beta is 0, which the product must not read.
    mutating func fill(_ rng: inout SeededRandom) {
        a = rng.floats((transA ? k : m) * lda)
        b = rng.floats((transB ? n : k) * ldb)
        c = beta == 0 ? [Float](repeating: .nan, count: m * ldc) : rng.floats(m * ldc)
    }

    func run(threads: Int, _ impl: Implementation) -> [Float] {
        var out = c
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                out.withUnsafeMutableBufferPointer { c in
                    GEMM.sgemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha,
                               a: a.baseAddress!, lda: lda, b: b.baseAddress!, ldb: ldb,
                               beta: beta, c: c.baseAddress!, ldc: ldc, threads: threads, using: impl)
                }
            }
        }
        return out
    }

    func reference(absolute: Bool = false) -> [Double] {
        let f: (Float) -> Float = absolute ? { abs($0) } : { $0 }
        return ScalarReference.sgemm(transA: transA, transB: transB, m: m, n: n, k: k,
                                     alpha: Double(f(alpha)), a: a.map(f), lda: lda, b: b.map(f), ldb: ldb,
                                     beta: Double(f(beta)), c: c.map(f), ldc: ldc)
    }

    /// The kernel's m×n result matches, and the padding columns of C are untouched.
    func check(threads: Int, _ impl: Implementation, expected: [Double]? = nil, scale: [Double]? = nil) -> Bool {
        let out = run(threads: threads, impl)
        var result: [Float] = [], untouched = true
        for i in 0..<m {
            result += out[(i * ldc)..<(i * ldc + n)]
            for j in n..<ldc where out[i * ldc + j].bitPattern != c[i * ldc + j].bitPattern { untouched = false }
        }
        return untouched && matches(result, expected ?? reference(), scale: scale ?? reference(absolute: true))
    }
}

private func randomProduct(_ rng: inout SeededRandom, maxWork: Int = 1_500_000) -> Product {
    var p: Product
    repeat {
        p = Product(m: rng.dimension(), n: rng.dimension(), k: rng.dimension())
    } while p.m * p.n * p.k > maxWork
    p.transA = Bool.random(using: &rng)
    p.transB = Bool.random(using: &rng)
    p.alpha = [1, -0.5, 2.5].randomElement(using: &rng)!
    p.beta = [0, 0, 1, -1.5].randomElement(using: &rng)!
    p.padA = [0, 0, 1, 7].randomElement(using: &rng)!
    p.padB = [0, 0, 3].randomElement(using: &rng)!
    p.padC = [0, 0, 5].randomElement(using: &rng)!
    p.fill(&rng)
    return p
}

@Test func allVariantsAvailableHere() {
    #expect(Implementation.available.first == .portable)
    #expect(Implementation.available.contains(Implementation.selected))
    #expect(GEMM.implementation == Implementation.selected.name)
}

@Test func capNamesTheBestVariantAtOrBelowIt() {
    let all = Implementation.allCases
    #expect(Implementation.choose(cap: nil, available: all) == .avx512)
    #expect(Implementation.choose(cap: "portable", available: all) == .portable)
    #expect(Implementation.choose(cap: "AVX2", available: all) == .avx2)
    #expect(Implementation.choose(cap: "avx512", available: [.portable, .avx2]) == .avx2)
    #expect(Implementation.choose(cap: "bogus", available: [.portable]) == .portable)
}

@Test(arguments: Implementation.available)
func sgemmMatchesReference(_ impl: Implementation) {
    var rng = SeededRandom(seed: 10 + UInt64(impl.rawValue))
    for round in 0..<120 {
        let p = randomProduct(&rng)
        let ok = p.check(threads: 1, impl)
        #expect(ok, "round \(round): \(p)")
    }
}

/// Sizes big enough to be split, in each direction, over an even and an odd worker count; made
/// once with their references, which dominate the test time.
private let threadedProducts: [(Product, expected: [Double], scale: [Double])] = {
    var rng = SeededRandom(seed: 20)
    return [(203, 190, 150), (517, 29, 101), (29, 517, 101), (64, 300, 64), (4, 1000, 600)].map { m, n, k in
        var p = Product(m: m, n: n, k: k)
        p.transA = Bool.random(using: &rng)
        p.transB = Bool.random(using: &rng)
        p.beta = [0, 1].randomElement(using: &rng)!
        p.padC = 3
        p.fill(&rng)
        return (p, p.reference(), p.reference(absolute: true))
    }
}()

@Test(arguments: Implementation.available)
func sgemmThreadedMatchesReference(_ impl: Implementation) {
    for (p, expected, scale) in threadedProducts {
        for threads in [2, 3] {
            let ok = p.check(threads: threads, impl, expected: expected, scale: scale)
            #expect(ok, "\(p) on \(threads) threads")
        }
    }
}

@Test(arguments: Implementation.available)
func depthBeyondOneBlockAccumulates(_ impl: Implementation) {
    // k past the 256-deep block: beta must apply once, not once per block.
    var rng = SeededRandom(seed: 30)
    for k in [255, 256, 257, 600] {
        var p = Product(m: 13, n: 37, k: k)
        p.beta = 0.5
        p.alpha = -2
        p.fill(&rng)
        let ok = p.check(threads: 1, impl)
        #expect(ok, "\(p)")
    }
}

@Test(arguments: Implementation.available)
func emptyDepthOrZeroAlphaOnlyScalesC(_ impl: Implementation) {
    var rng = SeededRandom(seed: 31)
    for (k, alpha, beta) in [(0, Float(1), Float(0)), (0, 1, 2), (5, 0, 0), (5, 0, -1)] {
        var p = Product(m: 9, n: 21, k: k)
        p.padA = 1     // lda ≥ 1 even when k is 0, as BLAS asks
        p.alpha = alpha
        p.beta = beta
        p.fill(&rng)
        if alpha == 0 { p.a = p.a.map { _ in .nan } }     // BLAS: A is not read when alpha is 0
        let out = p.run(threads: 1, impl)
        let ok = out.indices.allSatisfy { out[$0] == (beta == 0 ? 0 : beta * p.c[$0]) }
        #expect(ok, "\(p)")
    }
}

@Test func emptyProductsLeaveCAlone() {
    for impl in Implementation.available {
        for (m, n) in [(0, 5), (5, 0)] {
            var p = Product(m: m, n: n, k: 3)
            p.beta = 1
            p.padB = 1
            p.padC = 1
            p.c = [Float](repeating: 7, count: max(m, 1) * p.ldc)
            p.a = [Float](repeating: 1, count: 16)
            p.b = [Float](repeating: 1, count: 16)
            let ok = p.run(threads: 2, impl) == p.c
            #expect(ok, "\(p)")
        }
    }
}
