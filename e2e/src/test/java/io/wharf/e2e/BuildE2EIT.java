package io.wharf.e2e;

import io.wharf.engine.Engine;
import io.wharf.engine.EngineConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Issue 4's "must show", with the real docker CLI (legacy builder path: no buildx plugin) against a Wharf engine
 * started in-process on a temp socket, temp root, bridge wbld-e0 on 10.233.7.0/24 (all removed afterwards):
 * a multi-stage build whose final image lacks the builder's files, every instruction's effect checked by running the
 * image or inspecting it, cache hit on rebuild (same ID), partial rebuild after a change, .dockerignore, history, and
 * a failing build that leaves no tag and no container.
 */
class BuildE2EIT {
    static final String BRIDGE = "wbld-e0";
    static final String SUBNET = "10.233.7.0/24";
    static Path base;
    static Engine engine;
    static String host;

    @BeforeAll
    static void setUp() throws Exception {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "needs root");
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/local/bin/docker")), "docker CLI not installed at /usr/local/bin/docker");
        base = Files.createTempDirectory(Path.of("/tmp"), "wbe2e");
        Path sock = base.resolve("d.sock");
        engine = new Engine(new EngineConfig(base.resolve("root"), base.resolve("run"), sock, null, BRIDGE, SUBNET, "crun"));
        engine.start();
        host = "unix://" + sock;
        Path r = base.resolve("rootfs");
        for (String d : List.of("bin", "etc", "tmp", "proc", "sys", "dev", "root")) Files.createDirectories(r.resolve(d));
        Files.copy(Path.of("/bin/busybox"), r.resolve("bin/busybox"));
        Process p = new ProcessBuilder("/bin/busybox", "--list").start();
        for (String a : new String(p.getInputStream().readAllBytes()).split("\n")) {
            if (!a.isBlank() && !a.equals("busybox")) Files.createSymbolicLink(r.resolve("bin").resolve(a.trim()), Path.of("busybox"));
        }
        Files.writeString(r.resolve("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/tmp:/bin/sh\n");
        Files.writeString(r.resolve("etc/group"), "root:x:0:\napp:x:1000:\n");
        assertEquals(0, new ProcessBuilder("tar", "-C", r.toString(), "-cf", base.resolve("busybox.tar").toString(), ".").start().waitFor());
        Run imp = docker(base, "import", base.resolve("busybox.tar").toString(), "busybox:latest");
        assertEquals(0, imp.code(), imp.err());
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (base == null) return;
        try {
            Run ps = docker(base, "ps", "-aq");
            for (String id : ps.out().split("\\s+")) if (!id.isBlank()) docker(base, "rm", "-f", id);
        } catch (Exception ignored) {
        }
        if (engine != null) engine.close();
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            String mp = line.split(" ")[4];
            if (mp.startsWith(base.toString())) sh("umount", "-l", mp);
        }
        sh("ip", "link", "del", BRIDGE);
        sh("ip", "route", "del", "unreachable", SUBNET, "metric", "4000");
        for (String table : List.of("filter", "nat")) {
            for (String line : sh("iptables-save", "-t", table).split("\n")) {
                if (line.startsWith("-A ") && (line.contains(BRIDGE) || line.contains("10.233.7."))) {
                    sh("sh", "-c", "iptables -w 5 -t " + table + " -D " + line.substring(3));
                }
            }
        }
        try (Stream<Path> s = Files.walk(base)) {
            s.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }

