package io.wharf.runtime;

import io.wharf.common.WharfException;

/**
 * Cgroup limits, with Docker's HostConfig meanings (0 = not set / unlimited unless noted).
 *
 * @param memory            bytes; 0 = unlimited
 * @param memorySwap        memory+swap bytes; 0 = unset (Docker then uses 2*memory), -1 = unlimited swap
 * @param memoryReservation soft limit bytes; 0 = unset
 * @param nanoCpus          CPUs in units of 1e-9 (Docker --cpus); converted to quota/period 100ms
 * @param cpuShares         relative weight (v1 shares; converted to cpu.weight on v2); 0 = unset
 * @param cpuQuota          microseconds per period; 0 = unset
 * @param cpuPeriod         microseconds; 0 = unset (100000 default when quota is set)
 * @param cpusetCpus        e.g. "0-1"; null = unset
 * @param cpusetMems        null = unset
 * @param pidsLimit         max pids; 0 or negative = unlimited
 * @param blkioWeight       10..1000, 0 = unset
 */
public record Resources(long memory, long memorySwap, long memoryReservation, long nanoCpus, long cpuShares,
                        long cpuQuota, long cpuPeriod, String cpusetCpus, String cpusetMems, long pidsLimit,
                        int blkioWeight) {
    public static final Resources NONE = new Resources(0, 0, 0, 0, 0, 0, 0, null, null, 0, 0);

    public Resources {
        if (memory < 0) throw WharfException.invalid("memory must not be negative");
        if (memory > 0 && memory < 6 * 1024 * 1024) throw WharfException.invalid("Minimum memory limit allowed is 6MB");
        if (memorySwap > 0 && memory > 0 && memorySwap < memory) {
            throw WharfException.invalid("Minimum memoryswap limit should be larger than memory limit, see usage");
        }
        if (memorySwap > 0 && memory == 0) throw WharfException.invalid("You should always set the Memory limit when using Memoryswap limit, see usage");
        if (nanoCpus < 0 || cpuShares < 0 || cpuQuota < 0 || cpuPeriod < 0) throw WharfException.invalid("cpu values must not be negative");
        if (nanoCpus > 0 && (cpuQuota > 0 || cpuPeriod > 0)) {
            throw WharfException.invalid("Conflicting options: Nano CPUs and CPU Period cannot both be set");
        }
        if (cpuPeriod != 0 && (cpuPeriod < 1000 || cpuPeriod > 1_000_000)) throw WharfException.invalid("CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)");
        if (cpuQuota != 0 && cpuQuota < 1000) throw WharfException.invalid("CPU cfs quota can not be less than 1ms (i.e. 1000)");
        if (blkioWeight != 0 && (blkioWeight < 10 || blkioWeight > 1000)) throw WharfException.invalid("Range of blkio weight is from 10 to 1000");
    }

    public Resources withMemory(long bytes) {
        return new Resources(bytes, memorySwap, memoryReservation, nanoCpus, cpuShares, cpuQuota, cpuPeriod, cpusetCpus, cpusetMems, pidsLimit, blkioWeight);
    }

    public Resources withPidsLimit(long limit) {
        return new Resources(memory, memorySwap, memoryReservation, nanoCpus, cpuShares, cpuQuota, cpuPeriod, cpusetCpus, cpusetMems, limit, blkioWeight);
    }

    public Resources withNanoCpus(long n) {
        return new Resources(memory, memorySwap, memoryReservation, n, cpuShares, cpuQuota, cpuPeriod, cpusetCpus, cpusetMems, pidsLimit, blkioWeight);
    }
}
