public import Foundation

/// A fresh folder under the system temp dir, removed when `remove()` is called.
public struct TemporaryDirectory: Sendable {
    public let path: String

    public init(_ label: String = "sluice") throws {
        let base = FileManager.default.temporaryDirectory.path
        path = "\(base)/\(label)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    public func file(_ name: String) -> String { "\(path)/\(name)" }

    public func remove() { try? FileManager.default.removeItem(atPath: path) }
}

public struct ProcessResult: Sendable {
    public let status: Int32
    public let stdout: String
    public let stderr: String
    public let stdoutData: Data
}

/// Runs a program to completion (looked up on PATH when `program` has no slash).
@discardableResult
public func runProcess(
    _ program: String, _ arguments: [String], stdin: Data? = nil,
    environment: [String: String]? = nil, currentDirectory: String? = nil
) throws -> ProcessResult {
    let process = Process()
    if program.contains("/") {
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
    } else {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [program] + arguments
    }
    if let environment {
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    }
    if let currentDirectory { process.currentDirectoryURL = URL(fileURLWithPath: currentDirectory) }
    let out = Pipe(), err = Pipe(), input = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = input
    try process.run()
    if let stdin { input.fileHandleForWriting.write(stdin) }
    try? input.fileHandleForWriting.close()
    // Drain both pipes concurrently so a chatty child never blocks on a full pipe.
    nonisolated(unsafe) var errData = Data()
    let group = DispatchGroup()
    group.enter()
    DispatchQueue.global().async {
        errData = err.fileHandleForReading.readDataToEndOfFile()
        group.leave()
    }
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    process.waitUntilExit()
    return ProcessResult(
        status: process.terminationStatus,
        stdout: String(decoding: outData, as: UTF8.self),
        stderr: String(decoding: errData, as: UTF8.self),
        stdoutData: outData)
}

/// Runs a Python snippet with python3; arguments follow in sys.argv[1:].
@discardableResult
public func runPython(_ script: String, _ arguments: [String] = []) throws -> ProcessResult {
    try runProcess("python3", ["-c", script] + arguments)
}

/// The built `sluice` executable: $SLUICE_BIN (set by `make test`), else next to the test bundle.
public var sluiceBinary: String {
    if let path = ProcessInfo.processInfo.environment["SLUICE_BIN"], !path.isEmpty { return path }
    var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    for _ in 0..<4 {
        let candidate = dir.appendingPathComponent("sluice").path
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        dir = dir.deletingLastPathComponent()
    }
    return ".build/debug/sluice"
}

/// True when `program` is found on PATH (peers and oracles are installed by `make test-deps`).
public func haveProgram(_ program: String) -> Bool {
    (try? runProcess("sh", ["-c", "command -v \(program)"]).status) == 0
}

/// SplitMix64 (Steele, Lea & Flood 2014): seeded, reproducible randomness for property and
/// fuzz-style tests, so a failing case can be replayed from its seed.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    public var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