    static String sh(String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor();
            return out;
        } catch (Exception e) {
            return "";
        }
    }

    record Run(int code, String out, String err) {}

    static Run docker(Path dir, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("/usr/local/bin/docker"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile());
        pb.environment().put("DOCKER_HOST", host);
        pb.environment().put("DOCKER_CONFIG", base.resolve("docker-config").toString());
        pb.environment().remove("DOCKER_BUILDKIT");
        Path o = Files.createTempFile(base, "o", ""), e = Files.createTempFile(base, "e", "");
        Process p = pb.redirectOutput(o.toFile()).redirectError(e.toFile()).start();
        assertTrue(p.waitFor(180, TimeUnit.SECONDS), "docker " + String.join(" ", args) + " timed out");
        return new Run(p.exitValue(), Files.readString(o), Files.readString(e));
    }

    static Path context(Map<String, String> files) throws IOException {
        Path d = Files.createTempDirectory(base, "ctx");
        for (var f : files.entrySet()) {
            Path p = d.resolve(f.getKey());
            Files.createDirectories(p.getParent());
            Files.writeString(p, f.getValue());
        }
        return d;
    }

    static final String DOCKERFILE = """
            ARG BASE=busybox
            FROM ${BASE} AS builder
            RUN mkdir /out && echo "built by builder" > /out/msg && touch /builder-only
            FROM ${BASE}
            LABEL org.example.team="wharf" version=1
            ENV APP_HOME=/srv/app GREETING="hello world"
            WORKDIR $APP_HOME
            COPY --from=builder /out/msg ./msg
            COPY app/ ./app/
            RUN echo "$GREETING" > greeting && chown -R app:app /srv/app
            USER app
            EXPOSE 8080 53/udp
            STOPSIGNAL SIGTERM
            ENTRYPOINT ["/bin/echo", "ep"]
            CMD ["cmdarg"]
            """;

    /**
     * The tutorial's myblog-style image on a Debian base made offline and imported; apt-get reaches the mirror through
     * the default bridge. Opt-in (downloads packages): WHARF_DEBIAN_ROOTFS_TAR=/path/to/debootstrapped-rootfs.tar
     * (debootstrap --variant=minbase bookworm DIR http://deb.debian.org/debian; tar -C DIR -cf FILE .).
     */
    @Test
    void myblogStyleImageWithAptGet() throws Exception {
        String tar = System.getenv("WHARF_DEBIAN_ROOTFS_TAR");
        Assumptions.assumeTrue(tar != null && Files.isRegularFile(Path.of(tar)), "set WHARF_DEBIAN_ROOTFS_TAR");
        Run imp = docker(base, "import", tar, "debian-offline:bookworm");
        assertEquals(0, imp.code(), imp.err());
        Path ctx = context(Map.of("Dockerfile", """
                FROM debian-offline:bookworm
                LABEL maintainer="wharf@example.com"
                ENV LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive
                RUN apt-get update && apt-get install -y --no-install-recommends python3-minimal && rm -rf /var/lib/apt/lists/*
                WORKDIR /opt/myblog
                COPY . .
                EXPOSE 8002
                CMD ["python3", "manage.py"]
                """, "manage.py", "print('myblog up')\n"));
        Run b = docker(ctx, "build", ".", "-t", "myblog:v1", "-f", "Dockerfile");
        assertEquals(0, b.code(), b.out() + b.err());
        assertTrue(b.out().contains("Setting up python3-minimal"), b.out());
        assertEquals("myblog up\n", docker(base, "run", "--rm", "myblog:v1").out());
    }

    @Test
    void theIssuesMustShow() throws Exception {
        Path ctx = context(Map.of("Dockerfile", DOCKERFILE, "app/main.txt", "v1", "secret.key", "s",
                ".dockerignore", "secret.key\n"));
        Run b = docker(ctx, "build", ".", "-t", "e2e-app:1", "-f", "Dockerfile");
        assertEquals(0, b.code(), b.out() + b.err());
        assertTrue(b.out().contains("Step 1/15 : ARG BASE=busybox"), b.out());
        assertTrue(b.out().contains("Successfully tagged e2e-app:1"), b.out());

        // ENTRYPOINT + CMD
        assertEquals("ep cmdarg\n", docker(base, "run", "--rm", "e2e-app:1").out());
        assertEquals("ep other\n", docker(base, "run", "--rm", "e2e-app:1", "other").out());
        // ENV, WORKDIR, USER, the builder's output present, the builder's files absent, .dockerignore
        Run env = docker(base, "run", "--rm", "--entrypoint", "sh", "e2e-app:1", "-c",
                "echo \"$APP_HOME|$GREETING|$(pwd)|$(id -u)|$(cat msg)|$(cat greeting)|$(cat app/main.txt)\"; test -e /builder-only && echo LEAK; ls /srv/app");
        assertEquals(0, env.code(), env.err());
        assertTrue(env.out().startsWith("/srv/app|hello world|/srv/app|1000|built by builder|hello world|v1\n"), env.out());
        assertFalse(env.out().contains("LEAK"), env.out());
        assertFalse(env.out().contains("secret.key"), env.out());
        // EXPOSE and LABEL in inspect
        Run insp = docker(base, "image", "inspect", "-f", "{{json .Config.ExposedPorts}} {{json .Config.Labels}} {{.Config.User}}", "e2e-app:1");
        assertTrue(insp.out().contains("\"53/udp\":{}") && insp.out().contains("\"8080/tcp\":{}"), insp.out());
        assertTrue(insp.out().contains("\"org.example.team\":\"wharf\""), insp.out());
        // history as docker's classic builder writes it
        Run hist = docker(base, "history", "--no-trunc", "--format", "{{.CreatedBy}}", "e2e-app:1");
        assertTrue(hist.out().startsWith("/bin/sh -c #(nop)  CMD [\"cmdarg\"]\n"), hist.out());

        // rebuild: all cached, same ID
        String id = docker(base, "image", "inspect", "-f", "{{.Id}}", "e2e-app:1").out().strip();
        Run again = docker(ctx, "build", "-t", "e2e-app:1", ".");
        assertEquals(0, again.code(), again.err());
        assertFalse(again.out().contains("Running in"), again.out());
        assertEquals(id, docker(base, "image", "inspect", "-f", "{{.Id}}", "e2e-app:1").out().strip());
        // a changed COPY'd file rebuilds from that step
        Files.writeString(ctx.resolve("app/main.txt"), "v2");
        Run changed = docker(ctx, "build", "-t", "e2e-app:2", ".");
        assertEquals(0, changed.code(), changed.err());
        String co = changed.out();
        int at = co.indexOf("COPY app/ ./app/");
        assertTrue(at > 0 && co.substring(0, at).contains("Using cache") && !co.substring(at).contains("Using cache"), co);
        assertTrue(docker(base, "run", "--rm", "--entrypoint", "cat", "e2e-app:2", "app/main.txt").out().equals("v2"));

        // a failing build: exit code, message, output, no tag, no container left
        Path bad = context(Map.of("Dockerfile", "FROM busybox\nRUN echo before-fail && exit 3\n"));
        Run f = docker(bad, "build", "-t", "e2e-bad:1", ".");
        assertEquals(3, f.code(), f.out() + f.err());
        assertTrue(f.out().contains("before-fail"), f.out());
        assertTrue(f.err().contains("The command '/bin/sh -c echo before-fail && exit 3' returned a non-zero code: 3"), f.err());
        assertNotEquals(0, docker(base, "image", "inspect", "e2e-bad:1").code());
        assertEquals("", docker(base, "ps", "-aq").out().strip());
        Run parse = docker(context(Map.of("Dockerfile", "FROM busybox\nCOPY ../x /x\n")), "build", ".");
        assertEquals(1, parse.code());
        assertTrue(parse.err().contains("forbidden path outside the build context: ../x"), parse.err());
    }
}
