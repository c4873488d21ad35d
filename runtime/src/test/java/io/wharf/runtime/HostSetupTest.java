package io.wharf.runtime;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class HostSetupTest {
    @Test
    void prepareIsIdempotentAndChecksFindTheTools() {
        HostSetup.prepare();
        assertEquals(List.of(), HostSetup.prepare(), "a second run changes nothing");
        List<HostCheck> checks = HostSetup.checks(RuntimeConfig.of("crun", Path.of("/tmp/x-run"), Path.of("/tmp"), "/wharf"));
        HostCheck crun = checks.stream().filter(c -> c.name().equals("crun")).findFirst().orElseThrow();
        assertEquals(HostCheck.Status.OK, crun.status(), crun.toString());
        assertTrue(crun.detail().contains("crun version"), crun.detail());
        HostCheck conmon = checks.stream().filter(c -> c.name().equals("conmon")).findFirst().orElseThrow();
        assertTrue(conmon.detail().contains("conmon version"), conmon.detail());
        assertTrue(checks.stream().anyMatch(c -> c.name().equals("overlayfs") && c.status() == HostCheck.Status.OK));
        assertTrue(checks.stream().anyMatch(c -> c.name().equals("cgroup.memory") && c.status() == HostCheck.Status.OK));
        assertTrue(checks.stream().noneMatch(c -> c.name().equals("cgroup.hybrid") && c.status() == HostCheck.Status.FAIL), checks.toString());
        assertTrue(HostSetup.hardNofile() >= 1024);
        assertTrue(HostSetup.capLastCap() >= 36, "read with plain read(): Files.readString truncates this sysctl");
    }

    @Test
    void cgroupMovesAreMadeCheapOnKernelsThatCan() {
        assumeTrue(ProcessHandle.current().info().user().orElse("").equals("root"), "needs root");
        int major = Integer.parseInt(System.getProperty("os.version").split("\\.")[0]);
        assumeTrue(major >= 6, "favordynmods needs Linux 6.0");
        List<String[]> v2 = Cgroups.mounts().stream().filter(m -> m[2].equals("cgroup2")).toList();
        assumeTrue(!v2.isEmpty(), "no cgroup2 mount");
        HostSetup.prepare();
        String opts = Cgroups.mounts().stream().filter(m -> m[2].equals("cgroup2")).findFirst().orElseThrow()[3];
        assertTrue(List.of(opts.split(",")).contains("favordynmods"), opts);
    }
}
