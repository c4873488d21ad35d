package io.wharf.runtime;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads cgroup files for one container, on v1 (one hierarchy per controller, found in /proc/mounts) and v2 (one
 * unified hierarchy). The container's cgroup is taken from /proc/&lt;pid&gt;/cgroup while it runs, which is exact
 * whatever the runtime chose; else from the configured cgroupsPath.
 */
final class Cgroups {
    static final Path ROOT = Path.of("/sys/fs/cgroup");

    final CgroupMode mode;
    /** v1: controller name → mount point. */
    private final Map<String, Path> v1Mounts;

    Cgroups(CgroupMode mode) {
        this.mode = mode;
        this.v1Mounts = mode == CgroupMode.V2 ? Map.of() : readV1Mounts();
    }

    static CgroupMode detect() {
        if (Files.exists(ROOT.resolve("cgroup.controllers"))) return CgroupMode.V2;
        for (String[] m : mounts()) {
            if (m[2].equals("cgroup2")) return CgroupMode.HYBRID;
        }
        return CgroupMode.V1;
    }

    static List<String[]> mounts() {
        List<String[]> out = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/mounts"))) {
                String[] f = line.split(" ");
                if (f.length >= 4) out.add(f);
            }
        } catch (IOException ignored) {
        }
        return out;
    }

    private static Map<String, Path> readV1Mounts() {
        Map<String, Path> m = new HashMap<>();
        for (String[] f : mounts()) {
            if (!f[2].equals("cgroup")) continue;
            // options name the controllers of the hierarchy ("cpu,cpuacct"), or "name=systemd" for a named one
            for (String opt : f[3].split(",")) m.putIfAbsent(opt, Path.of(f[1]));
        }
        return m;
    }

    Map<String, Path> v1Mounts() {
        return v1Mounts;
    }

    /** The container's cgroup dir for a controller ("memory", "cpuacct", "pids"...; ignored on v2). */
    Path dir(String controller, long pid, String cgroupsPath) {
        String rel = null;
        if (pid > 0) rel = fromProc(pid, controller);
        if (rel == null) rel = cgroupsPath;
        if (mode == CgroupMode.V2) return ROOT.resolve(rel.substring(1));
        Path mount = v1Mounts.get(controller);
        if (mount == null) return null;
        return mount.resolve(rel.startsWith("/") ? rel.substring(1) : rel);
    }

    private String fromProc(long pid, String controller) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/cgroup"))) {
                String[] f = line.split(":", 3);
                if (f.length < 3) continue;
                if (mode == CgroupMode.V2) {
                    if (f[0].equals("0")) return f[2];
                } else {
                    for (String c : f[1].split(",")) if (c.equals(controller)) return f[2];
                }
            }
        } catch (IOException ignored) {
        }
        return null;
    }

    /** Trimmed content of a procfs/sysfs/cgroupfs file, or null. */
    static String read(Path p) {
        String s = readRaw(p);
        return s == null ? null : s.trim();
    }

    /**
     * Reads a pseudo-file with plain read() calls until EOF. Not Files.readString: it sizes its buffer from
     * stat (0 here) and, e.g. for /proc/sys/kernel/cap_last_cap, returns "4" instead of "40\n".
     */
    static String readRaw(Path p) {
        if (p == null) return null;
        try (java.io.FileInputStream in = new java.io.FileInputStream(p.toFile())) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return null;
        }
    }

    static long readLong(Path p) {
        String s = read(p);
        if (s == null || s.isEmpty() || s.equals("max")) return 0;
        try {
            return Long.parseLong(s.split("\\s+")[0]);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    static Map<String, Long> readKeyed(Path p) {
        Map<String, Long> m = new LinkedHashMap<>();
        String s = read(p);
        if (s == null) return m;
        for (String line : s.split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length == 2) {
                try {
                    m.put(f[0], Long.parseLong(f[1]));
                } catch (NumberFormatException ignored) {
                }
            }
        }
        return m;
    }

    boolean frozen(long pid, String cgroupsPath) {
        if (mode == CgroupMode.V2) {
            return "1".equals(read(dir("", pid, cgroupsPath).resolve("cgroup.freeze")));
        }
        Path d = dir("freezer", pid, cgroupsPath);
        String s = d == null ? null : read(d.resolve("freezer.state"));
        return s != null && (s.equals("FROZEN") || s.equals("FREEZING"));
    }

    /** The kernel's OOM-kill counter for the cgroup (memory.oom_control oom_kill on v1, memory.events on v2). */
    long oomKills(long pid, String cgroupsPath) {
        if (mode == CgroupMode.V2) {
            Path d = dir("", pid, cgroupsPath);
            Long n = readKeyed(d.resolve("memory.events")).get("oom_kill");
            return n == null ? 0 : n;
        }
        Path d = dir("memory", pid, cgroupsPath);
        if (d == null) return 0;
        Long n = readKeyed(d.resolve("memory.oom_control")).get("oom_kill");
        return n == null ? 0 : n;
    }

    List<Long> pids(long pid, String cgroupsPath) {
        Path d = mode == CgroupMode.V2 ? dir("", pid, cgroupsPath) : dir("pids", pid, cgroupsPath);
        if (d == null) d = dir("memory", pid, cgroupsPath);
        List<Long> out = new ArrayList<>();
        String s = d == null ? null : read(d.resolve("cgroup.procs"));
        if (s == null || s.isEmpty()) return out;
        for (String line : s.split("\n")) {
            try {
                out.add(Long.parseLong(line.trim()));
            } catch (NumberFormatException ignored) {
            }
        }
        return out;
    }

    /** Removes the container's (empty) cgroup dirs in every hierarchy. Best effort, idempotent. */
    void remove(String cgroupsPath) {
        String rel = cgroupsPath.startsWith("/") ? cgroupsPath.substring(1) : cgroupsPath;
        List<Path> dirs = new ArrayList<>();
        if (mode == CgroupMode.V2) dirs.add(ROOT.resolve(rel));
        else {
            for (Path m : new java.util.HashSet<>(v1Mounts.values())) dirs.add(m.resolve(rel));
            if (mode == CgroupMode.HYBRID) dirs.add(ROOT.resolve("unified").resolve(rel));
        }
        for (Path d : dirs) {
            try {
                Files.deleteIfExists(d); // rmdir of a cgroup dir; fails (ignored) while processes remain
            } catch (IOException ignored) {
            }
        }
    }

    /** True if any hierarchy still has the container's cgroup dir. */
    boolean exists(String cgroupsPath) {
        String rel = cgroupsPath.startsWith("/") ? cgroupsPath.substring(1) : cgroupsPath;
        if (mode == CgroupMode.V2) return Files.isDirectory(ROOT.resolve(rel));
        for (Path m : v1Mounts.values()) if (Files.isDirectory(m.resolve(rel))) return true;
        return false;
    }

    ContainerStats stats(long pid, String cgroupsPath) {
        long memUsage, memMax, memLimit;
        Map<String, Long> memStat;
        long cpuTotal, cpuUser, cpuSys;
        List<Long> perCpu = new ArrayList<>();
        long pidsCur, pidsMax;
        List<ContainerStats.BlkioEntry> blkio = new ArrayList<>();
        long hostMem = hostMemory();
        if (mode == CgroupMode.V2) {
            Path d = dir("", pid, cgroupsPath);
            memUsage = readLong(d.resolve("memory.current"));
            memMax = readLong(d.resolve("memory.peak"));
            memLimit = readLong(d.resolve("memory.max"));
            memStat = readKeyed(d.resolve("memory.stat"));
            Map<String, Long> cpu = readKeyed(d.resolve("cpu.stat"));
            cpuTotal = cpu.getOrDefault("usage_usec", 0L) * 1000;
            cpuUser = cpu.getOrDefault("user_usec", 0L) * 1000;
            cpuSys = cpu.getOrDefault("system_usec", 0L) * 1000;
            pidsCur = readLong(d.resolve("pids.current"));
            pidsMax = readLong(d.resolve("pids.max"));
            String io = read(d.resolve("io.stat"));
            if (io != null && !io.isEmpty()) {
                for (String line : io.split("\n")) {
                    String[] f = line.trim().split("\\s+");
                    String[] mm = f[0].split(":");
                    if (mm.length != 2) continue;
                    long major = Long.parseLong(mm[0]), minor = Long.parseLong(mm[1]);
                    for (int i = 1; i < f.length; i++) {
                        String[] kv = f[i].split("=");
                        if (kv.length != 2) continue;
                        if (kv[0].equals("rbytes")) blkio.add(new ContainerStats.BlkioEntry(major, minor, "read", Long.parseLong(kv[1])));
                        if (kv[0].equals("wbytes")) blkio.add(new ContainerStats.BlkioEntry(major, minor, "write", Long.parseLong(kv[1])));
                    }
                }
            }
        } else {
            Path mem = dir("memory", pid, cgroupsPath);
            memUsage = mem == null ? 0 : readLong(mem.resolve("memory.usage_in_bytes"));
            memMax = mem == null ? 0 : readLong(mem.resolve("memory.max_usage_in_bytes"));
            memLimit = mem == null ? 0 : readLong(mem.resolve("memory.limit_in_bytes"));
            memStat = mem == null ? Map.of() : readKeyed(mem.resolve("memory.stat"));
            Path acct = dir("cpuacct", pid, cgroupsPath);
            cpuTotal = acct == null ? 0 : readLong(acct.resolve("cpuacct.usage"));
            String pc = acct == null ? null : read(acct.resolve("cpuacct.usage_percpu"));
            if (pc != null && !pc.isEmpty()) for (String v : pc.split("\\s+")) perCpu.add(Long.parseLong(v));
            Map<String, Long> st = acct == null ? Map.of() : readKeyed(acct.resolve("cpuacct.stat"));
            long tick = 10_000_000L; // USER_HZ = 100
            cpuUser = st.getOrDefault("user", 0L) * tick;
            cpuSys = st.getOrDefault("system", 0L) * tick;
            Path pd = dir("pids", pid, cgroupsPath);
            pidsCur = pd == null ? 0 : readLong(pd.resolve("pids.current"));
            pidsMax = pd == null ? 0 : readLong(pd.resolve("pids.max"));
            Path bd = dir("blkio", pid, cgroupsPath);
            String io = bd == null ? null : read(bd.resolve("blkio.throttle.io_service_bytes_recursive"));
            if (io != null && !io.isEmpty()) {
                for (String line : io.split("\n")) {
                    String[] f = line.trim().split("\\s+");
                    if (f.length != 3) continue;
                    String[] mm = f[0].split(":");
                    if (mm.length != 2) continue;
                    blkio.add(new ContainerStats.BlkioEntry(Long.parseLong(mm[0]), Long.parseLong(mm[1]), f[1], Long.parseLong(f[2])));
                }
            }
        }
        if (memLimit <= 0 || memLimit > hostMem) memLimit = hostMem;
        return new ContainerStats(Instant.now(), memUsage, memMax, memLimit, memStat, cpuTotal, cpuUser, cpuSys,
                perCpu, systemCpuNs(), Runtime.getRuntime().availableProcessors(), pidsCur, pidsMax, blkio,
                netStats(pid));
    }

    static long hostMemory() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) return Long.parseLong(line.replaceAll("\\D+", "")) * 1024;
            }
        } catch (IOException | NumberFormatException ignored) {
        }
        return 0;
    }

    static long systemCpuNs() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/stat"))) {
                if (line.startsWith("cpu ")) {
                    long sum = 0;
                    String[] f = line.trim().split("\\s+");
                    for (int i = 1; i < f.length && i <= 8; i++) sum += Long.parseLong(f[i]);
                    return sum * 10_000_000L;
                }
            }
        } catch (IOException | NumberFormatException ignored) {
        }
        return 0;
    }

    static Map<String, ContainerStats.NetStats> netStats(long pid) {
        Map<String, ContainerStats.NetStats> m = new LinkedHashMap<>();
        if (pid <= 0) return m;
        try {
            List<String> lines = Files.readAllLines(Path.of("/proc/" + pid + "/net/dev"));
            for (String line : lines.subList(Math.min(2, lines.size()), lines.size())) {
                int colon = line.indexOf(':');
                if (colon < 0) continue;
                String name = line.substring(0, colon).trim();
                if (name.equals("lo")) continue;
                String[] f = line.substring(colon + 1).trim().split("\\s+");
                if (f.length < 12) continue;
                m.put(name, new ContainerStats.NetStats(Long.parseLong(f[0]), Long.parseLong(f[1]), Long.parseLong(f[2]),
                        Long.parseLong(f[3]), Long.parseLong(f[8]), Long.parseLong(f[9]), Long.parseLong(f[10]), Long.parseLong(f[11])));
            }
        } catch (IOException | RuntimeException ignored) {
        }
        return m;
    }
}
