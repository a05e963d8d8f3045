import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// CPU time (user + system) of processes, from `/proc/PID/stat`, in seconds (clock-tick resolution).
enum ProcessCPUTime {
    /// The CPU time of `pid` and of its live children (nginx's workers), or nil if `pid` is gone.
    static func tree(_ pid: pid_t) -> Double? {
        guard let own = stat(pid) else { return nil }
        var total = own.cpu
        for child in children(of: pid) { total += stat(child)?.cpu ?? 0 }
        return total
    }

    /// This process's own CPU time (the in-process upstream's, while only it is busy).
    static func current() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
            + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }

    /// Parent pid and CPU seconds of `pid`.
    private static func stat(_ pid: pid_t) -> (parent: pid_t, cpu: Double)? {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/stat") else { return nil }
        let text = String(decoding: data, as: UTF8.self)
        // The command name (field 2) is in parentheses and may hold spaces: fields are counted after it.
        guard let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        // fields[0] is field 3 (state): ppid is field 4, utime 14, stime 15.
        guard fields.count > 12, let parent = pid_t(fields[1]), let user = Double(fields[11]),
              let system = Double(fields[12]) else { return nil }
        return (parent, (user + system) / Double(sysconf(Int32(_SC_CLK_TCK))))
    }

    private static func children(of pid: pid_t) -> [pid_t] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { pid_t($0) }.filter { stat($0)?.parent == pid }
    }
}
