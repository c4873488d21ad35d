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

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The tutorial's kind of image: a Debian base made offline (debootstrap, then imported) and a RUN that installs
 * packages with apt-get from the Debian mirror through the default bridge. Opt-in, because it downloads packages:
 * {@code WHARF_DEBIAN_ROOTFS_TAR=/var/tmp/debian-rootfs.tar mvn -Pe2e -pl build verify -Dit.test=DebianAptIT}
 * (make the tar with {@code debootstrap --variant=minbase bookworm DIR http://deb.debian.org/debian && tar -C DIR -cf
 * /var/tmp/debian-rootfs.tar .}). Bridge wbld-d1, subnet 10.233.6.0/24, both removed afterwards.
 */
class DebianAptIT {
    static final String BRIDGE = "wbld-d1";
    static final String SUBNET = "10.233.6.0/24";
    static Path base, netns;
    static ImageService images;
    static ConmonRuntime runtime;
    static NetworkManager network;
    static Builder builder;
    static String cgroupParent;

    @BeforeAll
    static void setUp() throws Exception {
        String tar = System.getenv("WHARF_DEBIAN_ROOTFS_TAR");
        Assumptions.assumeTrue(tar != null && Files.isRegularFile(Path.of(tar)), "set WHARF_DEBIAN_ROOTFS_TAR to a debootstrapped rootfs tar");
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "needs root");
        HostSetup.prepare();
        base = Files.createTempDirectory(Path.of("/tmp"), "wbldd");
        netns = Path.of("/run/wharf-bldtest-d-" + ProcessHandle.current().pid());
        images = new ImageService(base.resolve("root"));
        cgroupParent = "/wharf-build-test-" + UUID.randomUUID().toString().substring(0, 8);
        runtime = new ConmonRuntime(RuntimeConfig.of("crun", base.resolve("run"), base.resolve("containers"), cgroupParent));
        network = new NetworkManager(NetworkConfig.under(base.resolve("net"), netns).withDefaultBridge(BRIDGE, SUBNET, null));
        network.start();
        builder = new Builder(images, runtime, network, base.resolve("build"));
        try (InputStream in = Files.newInputStream(Path.of(tar))) {
            images.importImage(in, new ImportOptions("debian:bookworm", List.of("CMD [\"bash\"]"), null, null));
        }
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
        BuilderNetworkTest.run("ip", "link", "del", BRIDGE);
        BuilderNetworkTest.run("ip", "route", "del", "unreachable", SUBNET, "metric", "4000");
        for (String table : List.of("filter", "nat")) {
            for (String line : BuilderNetworkTest.sh("iptables-save", "-t", table).split("\n")) {
                if (line.startsWith("-A ") && (line.contains(BRIDGE) || line.contains("10.233.6."))) {
                    BuilderNetworkTest.run("sh", "-c", "iptables -w 5 -t " + table + " -D " + line.substring(3));
                }
            }
        }
        BuilderNetworkTest.run("rm", "-rf", netns.toString());
        try (Stream<Path> s = Files.walk(base)) {
            s.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
        try (Stream<Path> s = Files.list(Path.of("/sys/fs/cgroup"))) {
            for (Path h : s.toList()) {
                Path d = h.resolve(cgroupParent.substring(1));
                if (Files.isDirectory(d)) d.toFile().delete();
            }
        }
    }

    @Test
    void aptGetInstallsFromTheMirror() throws Exception {
        byte[] ctx = new Tars().file("Dockerfile", """
                FROM debian:bookworm
                ENV DEBIAN_FRONTEND=noninteractive
                RUN apt-get update && apt-get install -y --no-install-recommends python3-minimal && rm -rf /var/lib/apt/lists/*
                WORKDIR /opt/myblog
                COPY app.py .
                EXPOSE 8002
                CMD ["python3", "app.py"]
                """).file("app.py", "print('myblog')\n").build();
        List<BuildMessage> msgs = new ArrayList<>();
        var id = builder.buildStreaming(BuildRequest.of(new java.io.ByteArrayInputStream(ctx), "myblog:v1"), msgs::add);
        StringBuilder out = new StringBuilder();
        for (BuildMessage m : msgs) out.append(m instanceof BuildMessage.Stream s ? s.text() : m + "\n");
        assertNotNull(id, out.toString());
        assertTrue(out.toString().contains("Setting up python3-minimal"), out.toString());
        assertEquals("print('myblog')\n", BuilderTest.readFileWith(images, base, id, "/opt/myblog/app.py"));
        assertNotNull(BuilderTest.readFileWith(images, base, id, "/usr/bin/python3"));
    }
}
