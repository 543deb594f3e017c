// Single-precision matrix products for the Inference target (MatMul, Gemm, and Conv through
// Convolution). The arithmetic is C with intrinsics in CKernels, since Swift SIMD compiles to
// scalar code without a target CPU; this file picks the variant and splits the work.
internal import CKernels
import Dispatch
import Foundation

/// Microkernel variants, in order of preference.
enum Implementation: Int, CaseIterable, Sendable, Comparable {
    case portable, avx2, avx512

    var isa: ck_isa {
        switch self {
        case .portable: CK_PORTABLE
        case .avx2: CK_AVX2
        case .avx512: CK_AVX512
        }
    }

    var name: String {
        switch self {
        case .portable: "portable"
        case .avx2: "avx2"
        case .avx512: "avx512"
        }
    }

    static func < (a: Implementation, b: Implementation) -> Bool { a.rawValue < b.rawValue }

    /// The variants this CPU can run (tests run each).
    static let available: [Implementation] = allCases.filter { ck_isa_supported($0.isa) != 0 }

    /// The best available variant, capped by SLUICE_KERNELS (`portable`, `avx2`, `avx512`) so a
    /// deployment can rule out a path without a rebuild. Read once.
    static let selected = choose(cap: ProcessInfo.processInfo.environment["SLUICE_KERNELS"], available: available)

    /// The best of `available` at or below the variant `cap` names (no cap, or an unknown name: the best).
    static func choose(cap: String?, available: [Implementation]) -> Implementation {
        let limit = cap.flatMap { name in allCases.first { $0.name == name.lowercased() } } ?? .avx512
        return available.filter { $0 <= limit }.max() ?? .portable
    }

    var tileRows: Int { Int(ck_tile_rows(isa)) }
    var tileCols: Int { Int(ck_tile_cols(isa)) }
}

/// Products below this many multiply-adds per worker (a few microseconds) are not worth
/// handing to another thread: the pool's workers are usually still polling, so a region costs
/// about a microsecond to start (Dispatch's parked threads needed four times this much work).
let minimumWorkPerThread = 1 << 18

/// How many of `threads` workers to use for `work` multiply-adds split into `pieces` parts.
func workerCount(_ threads: Int, work: Int, pieces: Int) -> Int {
    max(1, min(threads, pieces, work / minimumWorkPerThread))
}

/// Runs body(0 ..< count) with the calling thread as one of the workers: on the worker pool, or
/// on Dispatch when another region holds the pool (concurrent callers, nested regions). The
/// workers share raw pointers, which are not Sendable; every caller gives each worker its own
/// part of the output.
func parallel(_ count: Int, _ body: (Int) -> Void) {
    if count <= 1 { body(0); return }
    if #available(macOS 15, *), WorkerPool.shared.workers > 0, WorkerPool.shared.run(count, body) { return }
    withoutActuallyEscaping(body) { body in
        let shared = UncheckedSendable(body)
        DispatchQueue.concurrentPerform(iterations: count) { shared.value($0) }
    }
}

private struct UncheckedSendable<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}

/// parallel(count) where worker w needs floats(w) of scratch: one block for all, allocated by the
/// caller and cut into 64-byte aligned slices. A worker thread's own malloc of a few hundred KiB
/// came from its arena, which glibc trims on free, so every region paid its page faults again
/// (six per inference of the demo model at batch 1).
func parallel(_ count: Int, scratch floats: (Int) -> Int, _ body: (Int, UnsafeMutablePointer<Float>) -> Void) {
    let most = (0..<max(count, 1)).map(floats).max() ?? 0
    let slice = max(16, (most + 15) / 16 * 16)
    withScratch(slice * max(count, 1)) { base in
        parallel(count) { w in body(w, base + w * slice) }
    }
}

/// `floats` of 64-byte aligned scratch for the duration of `body`.
func withScratch<R>(_ floats: Int, _ body: (UnsafeMutablePointer<Float>) -> R) -> R {
    let raw = UnsafeMutableRawPointer.allocate(byteCount: max(floats, 16) * MemoryLayout<Float>.stride, alignment: 64)
    defer { raw.deallocate() }
    return body(raw.bindMemory(to: Float.self, capacity: max(floats, 16)))
}

public enum GEMM {
    /// C[m×n] = alpha · op(A)[m×k] · op(B)[k×n] + beta · C, all row-major; op = transpose when trans*.
    /// lda/ldb/ldc are row strides of the matrices as stored. `threads` ≥ 1 splits the work (1 = calling thread only).
    public static func sgemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                             a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                             beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int, threads: Int) {
        sgemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
              beta: beta, c: c, ldc: ldc, threads: threads, using: .selected)
    }

    /// Which microkernel the CPU got: "avx512", "avx2", or "portable" (for logs and the benchmark).
    public static var implementation: String { Implementation.selected.name }

    static func sgemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                      a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                      beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int, threads: Int,
                      using impl: Implementation) {
        precondition(m >= 0 && n >= 0 && k >= 0, "negative matrix dimension")
        precondition(threads >= 1, "threads must be at least 1")
        precondition(lda >= max(1, transA ? m : k), "lda shorter than a row of A as stored")
        precondition(ldb >= max(1, transB ? k : n), "ldb shorter than a row of B as stored")
        precondition(ldc >= max(1, n), "ldc shorter than a row of C")
        guard m > 0, n > 0 else { return }
        // Split the longer side of C so each worker packs its own panels of the other operand
        // once; keep the cuts on tile boundaries.
        let splitColumns = n >= m
        let tile = splitColumns ? impl.tileCols : impl.tileRows
        let side = splitColumns ? n : m
        let workers = workerCount(threads, work: m * n * k, pieces: (side + tile - 1) / tile)
        let chunk = ((side + workers - 1) / workers + tile - 1) / tile * tile
        func part(_ w: Int) -> (lo: Int, rows: Int, cols: Int) {
            let lo = w * chunk, hi = min(side, lo + chunk)
            return (lo, splitColumns ? m : max(0, hi - lo), splitColumns ? max(0, hi - lo) : n)
        }
        parallel(workers, scratch: { w in
            let p = part(w)
            return ck_sgemm_scratch(impl.isa, p.rows, p.cols, k)
        }) { w, scratch in
            let (lo, rows, cols) = part(w)
            guard rows > 0, cols > 0 else { return }
            let (a, b, c) = splitColumns
                ? (a, transB ? b + lo * ldb : b + lo, c + lo)
                : (transA ? a + lo : a + lo * lda, b, c + lo * ldc)
            ck_sgemm(impl.isa, transA ? 1 : 0, transB ? 1 : 0, rows, cols, k, alpha, a, lda, b, ldb,
                     beta, c, ldc, scratch)
        }
    }
}
