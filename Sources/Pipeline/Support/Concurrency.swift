/// Maps `items` with at most `limit` tasks in flight, keeping the input order. Memory stays
/// bounded by `limit × chunk`, not by the number of items. Each task maps `chunk` consecutive
/// items: for work of a few microseconds an item (a header parse), a task per item would cost
/// more in task creation and thread wake-ups than the work itself.
func boundedMap<T: Sendable, R: Sendable>(
    _ items: [T], limit: Int, chunk: Int = 1, _ transform: @escaping @Sendable (T) async throws -> R
) async throws -> [R] {
    let chunk = max(chunk, 1)
    var results = [R?](repeating: nil, count: items.count)
    try await withThrowingTaskGroup(of: (Int, [R]).self) { group in
        var next = 0
        func addTask() {
            let start = next, part = Array(items[start..<min(start + chunk, items.count)])
            group.addTask {
                var out: [R] = []
                out.reserveCapacity(part.count)
                for item in part { out.append(try await transform(item)) }
                return (start, out)
            }
            next += part.count
        }
        for _ in 0..<max(limit, 1) where next < items.count { addTask() }
        while let (start, part) = try await group.next() {
            for (k, r) in part.enumerated() { results[start + k] = r }
            if next < items.count { addTask() }
        }
    }
    return results.map { $0! }
}
