package io.wharf.runtime;

import io.wharf.common.WharfException;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Builds an OCI runtime-spec 1.0.2 config.json (as plain maps for Jackson) from a {@link ContainerSpec}, with the
 * defaults Docker/moby's oci.DefaultSpec uses: capabilities, device cgroup rules, /proc /dev /dev/pts /dev/shm
 * /dev/mqueue /sys /sys/fs/cgroup mounts, masked and read-only paths. Seccomp is omitted (Docker's profile is a
 * large document; the namespaces, capabilities and masked paths carry the isolation the tutorial shows).
 * See https://github.com/opencontainers/runtime-spec/blob/v1.0.2/config.md and config-linux.md.
 */
final class OciConfig {
    private OciConfig() {}

    /** moby's defaultCapabilities (oci/caps/defaults.go). */
    static final List<String> DEFAULT_CAPS = List.of("CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER",
            "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP",
            "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE");

    /** All capabilities by number (linux/capability.h), for privileged and "ALL". Trimmed to cap_last_cap. */
    static final List<String> ALL_CAPS = List.of("CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER",
            "CAP_FSETID", "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE",
            "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK",
            "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT",
            "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG",
            "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE",
            "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON",
            "CAP_BPF", "CAP_CHECKPOINT_RESTORE");

    /** moby's oci.DefaultSpec masked paths. */
    static final List<String> DEFAULT_MASKED = List.of("/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys",
            "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi",
            "/sys/firmware", "/sys/devices/virtual/powercap");

    static final List<String> DEFAULT_READONLY = List.of("/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
            "/proc/sysrq-trigger");

    static final String DEFAULT_PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    /** Inputs decided by the runtime rather than the engine. */
    record Context(CgroupMode cgroupMode, String cgroupsPath, long nofileHard, int capLastCap, boolean swapAccounting,
                   Path hostsFile, Path hostnameFile, Path resolvConfFile,
                   Function<String, Long> runningPidOf) {}

