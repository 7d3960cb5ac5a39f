// The library's log for apps: hand-written beside the generated bindings
// (Storyloom.swift), on top of setLogSink / clearLogSink (ADR 0014).
import Foundation
#if canImport(os)
import os
#endif

/// A `LogSink` that writes to the unified logging system (`os.Logger`,
/// subsystem `org.storyloom`, one category per area: `sync`, `media`…), so
/// Console.app and `log stream --predicate 'subsystem == "org.storyloom"'`
/// show it. Elsewhere (Linux) it prints to standard error. Records hold
/// ids, counts, sizes and durations, never personal data, so they are
/// logged as public.
public final class OSLogSink: LogSink, @unchecked Sendable {
    private let subsystem: String

    public init(subsystem: String = "org.storyloom") {
        self.subsystem = subsystem
    }

    public func log(record: LogRecord) throws {
        let area = record.target.components(separatedBy: "::").last ?? record.target
        #if canImport(os)
        let logger = Logger(subsystem: subsystem, category: area)
        let message = record.message
        switch record.level {
        case .error: logger.error("\(message, privacy: .public)")
        case .warn: logger.warning("\(message, privacy: .public)")
        case .info: logger.info("\(message, privacy: .public)")
        case .debug: logger.debug("\(message, privacy: .public)")
        case .trace: logger.trace("\(message, privacy: .public)")
        }
        #else
        FileHandle.standardError.write(Data("[\(record.level)] \(record.target): \(record.message)\n".utf8))
        #endif
    }
}

/// Sends the library's log at `maxLevel` and above to the unified logging
/// system. Call it once at start-up:
///
/// ```swift
/// logToPlatform(maxLevel: .info)
/// ```
///
/// Returns false if the process already has another Rust `tracing`
/// subscriber, which then receives the events instead.
@discardableResult
public func logToPlatform(maxLevel: LogLevel = .info) -> Bool {
    setLogSink(sink: OSLogSink(), maxLevel: maxLevel)
}

/// Sends the library's log at `maxLevel` and above to `log`, called on the
/// thread that did the work: keep it quick and thread-safe. An error
/// thrown by `log` is ignored by the library.
@discardableResult
public func setLogSink(maxLevel: LogLevel = .info, _ log: @escaping @Sendable (LogRecord) -> Void) -> Bool {
    setLogSink(sink: ClosureLogSink(log), maxLevel: maxLevel)
}

private final class ClosureLogSink: LogSink, @unchecked Sendable {
    private let body: @Sendable (LogRecord) -> Void

    init(_ body: @escaping @Sendable (LogRecord) -> Void) {
        self.body = body
    }

    func log(record: LogRecord) throws {
        body(record)
    }
}
