package io.wharf.runtime;

import io.wharf.common.ErrorKind;
import io.wharf.common.WharfException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** config.json generation, without running anything. */
class OciConfigTest {
    private static OciConfig.Context ctx(CgroupMode mode) {
        return new OciConfig.Context(mode, "/wharf/c1", 20000, 40, true, Path.of("/h/hosts"), Path.of("/h/hostname"),
                Path.of("/h/resolv.conf"), id -> id.equals("other") ? 4242L : null);
    }

    private static ContainerSpec.Builder spec() {
        return ContainerSpec.builder("c1", Path.of("/rootfs")).args("sh");
    }

    private static final UserResolver.ResolvedUser ROOT = new UserResolver.ResolvedUser(0, 0, List.of(), "/root");

    @SuppressWarnings("unchecked")
    private static <T> T at(Map<String, Object> m, String... path) {
        Object o = m;
        for (String p : path) o = ((Map<String, Object>) o).get(p);
        return (T) o;
    }

    @Test
    void dockerDefaults() {
        Map<String, Object> c = OciConfig.build(spec().build(), ROOT, ctx(CgroupMode.V1));
        assertEquals("1.0.2", c.get("ociVersion"));
        List<String> caps = at(c, "process", "capabilities", "bounding");
        assertEquals(OciConfig.DEFAULT_CAPS.size(), caps.size());
        assertTrue(caps.containsAll(List.of("CAP_NET_BIND_SERVICE", "CAP_KILL", "CAP_AUDIT_WRITE")));
        assertFalse(caps.contains("CAP_SYS_ADMIN"));
        List<Map<String, Object>> rl = at(c, "process", "rlimits");
        assertEquals(20000L, rl.getFirst().get("hard"), "never above our hard limit");
        List<String> env = at(c, "process", "env");
        assertTrue(env.contains(OciConfig.DEFAULT_PATH));
        assertTrue(env.contains("HOSTNAME=c1"));
        List<Map<String, Object>> mounts = at(c, "mounts");
        List<Object> dests = mounts.stream().map(m -> m.get("destination")).toList();
        assertTrue(dests.containsAll(List.of("/proc", "/dev", "/dev/pts", "/dev/shm", "/dev/mqueue", "/sys", "/sys/fs/cgroup", "/etc/hosts", "/etc/hostname", "/etc/resolv.conf")));
        assertEquals("/wharf/c1", at(c, "linux", "cgroupsPath"));
        List<Map<String, Object>> ns = at(c, "linux", "namespaces");
        List<Object> types = ns.stream().map(n -> n.get("type")).toList();
        assertEquals(List.of("mount", "pid", "ipc", "uts", "network"), types, "no cgroup namespace on v1");
        assertEquals(OciConfig.DEFAULT_MASKED, at(c, "linux", "maskedPaths"));
        assertEquals(OciConfig.DEFAULT_READONLY, at(c, "linux", "readonlyPaths"));
        List<Map<String, Object>> devs = at(c, "linux", "resources", "devices");
        assertEquals(false, devs.getFirst().get("allow"));
    }

    @Test
    void namespacesResourcesAndCaps() {
        ContainerSpec s = spec().network(new NamespaceMode.Join(Path.of("/run/wharf/netns/x"))).ipc(NamespaceMode.HOST)
                .pid(new NamespaceMode.Container("other"))
                .resources(new Resources(64L << 20, 0, 0, 1_500_000_000L, 512, 0, 0, "0", null, 100, 0))
                .capAdd(List.of("NET_ADMIN")).capDrop(List.of("CAP_MKNOD")).build();
        Map<String, Object> c = OciConfig.build(s, ROOT, ctx(CgroupMode.V2));
        List<Map<String, Object>> ns = at(c, "linux", "namespaces");
        assertTrue(ns.contains(Map.of("type", "network", "path", "/run/wharf/netns/x")));
        assertTrue(ns.contains(Map.of("type", "pid", "path", "/proc/4242/ns/pid")));
        assertTrue(ns.stream().noneMatch(n -> n.get("type").equals("ipc")));
        assertTrue(ns.contains(Map.of("type", "cgroup")));
        assertEquals(64L << 20, (long) at(c, "linux", "resources", "memory", "limit"));
        assertEquals(128L << 20, (long) at(c, "linux", "resources", "memory", "swap"), "Docker: swap defaults to 2x memory");
        assertEquals(150_000L, (long) at(c, "linux", "resources", "cpu", "quota"));
        assertEquals(100_000L, (long) at(c, "linux", "resources", "cpu", "period"));
        assertEquals(512L, (long) at(c, "linux", "resources", "cpu", "shares"));
        assertEquals(100L, (long) at(c, "linux", "resources", "pids", "limit"));
        List<String> caps = at(c, "process", "capabilities", "effective");
        assertTrue(caps.contains("CAP_NET_ADMIN"));
        assertFalse(caps.contains("CAP_MKNOD"));
        WharfException e = assertThrows(WharfException.class,
                () -> OciConfig.build(spec().network(new NamespaceMode.Container("stopped")).build(), ROOT, ctx(CgroupMode.V1)));
        assertEquals(ErrorKind.CONFLICT, e.kind());
    }

