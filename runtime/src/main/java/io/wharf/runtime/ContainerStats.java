package io.wharf.runtime;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Cgroup figures for `docker stats`, read from cgroup v1 or v2 files. Values not available are 0.
 *
 * @param read            when read
 * @param memoryUsage     bytes (v1 memory.usage_in_bytes, v2 memory.current)
 * @param memoryMaxUsage  bytes (v1 memory.max_usage_in_bytes; v2 memory.peak when present)
 * @param memoryLimit     bytes (the cgroup limit, or host memory when unlimited)
 * @param memoryStats     memory.stat as key→value (v1 includes total_inactive_file, v2 inactive_file)
 * @param cpuTotalNs      total CPU time in ns
 * @param cpuUserNs       user CPU time in ns
 * @param cpuSystemNs     system CPU time in ns
 * @param perCpuNs        per-CPU usage ns (v1 cpuacct.usage_percpu; empty on v2)
 * @param systemCpuNs     host CPU time in ns from /proc/stat (Docker's system_cpu_usage)
 * @param onlineCpus      number of online CPUs
 * @param pidsCurrent     pids.current
 * @param pidsLimit       pids.max (0 = unlimited)
 * @param blkio           io_service_bytes_recursive entries
 * @param networks        interface name → counters from /proc/&lt;pid&gt;/net/dev (empty when stopped)
 */
public record ContainerStats(Instant read, long memoryUsage, long memoryMaxUsage, long memoryLimit,
                             Map<String, Long> memoryStats, long cpuTotalNs, long cpuUserNs, long cpuSystemNs,
                             List<Long> perCpuNs, long systemCpuNs, int onlineCpus, long pidsCurrent, long pidsLimit,
                             List<BlkioEntry> blkio, Map<String, NetStats> networks) {
    /** One line of Docker's blkio_stats.io_service_bytes_recursive: op is Read, Write, Sync, Async, Discard or Total. */
    public record BlkioEntry(long major, long minor, String op, long value) {}

    public record NetStats(long rxBytes, long rxPackets, long rxErrors, long rxDropped,
                           long txBytes, long txPackets, long txErrors, long txDropped) {}
}
