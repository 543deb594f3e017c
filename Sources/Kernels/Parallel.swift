/// Data parallelism for callers above the kernels (the executor runs the samples of a batch
/// side by side): the same worker pool the kernels use, so the two never oversubscribe the cores.
public enum Parallel {
    /// body(0) … body(count − 1), at most `count` at a time, the calling thread one of the
    /// workers. A kernel called inside with one thread runs inline; with more it falls back to
    /// Dispatch (the pool is busy), so nesting is safe but buys nothing. Each call must write
    /// only its own part of any shared output.
    public static func forEach(_ count: Int, _ body: (Int) -> Void) {
        parallel(count, body)
    }
}