    @Test
    void privilegedAndUserMounts() {
        ContainerSpec s = spec().privileged(true).addMount(Mount.bind("/data", "/proc", true))
                .addMount(Mount.tmpfs("/run", List.of("size=1m"))).build();
        Map<String, Object> c = OciConfig.build(s, ROOT, ctx(CgroupMode.V1));
        List<String> caps = at(c, "process", "capabilities", "bounding");
        assertEquals(41, caps.size());
        assertNull(at(c, "linux", "maskedPaths"));
        List<Map<String, Object>> mounts = at(c, "mounts");
        Map<String, Object> proc = mounts.stream().filter(m -> m.get("destination").equals("/proc")).findFirst().orElseThrow();
        assertEquals("bind", proc.get("type"), "a user mount replaces the default one");
        assertTrue(((List<?>) proc.get("options")).contains("ro"));
        Map<String, Object> run = mounts.stream().filter(m -> m.get("destination").equals("/run")).findFirst().orElseThrow();
        assertTrue(((List<?>) run.get("options")).contains("size=1m"));
    }

    @Test
    void specValidation() {
        assertEquals(ErrorKind.INVALID_ARGUMENT, assertThrows(WharfException.class, () -> ContainerSpec.builder("../x", Path.of("/r")).args("a").build()).kind());
        assertThrows(WharfException.class, () -> ContainerSpec.builder("x", Path.of("/r")).build());
        assertThrows(WharfException.class, () -> spec().cwd("relative").build());
        assertThrows(WharfException.class, () -> new Resources(1024, 0, 0, 0, 0, 0, 0, null, null, 0, 0));
        assertThrows(WharfException.class, () -> new Resources(64L << 20, 32L << 20, 0, 0, 0, 0, 0, null, null, 0, 0));
        assertThrows(WharfException.class, () -> spec().extraHosts(List.of("nocolon")).build());
        assertThrows(WharfException.class, () -> Mount.bind("relative", "/x", false));
        assertEquals("c1", spec().build().hostname());
    }

    @Test
    void signals() {
        assertEquals(15, Signals.parse("SIGTERM"));
        assertEquals(15, Signals.parse("term"));
        assertEquals(9, Signals.parse("9"));
        assertEquals(10, Signals.parse("USR1"));
        assertEquals(37, Signals.parse("RTMIN+3"));
        assertThrows(WharfException.class, () -> Signals.parse("SIGFOO"));
        assertThrows(WharfException.class, () -> Signals.parse("0"));
    }

    @Test
    void userResolution(@TempDir Path root) throws Exception {
        Files.createDirectories(root.resolve("etc"));
        Files.writeString(root.resolve("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\nweb:x:33:33::/var/www:/bin/false\n");
        Files.writeString(root.resolve("etc/group"), "root:x:0:\nweb:x:33:\nadm:x:4:web\n");
        assertEquals(new UserResolver.ResolvedUser(0, 0, List.of(), "/root"), UserResolver.resolve(root, "", List.of()));
        assertEquals(new UserResolver.ResolvedUser(33, 33, List.of(4L), "/var/www"), UserResolver.resolve(root, "web", List.of()));
        assertEquals(new UserResolver.ResolvedUser(33, 4, List.of(), "/var/www"), UserResolver.resolve(root, "web:adm", List.of()));
        assertEquals(new UserResolver.ResolvedUser(1234, 5, List.of(), "/"), UserResolver.resolve(root, "1234:5", List.of()));
        assertEquals(List.of(0L, 7L), UserResolver.resolve(root, "1234", List.of("root", "7")).additionalGids());
        assertEquals(ErrorKind.INVALID_ARGUMENT, assertThrows(WharfException.class, () -> UserResolver.resolve(root, "nobody", List.of())).kind());
        assertThrows(WharfException.class, () -> UserResolver.resolve(root, "web:nogroup", List.of()));
    }

    @Test
    void resolveInStaysInsideTheRootfs(@TempDir Path root) throws Exception {
        Files.createDirectories(root.resolve("etc"));
        Files.createSymbolicLink(root.resolve("etc/passwd"), Path.of("/etc/shadow"));
        Files.createSymbolicLink(root.resolve("up"), Path.of("../../../../etc"));
        assertEquals(root.resolve("etc/shadow"), UserResolver.resolveIn(root, "/etc/passwd"));
        assertEquals(root.resolve("etc/x"), UserResolver.resolveIn(root, "/up/x"));
        assertEquals(root.resolve("a"), UserResolver.resolveIn(root, "/../../a"));
    }

    @Test
    void k8sLogParsing() {
        byte[] line = "2026-11-27T18:31:29.123456789+00:00 stderr P part".getBytes();
        LogEntry e = K8sLog.parse(line, 0, line.length);
        assertEquals(StreamType.STDERR, e.stream());
        assertTrue(e.partial());
        assertEquals("part", new String(e.content()));
        assertEquals(123456789, e.time().getNano());
        byte[] full = "2026-11-27T18:31:29.1+01:00 stdout F ".getBytes();
        LogEntry f = K8sLog.parse(full, 0, full.length);
        assertEquals("\n", new String(f.content()));
        assertFalse(f.partial());
        assertNull(K8sLog.parse("garbage".getBytes(), 0, 7));
    }
}
