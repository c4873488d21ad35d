package io.wharf.build;

import io.wharf.image.ImageService;
import io.wharf.image.ImportOptions;
import io.wharf.image.Snapshotter;
import io.wharf.network.NetworkConfig;
import io.wharf.network.NetworkManager;
import io.wharf.runtime.ConmonRuntime;
import io.wharf.runtime.HostSetup;
import io.wharf.runtime.RuntimeConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * RUN on the default bridge network through the real NetworkManager: the step's container gets an address on the
 * bridge, /etc/hosts and /etc/resolv.conf, and reaches the gateway. Uses its own bridge (wbld-d0) and subnet
 * (10.233.5.0/24, which the network manager guards with an unreachable route), all removed afterwards.
 */
class BuilderNetworkTest {
    static final String BRIDGE = "wbld-d0";
    static final String SUBNET = "10.233.5.0/24";
    static Path base;
    static Path netns;
    static ImageService images;
    static ConmonRuntime runtime;
    static NetworkManager network;
    static Builder builder;
    static String cgroupParent;

    @BeforeAll
    static void setUp() throws Exception {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "needs root");
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/lib/cni/bridge")), "needs the CNI plugins");
        HostSetup.prepare();
        base = Files.createTempDirectory(Path.of("/tmp"), "wbldn");
        netns = Path.of("/run/wharf-bldtest-" + ProcessHandle.current().pid());
        images = new ImageService(base.resolve("root"));
        cgroupParent = "/wharf-build-test-" + UUID.randomUUID().toString().substring(0, 8);
        runtime = new ConmonRuntime(RuntimeConfig.of("crun", base.resolve("run"), base.resolve("containers"), cgroupParent));
        network = new NetworkManager(NetworkConfig.under(base.resolve("net"), netns).withDefaultBridge(BRIDGE, SUBNET, null));
        network.start();
        builder = new Builder(images, runtime, network, base.resolve("build"));
        images.importImage(new ByteArrayInputStream(Tars.busyboxRootfs()), new ImportOptions("busybox:latest", List.of(), null, null));
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (base == null) return;
        if (runtime != null) runtime.close();
        if (network != null) network.close();
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            String mp = line.split(" ")[4];
            if (mp.startsWith(base.toString()) || mp.startsWith(netns.toString())) Snapshotter.unmount(Path.of(mp));
        }
        run("ip", "link", "del", BRIDGE);
        run("ip", "route", "del", "unreachable", SUBNET, "metric", "4000");
        for (String table : List.of("filter", "nat")) {
            for (String line : sh("iptables-save", "-t", table).split("\n")) {
                if (line.startsWith("-A ") && (line.contains(BRIDGE) || line.contains("10.233.5."))) {
                    run("sh", "-c", "iptables -w 5 -t " + table + " -D " + line.substring(3));
                }
            }
        }
        run("rm", "-rf", netns.toString());
        try (Stream<Path> s = Files.walk(base)) {
            s.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
        try (Stream<Path> s = Files.list(Path.of("/sys/fs/cgroup"))) {
            for (Path h : s.toList()) {
                Path d = h.resolve(cgroupParent.substring(1));
                if (Files.isDirectory(d)) d.toFile().delete();
            }
        }
        assertFalse(sh("iptables-save").contains(BRIDGE), "rules of the test bridge left");
    }

    static String sh(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        return out;
    }

    static void run(String... cmd) {
        try {
            sh(cmd);
        } catch (Exception ignored) {
        }
    }

    @Test
    void runReachesTheBridge() throws Exception {
        byte[] ctx = new Tars().file("Dockerfile", """
                FROM busybox
                RUN ip -4 addr show eth0 | grep inet && cat /etc/resolv.conf && grep "$(hostname)" /etc/hosts && ip route | grep "default via 10.233.5.1"
                """).build();
        List<BuildMessage> msgs = new ArrayList<>();
        var id = builder.buildStreaming(BuildRequest.of(new ByteArrayInputStream(ctx)), msgs::add);
        StringBuilder out = new StringBuilder();
        for (BuildMessage m : msgs) out.append(m instanceof BuildMessage.Stream s ? s.text() : m.toString());
        assertNotNull(id, out.toString());
        assertTrue(out.toString().contains("inet 10.233.5."), out.toString());
        assertTrue(out.toString().contains("nameserver"), out.toString());
        assertTrue(out.toString().contains("default via 10.233.5.1"), out.toString());
        assertTrue(network.endpoints("bridge").isEmpty(), "the step's endpoint was released");
        assertEquals(List.of(), network.sandboxes());
    }
}
