package io.wharf.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

/** A busybox rootfs and temp state dirs for tests that drive the real crun + conmon (as root). */
final class Fixture implements AutoCloseable {
    final Path base;
    final Path rootfs;
    final RuntimeConfig config;
    final List<String> ids = new ArrayList<>();
    final String cgroupParent;
    ConmonRuntime runtime;

    Fixture() throws IOException {
        // Short base path: unix socket paths (console sockets) must stay under 108 bytes.
        base = Files.createTempDirectory(Path.of("/tmp"), "wrt");
        rootfs = base.resolve("rootfs");
        makeBusyboxRootfs(rootfs);
        cgroupParent = "/wharf-rt-test-" + UUID.randomUUID().toString().substring(0, 8);
        config = RuntimeConfig.of("crun", base.resolve("run"), base.resolve("containers"), cgroupParent);
        runtime = new ConmonRuntime(config);
    }

    static void makeBusyboxRootfs(Path r) throws IOException {
        for (String d : List.of("bin", "etc", "proc", "sys", "dev", "tmp", "root", "usr/bin", "home/app")) Files.createDirectories(r.resolve(d));
        Files.copy(Path.of("/bin/busybox"), r.resolve("bin/busybox"));
        Process p = new ProcessBuilder("/bin/busybox", "--list").start();
        for (String applet : new String(p.getInputStream().readAllBytes()).split("\n")) {
            applet = applet.trim();
            if (applet.isEmpty() || applet.equals("busybox")) continue;
            Path link = r.resolve("bin").resolve(applet);
            if (!Files.exists(link)) Files.createSymbolicLink(link, Path.of("busybox"));
        }
        Files.writeString(r.resolve("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\n");
        Files.writeString(r.resolve("etc/group"), "root:x:0:\napp:x:1000:\nstaff:x:50:app\n");
    }

    String newId() {
        String id = "rt-" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
        ids.add(id);
        return id;
    }

    /** A Docker-length id (64 chars): the bundle path then exceeds sun_path and conmon's /proc/self/fd route is used. */
    String newLongId() {
        String id = ("rt" + UUID.randomUUID().toString().replace("-", "") + UUID.randomUUID().toString().replace("-", "")).substring(0, 64);
        ids.add(id);
        return id;
    }

    ContainerSpec.Builder spec(String id, String... args) {
        return ContainerSpec.builder(id, rootfs).args(args);
    }

    /** Reopens the runtime as a restarted Wharf would. */
    void reopen() {
        runtime.close();
        runtime = new ConmonRuntime(config);
    }

    @Override
    public void close() throws IOException {
        for (String id : ids) {
            try {
                runtime.delete(id, true, true);
            } catch (RuntimeException ignored) {
            }
        }
        runtime.close();
        // crun may leave the parent cgroup dir: remove it from every hierarchy.
        Cgroups cg = new Cgroups(Cgroups.detect());
        cg.remove(cgroupParent);
        try (Stream<Path> s = Files.walk(base)) {
            s.sorted(Comparator.reverseOrder()).forEach(f -> {
                try {
                    Files.deleteIfExists(f);
                } catch (IOException ignored) {
                }
            });
        }
    }
}
