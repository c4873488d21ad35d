package io.wharf.runtime;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

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
}
