package io.wharf.runtime;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Host preparation Wharf runs at every start (idempotent), and the checks behind `wharf doctor`.
 *
 * <p>The quirk fixed here (see anchors/setup.sh §2a): on a hybrid host the v2 hierarchy at /sys/fs/cgroup/unified
 * can still own a controller (hugetlb on this kind of VM) that has no v1 mount; crun then refuses to run ("cgroups
 * in hybrid mode"). Mounting each such controller as its own v1 hierarchy moves it off v2. A v1 hierarchy also
 * outlives its umount while it has child cgroups, so a controller that sits in a v1 hierarchy (non-zero hierarchy id
 * in /proc/cgroups) but is mounted nowhere is mounted again.
 */
public final class HostSetup {
    private HostSetup() {}

    /** Applies the host fixes; returns what it changed (empty when nothing was needed). */
    public static List<String> prepare() {
        List<String> done = new ArrayList<>();
        favorDynamicModifications(done);
        Path unified = Path.of("/sys/fs/cgroup/unified/cgroup.controllers");
        if (Cgroups.detect() == CgroupMode.V2 || !Files.exists(unified)) return done;
        Set<String> controllers = new LinkedHashSet<>();
        String owned = Cgroups.read(unified);
        if (owned != null && !owned.isBlank()) controllers.addAll(List.of(owned.trim().split("\\s+")));
        Set<String> mountedV1 = new LinkedHashSet<>();
        for (String[] m : Cgroups.mounts()) {
            if (m[2].equals("cgroup")) mountedV1.addAll(List.of(m[3].split(",")));
        }
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cgroups"))) {
                if (line.startsWith("#")) continue;
                String[] f = line.trim().split("\\s+");
                if (f.length >= 4 && !f[1].equals("0") && f[3].equals("1") && !mountedV1.contains(f[0])) controllers.add(f[0]);
            }
        } catch (IOException ignored) {
        }
        for (String c : controllers) {
            Path mp = Path.of("/sys/fs/cgroup", c);
            if (mountedV1.contains(c)) continue;
            try {
                Files.createDirectories(mp);
                int rc = run(List.of("mount", "-t", "cgroup", "-o", c, "cgroup", mp.toString()));
                if (rc == 0) done.add("mounted the " + c + " controller as a v1 hierarchy at " + mp + " (it was held by the v2 hierarchy)");
                else done.add("FAILED to mount the " + c + " controller at " + mp + " (mount exit " + rc + ")");
            } catch (IOException e) {
                done.add("FAILED to mount the " + c + " controller at " + mp + ": " + e.getMessage());
            }
        }
        return done;
    }

    /**
     * Every container start and every exec moves a process into the container's cgroups (crun writes cgroup.procs,
     * once per v1 hierarchy). By default the kernel guards such moves with a per-cpu rwsem whose writer waits for an
     * RCU grace period: ~8-10 ms per `crun create` and per `crun exec` on this kind of VM, a quarter of a `docker exec`.
     * The cgroup2 mount option favordynmods (Linux 6.0+; CONFIG_CGROUP_FAVOR_DYNMODS makes it the default) keeps
     * that rwsem in its slow-reader mode instead, so a move costs ~0.1 ms and fork/exit pay an uncontended atomic.
     * The rwsem is global, so one cgroup2 mount (v2 root or the hybrid "unified" one) with the option suffices.
     * Remounting keeps every other option. Older kernels reject the option: nothing changes then.
     */
    static void favorDynamicModifications(List<String> done) {
        for (String[] m : Cgroups.mounts()) {
            if (!m[2].equals("cgroup2")) continue;
            if (List.of(m[3].split(",")).contains("favordynmods")) return;
            try {
                int rc = run(List.of("mount", "-o", "remount,favordynmods", m[1]));
                if (rc == 0) done.add("remounted " + m[1] + " with favordynmods (cgroup moves without an RCU grace period each)");
            } catch (IOException ignored) {
                // no mount(8) or no permission: containers still work, only slower to start
            }
            return;
        }
    }

    /** The host's cgroup layout. */
    public static CgroupMode cgroupMode() {
        return Cgroups.detect();
    }

    /** Hard RLIMIT_NOFILE of this process (containers never get more: raising needs CAP_SYS_RESOURCE). */
    public static long hardNofile() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
                if (line.startsWith("Max open files")) {
                    String[] f = line.substring("Max open files".length()).trim().split("\\s+");
                    return f[1].equals("unlimited") ? 1_048_576L : Long.parseLong(f[1]);
                }
            }
        } catch (IOException | RuntimeException ignored) {
        }
        return 1024;
    }

    static int capLastCap() {
        String s = Cgroups.read(Path.of("/proc/sys/kernel/cap_last_cap"));
        try {
            return s == null ? 40 : Integer.parseInt(s);
        } catch (NumberFormatException e) {
            return 40;
        }
    }

    /** Everything `wharf doctor` reports about the container runtime side of the host. */
    public static List<HostCheck> checks(RuntimeConfig config) {
        List<HostCheck> out = new ArrayList<>();
        out.add(binary(config.runtimeName(), config.runtimePath(), "--version", "apt-get install -y " + config.runtimeName()));
        if (!config.runtimeName().equals("runc")) out.add(binary("runc", RuntimeConfig.which("runc", Path.of("/usr/sbin/runc")), "--version", "apt-get install -y runc (optional: alternative runtime)"));
        out.add(binary("conmon", config.conmonPath(), "--version", "apt-get install -y conmon"));
        String fs = Cgroups.read(Path.of("/proc/filesystems"));
        out.add(fs != null && fs.contains("\toverlay")
                ? HostCheck.ok("overlayfs", "overlay in /proc/filesystems")
                : HostCheck.fail("overlayfs", "overlay is not in /proc/filesystems", "modprobe overlay"));
        List<String> missing = new ArrayList<>();
        for (String ns : List.of("mnt", "pid", "net", "ipc", "uts", "cgroup", "user")) {
            if (!Files.exists(Path.of("/proc/self/ns", ns))) missing.add(ns);
        }
        out.add(missing.isEmpty() ? HostCheck.ok("namespaces", "mnt pid net ipc uts cgroup user")
                : HostCheck.fail("namespaces", "missing: " + String.join(" ", missing), "use a kernel with these namespaces enabled"));
        CgroupMode mode = Cgroups.detect();
        out.add(HostCheck.ok("cgroup.version", switch (mode) {
            case V2 -> "v2 (unified)";
            case V1 -> "v1";
            case HYBRID -> "hybrid (v1 controllers + v2 at /sys/fs/cgroup/unified); containers use v1";
        }));
        if (mode == CgroupMode.V2) {
            String ctrls = Cgroups.read(Path.of("/sys/fs/cgroup/cgroup.controllers"));
            Set<String> have = ctrls == null ? Set.of() : Set.of(ctrls.split("\\s+"));
            for (String c : List.of("memory", "cpu", "pids", "io")) {
                out.add(have.contains(c) ? HostCheck.ok("cgroup." + c, "enabled")
                        : HostCheck.fail("cgroup." + c, "controller not enabled in /sys/fs/cgroup/cgroup.controllers", "boot with systemd.unified_cgroup_hierarchy=1 and the controller enabled"));
            }
        } else {
            Cgroups cg = new Cgroups(mode);
            for (String c : List.of("memory", "cpu", "cpuacct", "pids", "freezer", "devices", "blkio", "cpuset")) {
                out.add(cg.v1Mounts().containsKey(c) ? HostCheck.ok("cgroup." + c, cg.v1Mounts().get(c).toString())
                        : HostCheck.fail("cgroup." + c, "no v1 mount for the " + c + " controller", "mkdir -p /sys/fs/cgroup/" + c + " && mount -t cgroup -o " + c + " cgroup /sys/fs/cgroup/" + c));
            }
            if (mode == CgroupMode.HYBRID) {
                String owned = Cgroups.read(Path.of("/sys/fs/cgroup/unified/cgroup.controllers"));
                out.add(owned == null || owned.isBlank()
                        ? HostCheck.ok("cgroup.hybrid", "the v2 hierarchy owns no controller")
                        : HostCheck.fail("cgroup.hybrid", "the v2 hierarchy owns: " + owned.trim() + " (crun refuses to run)",
                        "start wharf (it mounts them as v1 hierarchies) or: mount -t cgroup -o " + owned.trim().split("\\s+")[0] + " cgroup /sys/fs/cgroup/" + owned.trim().split("\\s+")[0]));
                if (cg.v1Mounts().containsKey("memory") && !Files.exists(cg.v1Mounts().get("memory").resolve("memory.memsw.limit_in_bytes"))) {
                    out.add(HostCheck.warn("cgroup.swap", "no swap accounting: --memory-swap is ignored", "boot with swapaccount=1"));
                }
            }
        }
        long nofile = hardNofile();
        out.add(nofile < 65536
                ? HostCheck.warn("rlimit.nofile", "hard limit " + nofile + "; containers get at most this many open files", "raise the hard limit of the wharf service (LimitNOFILE=1048576)")
                : HostCheck.ok("rlimit.nofile", "hard limit " + nofile));
        out.add(disk(config.containersRoot()));
        return out;
    }

    private static HostCheck disk(Path p) {
        Path q = p;
        while (q != null && !Files.exists(q)) q = q.getParent();
        if (q == null) return HostCheck.warn("disk", "cannot stat " + p, "create " + p);
        try {
            FileStore fs = Files.getFileStore(q);
            long free = fs.getUsableSpace();
            String detail = (free >> 20) + " MiB free under " + q;
            return free < (1L << 30) ? HostCheck.warn("disk", detail, "free disk space (containers, images and logs live there)") : HostCheck.ok("disk", detail);
        } catch (IOException e) {
            return HostCheck.warn("disk", "cannot stat " + q + ": " + e.getMessage(), "");
        }
    }

    private static HostCheck binary(String name, Path path, String versionFlag, String fix) {
        if (path == null || !Files.isExecutable(path)) return HostCheck.fail(name, "not found", fix);
        try {
            Process p = new ProcessBuilder(path.toString(), versionFlag).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor(5, TimeUnit.SECONDS);
            String first = out.lines().findFirst().orElse("").trim();
            return HostCheck.ok(name, path + ": " + first);
        } catch (IOException e) {
            return HostCheck.fail(name, path + ": " + e.getMessage(), fix);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return HostCheck.warn(name, "interrupted", "");
        }
    }

    private static int run(List<String> cmd) throws IOException {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
    }
}
