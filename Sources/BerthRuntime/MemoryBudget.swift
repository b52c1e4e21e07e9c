#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import BerthJSON
import FoundationEssentials

/// How much memory a multi-model endpoint's loaded models may hold together.
///
/// The default is a share of what the container may use: its cgroup memory limit (v2 `memory.max`, or v1
/// `memory.limit_in_bytes`) when one is set, else the machine's physical memory. The rest is left for request
/// bodies, answers and the process itself.
public enum MemoryBudget {
    static let defaultShare = 0.6

    public static func defaultBytes() -> Int {
        Int(Double(usableBytes()) * defaultShare)
    }

    /// What the container may use: its cgroup memory limit, else the machine's physical memory.
    public static func usableBytes() -> Int {
        containerLimit() ?? physicalMemory()
    }

    /// The cgroup's memory limit, or nil when there is none.
    static func containerLimit() -> Int? {
        for path in ["/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"] {
            guard let data = FileManager.default.contents(atPath: path) else { continue }
            let text = String(decoding: data, as: UTF8.self).trimmingWhitespace()
            // v1 reports "no limit" as a number near Int64.max; anything above physical memory is no limit.
            if let limit = Int(text), limit > 0, limit < physicalMemory() { return limit }
            return nil
        }
        return nil
    }

    static func physicalMemory() -> Int {
        max(1, sysconf(Int32(_SC_PHYS_PAGES))) * max(1, sysconf(Int32(_SC_PAGESIZE)))
    }
}