    static Map<String, Object> build(ContainerSpec spec, UserResolver.ResolvedUser user, Context ctx) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("ociVersion", "1.0.2");
        root.put("process", process(spec, user, ctx, spec.args(), spec.env(), spec.cwd(), spec.tty(), spec.privileged()));
        root.put("root", Map.of("path", spec.rootfs().toString(), "readonly", spec.readonlyRootfs()));
        if (!(spec.uts() instanceof NamespaceMode.Host)) {
            root.put("hostname", spec.hostname());
            if (spec.domainname() != null && !spec.domainname().isEmpty()) root.put("domainname", spec.domainname());
        }
        root.put("mounts", mounts(spec, ctx));
        root.put("annotations", spec.annotations());
        root.put("linux", linux(spec, ctx));
        return root;
    }

    /** The "process" object; also used for exec (with the exec's args/env/cwd/user/tty). */
    static Map<String, Object> process(ContainerSpec spec, UserResolver.ResolvedUser user, Context ctx, List<String> args,
                                       List<String> env, String cwd, boolean tty, boolean privileged) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("terminal", tty);
        Map<String, Object> u = new LinkedHashMap<>();
        u.put("uid", user.uid());
        u.put("gid", user.gid());
        if (!user.additionalGids().isEmpty()) u.put("additionalGids", user.additionalGids());
        p.put("user", u);
        p.put("args", args);
        p.put("env", defaultEnv(env, spec.hostname(), tty, user.home()));
        p.put("cwd", cwd);
        List<String> caps = capabilities(spec, privileged, ctx.capLastCap());
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("bounding", caps);
        c.put("effective", caps);
        c.put("permitted", caps);
        p.put("capabilities", c);
        // containerd's default is nofile 1048576:1048576; never ask above our own hard limit: without
        // CAP_SYS_RESOURCE raising fails ("setrlimit RLIMIT_NOFILE: Operation not permitted").
        long nofile = Math.min(1_048_576L, ctx.nofileHard());
        p.put("rlimits", List.of(Map.of("type", "RLIMIT_NOFILE", "hard", nofile, "soft", nofile)));
        p.put("noNewPrivileges", false);
        return p;
    }

    static List<String> defaultEnv(List<String> env, String hostname, boolean tty, String home) {
        List<String> out = new ArrayList<>();
        Set<String> keys = new LinkedHashSet<>();
        for (String e : env) {
            int eq = e.indexOf('=');
            keys.add(eq < 0 ? e : e.substring(0, eq));
        }
        if (!keys.contains("PATH")) out.add(DEFAULT_PATH);
        if (!keys.contains("HOSTNAME") && hostname != null) out.add("HOSTNAME=" + hostname);
        if (tty && !keys.contains("TERM")) out.add("TERM=xterm");
        if (!keys.contains("HOME")) out.add("HOME=" + (home == null || home.isEmpty() ? "/" : home));
        for (String e : env) out.add(e.indexOf('=') < 0 ? e + "=" : e);
        return out;
    }

    static List<String> capabilities(ContainerSpec spec, boolean privileged, int capLastCap) {
        List<String> all = ALL_CAPS.subList(0, Math.min(ALL_CAPS.size(), capLastCap + 1));
        if (privileged || spec.privileged()) return all;
        LinkedHashSet<String> caps = new LinkedHashSet<>(DEFAULT_CAPS);
        List<String> add = spec.capAdd().stream().map(OciConfig::normCap).toList();
        List<String> drop = spec.capDrop().stream().map(OciConfig::normCap).toList();
        if (drop.contains("ALL")) caps.clear();
        else caps.removeAll(drop);
        if (add.contains("ALL")) caps.addAll(all);
        else {
            for (String a : add) {
                if (!ALL_CAPS.contains(a)) throw WharfException.invalid("unknown capability: \"%s\"", a);
                caps.add(a);
            }
        }
        caps.retainAll(all);
        return List.copyOf(caps);
    }

    private static String normCap(String c) {
        String u = c.trim().toUpperCase(Locale.ROOT);
        if (u.equals("ALL")) return u;
        return u.startsWith("CAP_") ? u : "CAP_" + u;
    }

    private static Map<String, Object> mount(String dest, String type, String source, List<String> options) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("destination", dest);
        m.put("type", type);
        m.put("source", source);
        m.put("options", options);
        return m;
    }

    static List<Map<String, Object>> mounts(ContainerSpec spec, Context ctx) {
        Map<String, Map<String, Object>> byDest = new LinkedHashMap<>();
        boolean priv = spec.privileged();
        byDest.put("/proc", mount("/proc", "proc", "proc", List.of("nosuid", "noexec", "nodev")));
        byDest.put("/dev", mount("/dev", "tmpfs", "tmpfs", List.of("nosuid", "strictatime", "mode=755", "size=65536k")));
        byDest.put("/dev/pts", mount("/dev/pts", "devpts", "devpts", List.of("nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5")));
        byDest.put("/sys", mount("/sys", "sysfs", "sysfs", priv ? List.of("nosuid", "noexec", "nodev", "rw") : List.of("nosuid", "noexec", "nodev", "ro")));
        byDest.put("/sys/fs/cgroup", mount("/sys/fs/cgroup", "cgroup", "cgroup", List.of(priv ? "rw" : "ro", "nosuid", "noexec", "nodev")));
        byDest.put("/dev/mqueue", mount("/dev/mqueue", "mqueue", "mqueue", List.of("nosuid", "noexec", "nodev")));
        long shm = spec.shmSize() > 0 ? spec.shmSize() : 64L * 1024 * 1024;
        if (!(spec.ipc() instanceof NamespaceMode.Host)) {
            byDest.put("/dev/shm", mount("/dev/shm", "tmpfs", "shm", List.of("nosuid", "noexec", "nodev", "mode=1777", "size=" + shm)));
        } else {
            byDest.put("/dev/shm", mount("/dev/shm", "bind", "/dev/shm", List.of("rbind", "rprivate")));
        }
        if (ctx.resolvConfFile() != null) byDest.put("/etc/resolv.conf", mount("/etc/resolv.conf", "bind", ctx.resolvConfFile().toString(), List.of("rbind", "rprivate")));
        if (ctx.hostnameFile() != null) byDest.put("/etc/hostname", mount("/etc/hostname", "bind", ctx.hostnameFile().toString(), List.of("rbind", "rprivate")));
        if (ctx.hostsFile() != null) byDest.put("/etc/hosts", mount("/etc/hosts", "bind", ctx.hostsFile().toString(), List.of("rbind", "rprivate")));
        for (Mount m : spec.mounts()) {
            String dest = normalize(m.destination());
            List<String> opts = new ArrayList<>();
            Map<String, Object> om;
            if (m.type() == Mount.Type.BIND) {
                opts.add("rbind");
                if (m.options().stream().noneMatch(o -> o.endsWith("private") || o.endsWith("shared") || o.endsWith("slave"))) opts.add("rprivate");
                opts.addAll(m.options());
                opts.add(m.readOnly() ? "ro" : "rw");
                om = mount(dest, "bind", m.source(), opts);
            } else {
                opts.addAll(List.of("nosuid", "nodev", "noexec"));
                opts.addAll(m.options());
                if (m.readOnly()) opts.add("ro");
                om = mount(dest, "tmpfs", "tmpfs", opts);
            }
            byDest.remove(dest);
            byDest.put(dest, om);
        }
        return new ArrayList<>(byDest.values());
    }

    private static String normalize(String dest) {
        String d = Path.of(dest).normalize().toString();
        if (!d.startsWith("/")) throw WharfException.invalid("invalid mount destination %s", dest);
        return d;
    }

    private static Map<String, Object> dev(boolean allow, String type, Long major, Long minor, String access) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("allow", allow);
        if (type != null) d.put("type", type);
        if (major != null) d.put("major", major);
        if (minor != null) d.put("minor", minor);
        d.put("access", access);
        return d;
    }

    static Map<String, Object> linux(ContainerSpec spec, Context ctx) {
        Map<String, Object> l = new LinkedHashMap<>();
        Map<String, Object> res = new LinkedHashMap<>();
        List<Map<String, Object>> devices = new ArrayList<>();
        if (spec.privileged()) {
            devices.add(dev(true, null, null, null, "rwm"));
        } else {
            // moby's DefaultLinuxSpec device cgroup: deny all, then mknod for any, then the standard nodes.
            devices.add(dev(false, null, null, null, "rwm"));
            devices.add(dev(true, "c", null, null, "m"));
            devices.add(dev(true, "b", null, null, "m"));
            devices.add(dev(true, "c", 1L, 3L, "rwm"));   // null
            devices.add(dev(true, "c", 1L, 8L, "rwm"));   // random
            devices.add(dev(true, "c", 1L, 7L, "rwm"));   // full
            devices.add(dev(true, "c", 5L, 0L, "rwm"));   // tty
            devices.add(dev(true, "c", 1L, 5L, "rwm"));   // zero
            devices.add(dev(true, "c", 1L, 9L, "rwm"));   // urandom
            devices.add(dev(true, "c", 136L, null, "rwm")); // /dev/pts/*
            devices.add(dev(true, "c", 5L, 2L, "rwm"));   // ptmx
            devices.add(dev(true, "c", 10L, 200L, "rwm")); // tun
            devices.add(dev(true, "c", 5L, 1L, "rwm"));   // console
        }
        res.put("devices", devices);
        Resources r = spec.resources();
        Map<String, Object> mem = new LinkedHashMap<>();
        if (r.memory() > 0) {
            mem.put("limit", r.memory());
            if (ctx.swapAccounting()) {
                if (r.memorySwap() == -1) mem.put("swap", -1L);
                else if (r.memorySwap() > 0) mem.put("swap", r.memorySwap());
                else mem.put("swap", 2 * r.memory()); // Docker: unset swap = twice the memory
            }
        }
        if (r.memoryReservation() > 0) mem.put("reservation", r.memoryReservation());
        if (!mem.isEmpty()) res.put("memory", mem);
        Map<String, Object> cpu = new LinkedHashMap<>();
        if (r.cpuShares() > 0) cpu.put("shares", r.cpuShares());
        if (r.nanoCpus() > 0) {
            cpu.put("period", 100_000L);
            cpu.put("quota", Math.max(1000L, r.nanoCpus() * 100_000L / 1_000_000_000L));
        } else {
            if (r.cpuQuota() > 0) cpu.put("quota", r.cpuQuota());
            if (r.cpuPeriod() > 0) cpu.put("period", r.cpuPeriod());
            else if (r.cpuQuota() > 0) cpu.put("period", 100_000L);
        }
        if (r.cpusetCpus() != null && !r.cpusetCpus().isEmpty()) cpu.put("cpus", r.cpusetCpus());
        if (r.cpusetMems() != null && !r.cpusetMems().isEmpty()) cpu.put("mems", r.cpusetMems());
        if (!cpu.isEmpty()) res.put("cpu", cpu);
        if (r.pidsLimit() > 0) res.put("pids", Map.of("limit", r.pidsLimit()));
        if (r.blkioWeight() > 0) res.put("blockIO", Map.of("weight", r.blkioWeight()));
        l.put("resources", res);
        l.put("cgroupsPath", ctx.cgroupsPath());
        List<Map<String, Object>> ns = new ArrayList<>();
        ns.add(Map.of("type", "mount"));
        addNs(ns, "pid", spec.pid(), ctx);
        addNs(ns, "ipc", spec.ipc(), ctx);
        addNs(ns, "uts", spec.uts(), ctx);
        addNs(ns, "network", spec.network(), ctx);
        if (ctx.cgroupMode() == CgroupMode.V2) ns.add(Map.of("type", "cgroup"));
        l.put("namespaces", ns);
        // Like dockerd 20.10+: in a container's own network namespace, unprivileged ICMP sockets and low ports are
        // allowed (ping without CAP_NET_RAW, a non-root web server on :80). The host's namespace is left alone.
        Map<String, String> sysctls = new java.util.LinkedHashMap<>();
        if (!(spec.network() instanceof NamespaceMode.Host)) {
            sysctls.put("net.ipv4.ping_group_range", "0 2147483647");
            sysctls.put("net.ipv4.ip_unprivileged_port_start", "0");
        }
        sysctls.putAll(spec.sysctls());
        if (!sysctls.isEmpty()) l.put("sysctl", sysctls);
        if (!spec.privileged()) {
            l.put("maskedPaths", spec.maskedPaths() != null ? spec.maskedPaths() : DEFAULT_MASKED);
            l.put("readonlyPaths", spec.readonlyPaths() != null ? spec.readonlyPaths() : DEFAULT_READONLY);
        }
        return l;
    }

    private static void addNs(List<Map<String, Object>> ns, String type, NamespaceMode mode, Context ctx) {
        switch (mode) {
            case NamespaceMode.Host h -> { }
            case NamespaceMode.Private p -> ns.add(Map.of("type", type));
            case NamespaceMode.Join j -> ns.add(Map.of("type", type, "path", j.path().toString()));
            case NamespaceMode.Container c -> {
                Long pid = ctx.runningPidOf().apply(c.containerId());
                if (pid == null || pid <= 0) {
                    throw WharfException.conflict("cannot join %s namespace of container %s: container is not running", type, c.containerId());
                }
                String nsName = type.equals("network") ? "net" : type;
                ns.add(Map.of("type", type, "path", "/proc/" + pid + "/ns/" + nsName));
            }
        }
    }
}
