/// Maps `items` with at most `limit` tasks in flight, keeping the input order. Memory stays
/// bounded by `limit`, not by the number of items.
func boundedMap<T: Sendable, R: Sendable>(
    _ items: [T], limit: Int, _ transform: @escaping @Sendable (T) async throws -> R
) async throws -> [R] {
    var results = [R?](repeating: nil, count: items.count)
    try await withThrowingTaskGroup(of: (Int, R).self) { group in
        var next = 0
        for _ in 0..<min(max(limit, 1), items.count) {
            let i = next, item = items[i]
            group.addTask { (i, try await transform(item)) }
            next += 1
        }
        while let (i, r) = try await group.next() {
            results[i] = r
            if next < items.count {
                let j = next, item = items[j]
                group.addTask { (j, try await transform(item)) }
                next += 1
            }
        }
    }
    return results.map { $0! }
}
