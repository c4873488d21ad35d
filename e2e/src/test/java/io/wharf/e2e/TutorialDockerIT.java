package io.wharf.e2e;

import io.wharf.engine.Engine;
import io.wharf.engine.EngineConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Part 一 of the tutorial (shared/reference/docker-k8s-tutorial.md), command by command, with the real docker CLI
 * against a Wharf engine started in the test (temp root and socket, bridge wtut0 on 10.233.22.0/24, a user network
 * on 10.233.23.0/24, both with unreachable fallback routes; everything removed afterwards, also on failure).
 * Docker Hub is unreachable here, so nginx:alpine is a busybox rootfs whose CMD is {@code httpd} on port 80, and the
 * Debian steps (apt-get through the bridge) use a debootstrap'd bookworm, only with WHARF_SLOW_TESTS=1.
 * The methods run in order and build on each other as the tutorial does.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TutorialDockerIT {
    static final String DOCKER = "/usr/local/bin/docker";
    static final String DOCKER_2010 = "/usr/bin/docker";
    static final String BRIDGE = "wtut0";
    static final String SUBNET = "10.233.22.0/24";
    static final String NET_SUBNET = "10.233.23.0/24";
    static final String NET2_SUBNET = "10.233.24.0/24";
    static Path base;
    static Engine engine;
    static String host;
    static int port;

    @BeforeAll
    static void setUp() throws Exception {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "needs root");
        Assumptions.assumeTrue(Files.isExecutable(Path.of(DOCKER)), "docker CLI not installed at " + DOCKER);
        for (String s : List.of(SUBNET, NET_SUBNET, NET2_SUBNET)) {
            if (!sh("ip", "route", "show", "type", "unreachable", s).contains(s)) sh("ip", "route", "add", "unreachable", s, "metric", "4000");
        }
        base = Files.createTempDirectory(Path.of("/tmp"), "wtut");
        try {
            Path sock = base.resolve("docker.sock");
            engine = new Engine(new EngineConfig(base.resolve("root"), base.resolve("run"), sock, null, BRIDGE, SUBNET, "crun"));
            engine.start();
            host = "unix://" + sock;
            // nginx:alpine stand-in: busybox with the applets the tutorial's commands use, httpd serving "hello"
            Path r = base.resolve("rootfs");
            for (String d : List.of("bin", "etc", "tmp", "proc", "sys", "dev", "root", "www")) Files.createDirectories(r.resolve(d));
            Files.copy(Path.of("/bin/busybox"), r.resolve("bin/busybox"));
            Process p = new ProcessBuilder("/bin/busybox", "--list").start();
            for (String a : new String(p.getInputStream().readAllBytes()).split("\n")) {
                if (!a.isBlank() && !a.equals("busybox")) Files.createSymbolicLink(r.resolve("bin").resolve(a.trim()), Path.of("busybox"));
            }
            Files.writeString(r.resolve("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n");
            Files.writeString(r.resolve("etc/group"), "root:x:0:\n");
            Files.writeString(r.resolve("www/index.html"), "hello from wharf\n");
            assertEquals(0, new ProcessBuilder("tar", "-C", r.toString(), "-cf", base.resolve("busybox.tar").toString(), ".").start().waitFor());
            ok("import", base.resolve("busybox.tar").toString(), "busybox:latest");
            ok("import", "-c", "CMD [\"httpd\",\"-f\",\"-p\",\"80\",\"-h\",\"/www\"]", "-c", "EXPOSE 80",
                    base.resolve("busybox.tar").toString(), "nginx:alpine");
            try (ServerSocket s = new ServerSocket(0)) {
                port = s.getLocalPort();
            }
        } catch (Throwable t) {
            tearDown();
            throw t;
        }
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (base == null) return;
        try {
            if (engine != null) {
                Run ps = docker("ps", "-aq");
                for (String id : ps.out().split("\\s+")) if (!id.isBlank()) docker("rm", "-f", id);
                for (String n : List.of("tut-net", "tut-net2")) docker("network", "rm", n);
            }
        } catch (Exception ignored) {
        }
        if (engine != null) engine.close();
        engine = null;
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            String mp = line.split(" ")[4];
            if (mp.startsWith(base.toString())) sh("umount", "-l", mp);
        }
        sh("ip", "link", "del", BRIDGE);
        for (String s : List.of(SUBNET, NET_SUBNET, NET2_SUBNET)) sh("ip", "route", "del", "unreachable", s, "metric", "4000");
        for (String table : List.of("filter", "nat")) {
            for (String line : sh("iptables-save", "-t", table).split("\n")) {
                if (line.startsWith("-A ") && (line.contains(BRIDGE) || line.contains("10.233.22.") || line.contains("10.233.23.")
                        || line.contains("10.233.24."))) {
                    sh("sh", "-c", "iptables -w 5 -t " + table + " -D " + line.substring(3));
                }
            }
        }
        try (Stream<Path> s = Files.walk(base)) {
            s.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
        base = null;
    }

    // ---------------------------------------------------------------- helpers

    record Run(int code, String out, String err) {}

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

    static Run run(List<String> cmd) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(base.toFile());
        pb.environment().put("DOCKER_HOST", host);
        pb.environment().put("DOCKER_CONFIG", base.resolve("docker-config").toString());
        pb.environment().remove("DOCKER_BUILDKIT");
        Path o = Files.createTempFile(base, "o", ""), e = Files.createTempFile(base, "e", "");
        Process p = pb.redirectOutput(o.toFile()).redirectError(e.toFile()).redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
        if (!p.waitFor(180, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail(String.join(" ", cmd) + " timed out");
        }
        Run r = new Run(p.exitValue(), Files.readString(o), Files.readString(e));
        Files.delete(o);
        Files.delete(e);
        return r;
    }

    static Run docker(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(DOCKER));
        cmd.addAll(List.of(args));
        return run(cmd);
    }

    /** docker with exit 0 asserted; its stdout. */
    static String ok(String... args) throws Exception {
        Run r = docker(args);
        assertEquals(0, r.code(), "docker " + String.join(" ", args) + ": " + r.err() + r.out());
        return r.out();
    }

    /** A command under a pseudo-terminal (docker -t needs one), as a user types it. */
    static Run pty(String command) throws Exception {
        return run(List.of("script", "-qec", command, "/dev/null"));
    }

    static void eventually(String what, Supplier<Boolean> cond) throws InterruptedException {
        Instant end = Instant.now().plusSeconds(20);
        while (Instant.now().isBefore(end)) {
            if (cond.get()) return;
            Thread.sleep(100);
        }
        fail("timed out waiting for " + what);
    }

    static String quiet(String... args) {
        try {
            return docker(args).out().trim();
        } catch (Exception e) {
            return "";
        }
    }

    static String http(int p) throws Exception {
        try (HttpClient c = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build()) {
            return c.send(java.net.http.HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + p + "/")).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
        }
    }

    // ---------------------------------------------------------------- 一: images

    @Test
    @Order(1)
    void infoImagesTagSaveLoad() throws Exception {
        String info = ok("info");
        assertTrue(info.contains("Server Version:"), info);
        assertTrue(info.contains("Storage Driver: overlay2"), info);
        String images = ok("images");
        assertTrue(images.startsWith("REPOSITORY"), images);
        assertTrue(images.contains("nginx") && images.contains("alpine"), images);

        ok("tag", "nginx:alpine", "10.0.0.181:5000/nginx:alpine");
        String id1 = ok("images", "-q", "nginx:alpine").trim(), id2 = ok("images", "-q", "10.0.0.181:5000/nginx:alpine").trim();
        assertEquals(id1, id2, "a tag is another name for the same image ID");

        ok("save", "-o", "nginx-alpine.tar", "nginx:alpine");
        assertTrue(Files.size(base.resolve("nginx-alpine.tar")) > 100_000);
        ok("rmi", "10.0.0.181:5000/nginx:alpine");
        ok("rmi", "nginx:alpine");
        assertNotEquals(0, docker("image", "inspect", "nginx:alpine").code());
        String loaded = ok("load", "-i", "nginx-alpine.tar");
        assertTrue(loaded.contains("Loaded image: nginx:alpine"), loaded);
        assertEquals(id1, ok("images", "-q", "nginx:alpine").trim());
        String insp = ok("inspect", "nginx:alpine");
        assertTrue(insp.contains("\"RepoTags\"") && insp.contains("nginx:alpine"), insp);
    }

    // ---------------------------------------------------------------- containers

    @Test
    @Order(2)
    void runDetachedWithPortExecCpLogs() throws Exception {
        String id = ok("run", "--name", "nginx", "-d", "-p", port + ":80", "nginx:alpine").trim();
        assertEquals(64, id.length(), id);
        eventually("httpd answers on the published port", () -> {
            try {
                return http(port).contains("hello from wharf");
            } catch (Exception e) {
                return false;
            }
        });
        String ps = ok("ps");
        assertTrue(ps.contains("nginx") && ps.contains("0.0.0.0:" + port + "->80/tcp") && ps.contains("Up "), ps);
        assertEquals(id.substring(0, 12), ok("ps", "-q", "--filter", "name=nginx").trim());

        // docker exec <name> hostname: the short ID, as docker sets it
        assertEquals(id.substring(0, 12), ok("exec", "nginx", "hostname").trim());
        // 1号进程: the image's CMD is pid 1 in the container's own pid namespace
        String psAux = ok("exec", "nginx", "ps", "aux");
        assertTrue(psAux.lines().anyMatch(l -> l.trim().matches("1\\s+\\S+\\s+httpd.*")), psAux);
        // its own network namespace: lo and eth0 on the bridge's subnet
        String ip = ok("exec", "nginx", "ip", "addr");
        assertTrue(ip.contains("lo:") && ip.contains("eth0@") && ip.contains("inet 10.233.22."), ip);
        // exec -ti under a terminal
        Run t = pty(DOCKER + " exec -ti nginx sh -c 'tty; echo $((6*7))'");
        assertEquals(0, t.code(), t.err());
        assertTrue(t.out().contains("/dev/pts/") && t.out().contains("42"), t.out());

        // cp both ways
        Files.writeString(base.resolve("test.txt"), "123\n");
        ok("cp", base.resolve("test.txt").toString(), "nginx:/tmp");
        assertEquals("123", ok("exec", "nginx", "cat", "/tmp/test.txt").trim());
        Files.createDirectories(base.resolve("back"));
        ok("cp", "nginx:/tmp/test.txt", base.resolve("back").toString());
        assertEquals("123\n", Files.readString(base.resolve("back/test.txt")));

        // curl through the published port from the host, also on the host's own address is covered by the engine IT
        assertTrue(http(port).contains("hello"));
        ok("logs", "nginx");

        String pid = ok("inspect", "-f", "{{.State.Pid}}", "nginx").trim();
        assertTrue(Files.exists(Path.of("/proc/" + pid)), "inspect's Pid is a live host process: " + pid);
        String ipAddr = ok("inspect", "-f", "{{.NetworkSettings.IPAddress}}", "nginx").trim();
        assertTrue(ipAddr.startsWith("10.233.22."), ipAddr);
    }

    @Test
    @Order(3)
    void customCommandIsPid1AndLogsFollow() throws Exception {
        ok("run", "-d", "--name", "test-3", "nginx:alpine", "echo", "123");
        eventually("test-3 exits", () -> quiet("inspect", "-f", "{{.State.Status}}", "test-3").equals("exited"));
        assertEquals("123\n", ok("logs", "test-3"));
        assertTrue(ok("ps", "-a", "--filter", "name=test-3").contains("Exited (0)"));
        // docker run --rm prints exactly the program's output
        assertEquals("123\n", ok("run", "--rm", "busybox", "echo", "123"));

        ok("run", "-d", "--name", "test-4", "nginx:alpine", "sh", "-c", "i=0; while true; do echo line$i; i=$((i+1)); sleep 0.2; done");
        String ps = ok("exec", "test-4", "ps");
        assertTrue(ps.lines().anyMatch(l -> l.trim().matches("1\\s+\\S+\\s+sh -c i=0.*")), ps);
        eventually("some log lines", () -> quiet("logs", "test-4").contains("line3"));
        assertEquals(2, ok("logs", "--tail", "2", "test-4").lines().count());
        // logs -f keeps streaming new lines
        ProcessBuilder pb = new ProcessBuilder(DOCKER, "logs", "--tail=1", "-f", "test-4");
        pb.environment().put("DOCKER_HOST", host);
        pb.environment().put("DOCKER_CONFIG", base.resolve("docker-config").toString());
        Process f = pb.redirectErrorStream(true).start();
        try (BufferedReader rd = new BufferedReader(new InputStreamReader(f.getInputStream(), StandardCharsets.UTF_8))) {
            List<String> got = new ArrayList<>();
            for (int i = 0; i < 4; i++) got.add(rd.readLine());
            assertTrue(got.stream().allMatch(l -> l != null && l.startsWith("line")), got.toString());
            int a = Integer.parseInt(got.get(0).substring(4)), b = Integer.parseInt(got.get(3).substring(4));
            assertEquals(a + 3, b, "consecutive lines while following: " + got);
        } finally {
            f.destroy();
            f.waitFor(5, TimeUnit.SECONDS);
        }
        ok("rm", "-f", "test-3", "test-4");
    }

    @Test
    @Order(4)
    void interactiveShellUnderAPty() throws Exception {
        Run t = pty(DOCKER + " run -ti --rm busybox sh -c 'tty; echo pid=$$'");
        assertEquals(0, t.code(), t.err());
        assertTrue(t.out().contains("/dev/pts/0"), t.out());
        assertTrue(t.out().contains("pid=1"), t.out());
    }

    @Test
    @Order(5)
    void stopStartRestartInspectRm() throws Exception {
        String pid1 = ok("inspect", "-f", "{{.State.Pid}}", "nginx").trim();
        ok("stop", "-t", "1", "nginx");
        assertEquals("exited", ok("inspect", "-f", "{{.State.Status}}", "nginx").trim());
        assertFalse(ok("ps").contains("nginx"));
        assertTrue(ok("ps", "-a").contains("nginx"));
        ok("start", "nginx");
        assertEquals("running", ok("inspect", "-f", "{{.State.Status}}", "nginx").trim());
        ok("restart", "-t", "1", "nginx");
        String pid2 = ok("inspect", "-f", "{{.State.Pid}}", "nginx").trim();
        assertNotEquals(pid1, pid2);
        eventually("httpd back after restart", () -> {
            try {
                return http(port).contains("hello");
            } catch (Exception e) {
                return false;
            }
        });
        Run rm = docker("rm", "nginx");
        assertNotEquals(0, rm.code());
        assertTrue(rm.err().contains("container is running: stop the container before removing or force remove"), rm.err());
        String st = ok("stats", "--no-stream", "nginx");
        assertTrue(st.contains("CPU %") && st.contains("nginx"), st);
        String top = ok("top", "nginx");
        assertTrue(top.contains("PID") && top.contains("httpd"), top);
        String df = ok("system", "df");
        assertTrue(df.contains("Images") && df.contains("Containers") && df.contains("Local Volumes"), df);
    }

    @Test
    @Order(6)
    void commitExportImport() throws Exception {
        ok("exec", "nginx", "sh", "-c", "echo committed > /c.txt");
        ok("commit", "nginx", "web:v2");
        assertEquals("committed", ok("run", "--rm", "web:v2", "cat", "/c.txt").trim());
        ok("export", "nginx", "-o", "web.tar");
        ok("import", "web.tar", "imp:v1");
        assertEquals("committed", ok("run", "--rm", "imp:v1", "cat", "/c.txt").trim());
    }

    @Test
    @Order(7)
    void volumesAndBindMounts() throws Exception {
        ok("volume", "create", "tut-vol");
        ok("run", "--rm", "-v", "tut-vol:/data", "busybox", "sh", "-c", "echo persisted > /data/f");
        assertEquals("persisted", ok("run", "--rm", "-v", "tut-vol:/data", "busybox", "cat", "/data/f").trim());
        assertTrue(ok("volume", "ls").contains("tut-vol"));
        assertTrue(ok("volume", "inspect", "tut-vol").contains("\"Driver\": \"local\""));
        Path opt = Files.createDirectories(base.resolve("opt"));
        Files.writeString(opt.resolve("host.txt"), "from host\n");
        ok("run", "--name", "bind", "-d", "-v", opt + ":/opt", "nginx:alpine");
        assertEquals("from host", ok("exec", "bind", "cat", "/opt/host.txt").trim());
        ok("exec", "bind", "sh", "-c", "echo from container > /opt/back.txt");
        assertEquals("from container\n", Files.readString(opt.resolve("back.txt")));
        // docker cp into a stopped container lands in its volume, as with dockerd
        ok("create", "--name", "stopped-vol", "-v", "tut-vol:/data", "busybox", "cat", "/data/copied.txt");
        ok("cp", base.resolve("test.txt").toString(), "stopped-vol:/data/copied.txt");
        ok("cp", "stopped-vol:/data", base.resolve("volcopy").toString());
        assertEquals("123\n", Files.readString(base.resolve("volcopy/copied.txt")));
        assertEquals("persisted\n", Files.readString(base.resolve("volcopy/f")));
        ok("start", "stopped-vol");
        ok("wait", "stopped-vol");
        assertEquals("123\n", ok("logs", "stopped-vol"));
        ok("rm", "-f", "bind", "stopped-vol");
    }

    @Test
    @Order(8)
    void restartAlwaysAndKill() throws Exception {
        ok("run", "-d", "--name", "always", "--restart", "always", "busybox", "sh", "-c", "sleep 0.3; exit 3");
        eventually("restart policy restarts it", () -> {
            String n = quiet("inspect", "-f", "{{.RestartCount}}", "always");
            return !n.isEmpty() && Integer.parseInt(n) >= 2;
        });
        // docker kill ends the restart policy (dockerd: SIGKILL marks the container stopped by hand)
        eventually("a kill that lands", () -> {
            try {
                return docker("kill", "always").code() == 0;
            } catch (Exception e) {
                return false;
            }
        });
        Thread.sleep(1500);
        String st = ok("inspect", "-f", "{{.State.Status}} {{.State.Restarting}}", "always").trim();
        assertEquals("exited false", st);
        ok("rm", "-f", "always");
    }

    @Test
    @Order(9)
    void userNetworkNameResolutionAndNetModes() throws Exception {
        ok("network", "create", "--subnet", NET_SUBNET, "tut-net");
        ok("run", "-d", "--name", "web", "--net", "tut-net", "nginx:alpine");
        eventually("web resolves by name and answers", () -> quiet("run", "--rm", "--net", "tut-net", "busybox", "wget", "-qO-", "http://web/").contains("hello"));
        String ns = ok("run", "--rm", "--net", "tut-net", "busybox", "nslookup", "web");
        assertTrue(ns.contains("10.233.23."), ns);
        // --net host sees the host's interfaces (our bridge among them)
        assertTrue(ok("run", "--rm", "--net", "host", "busybox", "ip", "addr").contains(BRIDGE));
        String none = ok("run", "--rm", "--net", "none", "busybox", "ip", "addr");
        assertTrue(none.contains("lo:") && !none.contains("eth0"), none);
        assertTrue(ok("run", "--rm", "--net", "container:web", "busybox", "wget", "-qO-", "http://localhost/").contains("hello"));
        assertTrue(ok("network", "ls").contains("tut-net"));
        assertTrue(ok("network", "inspect", "tut-net", "-f", "{{range .Containers}}{{.Name}} {{end}}").contains("web"));

        // network connect on a stopped container: recorded, applied at start
        ok("network", "create", "--subnet", NET2_SUBNET, "tut-net2");
        ok("create", "--name", "late", "--net", "tut-net", "nginx:alpine");
        ok("network", "connect", "--alias", "late-alias", "tut-net2", "late");
        ok("start", "late");
        String nets = ok("inspect", "-f", "{{range $k, $v := .NetworkSettings.Networks}}{{$k}}={{$v.IPAddress}} {{end}}", "late");
        assertTrue(nets.contains("tut-net=10.233.23.") && nets.contains("tut-net2=10.233.24."), nets);
        eventually("alias on the connected network", () -> quiet("run", "--rm", "--net", "tut-net2", "busybox", "wget", "-qO-", "http://late-alias/").contains("hello"));
        ok("stop", "-t", "1", "late");
        ok("network", "disconnect", "tut-net2", "late");
        ok("start", "late");
        nets = ok("inspect", "-f", "{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}", "late");
        assertEquals("tut-net", nets.trim());
        ok("rm", "-f", "late", "web");
    }

    @Test
    @Order(10)
    void eventsAndErrors() throws Exception {
        Instant since = Instant.now().minusSeconds(1);
        ok("run", "--rm", "--name", "ev", "busybox", "true");
        String ev = ok("events", "--since", String.valueOf(since.getEpochSecond()), "--until", String.valueOf(Instant.now().getEpochSecond() + 1),
                "--filter", "container=ev");
        assertTrue(ev.contains("container create") && ev.contains("container start") && ev.contains("container die"), ev);

        Run r = docker("run", "--rm", "busybox", "nosuchprogram");
        assertEquals(127, r.code(), r.err());
        assertTrue(r.err().contains("exec: \"nosuchprogram\": executable file not found in $PATH"), r.err());
        Run e = docker("exec", "nginx", "nosuchprogram");
        assertEquals(127, e.code(), e.err());
        assertTrue((e.err() + e.out()).contains("exec: \"nosuchprogram\": executable file not found in $PATH"), e.err());
        Run missing = docker("inspect", "no-such-container");
        assertNotEquals(0, missing.code());
        assertTrue(missing.err().contains("No such"), missing.err());

        // a malformed request line gets Go's bare 400, not a dropped connection
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(base.resolve("docker.sock")));
            ch.write(ByteBuffer.wrap("GARBAGE\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
            ByteBuffer b = ByteBuffer.allocate(1024);
            while (ch.read(b) > 0) {
            }
            String got = new String(b.array(), 0, b.position(), StandardCharsets.US_ASCII);
            assertTrue(got.startsWith("HTTP/1.1 400 Bad Request"), got);
        }
    }

    @Test
    @Order(11)
    void healthcheck() throws Exception {
        ok("run", "-d", "--name", "hc", "--health-cmd", "test -f /tmp/ok", "--health-interval", "300ms", "--health-retries", "2",
                "busybox", "sleep", "100");
        assertTrue(ok("ps", "--filter", "name=hc", "--format", "{{.Status}}").contains("(health: starting)"));
        eventually("unhealthy", () -> quiet("inspect", "-f", "{{.State.Health.Status}}", "hc").equals("unhealthy"));
        assertTrue(ok("ps", "--filter", "name=hc", "--format", "{{.Status}}").contains("(unhealthy)"));
        ok("exec", "hc", "touch", "/tmp/ok");
        eventually("healthy", () -> quiet("ps", "--filter", "name=hc", "--format", "{{.Status}}").contains("(healthy)"));
        assertEquals("0", ok("inspect", "-f", "{{.State.Health.FailingStreak}}", "hc").trim());
        ok("rm", "-f", "hc");
    }

    @Test
    @Order(12)
    void dockerfileMultiStage() throws Exception {
        Path ctx = Files.createDirectories(base.resolve("ctx"));
        Files.writeString(ctx.resolve("app.sh"), "#!/bin/sh\necho app says $GREETING\n");
        Files.writeString(ctx.resolve("Dockerfile.multi"), """
                FROM busybox AS builder
                WORKDIR /src
                COPY app.sh .
                RUN cp app.sh app && chmod +x app
                FROM busybox
                LABEL maintainer="x <x@example.com>"
                ENV GREETING hi
                WORKDIR /root/
                COPY --from=builder /src/app .
                EXPOSE 8002
                CMD ["./app"]
                """);
        // the tutorial's `docker build . -t href-counter:v2 -f Dockerfile.multi`, with the context named explicitly
        ok("build", ctx.toString(), "-t", "href-counter:v2", "-f", ctx.resolve("Dockerfile.multi").toString());
        assertEquals("app says hi", ok("run", "--rm", "href-counter:v2").trim());
        assertNotEquals(0, docker("run", "--rm", "href-counter:v2", "ls", "/src/app.sh").code(), "builder files stay out");
    }

    @Test
    @Order(13)
    void olderClient2010() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of(DOCKER_2010)), "docker.io 20.10 client not installed");
        Run v = run(List.of(DOCKER_2010, "version", "--format", "{{.Client.Version}}"));
        Assumptions.assumeTrue(v.out().startsWith("20.10"), "not a 20.10 client: " + v.out());
        assertEquals("123\n", run(List.of(DOCKER_2010, "run", "--rm", "busybox", "echo", "123")).out());
        assertTrue(run(List.of(DOCKER_2010, "ps")).out().contains("nginx"));
        Run t = pty(DOCKER_2010 + " exec -ti nginx sh -c 'echo $((6*7))'");
        assertTrue(t.out().contains("42"), t.out());
    }

    /** The Debian steps: apt-get in a container reaches the mirror through the bridge (outbound masquerade). */
    @Test
    @Order(14)
    void debianAptGetThroughTheBridge() throws Exception {
        Assumptions.assumeTrue("1".equals(System.getenv("WHARF_SLOW_TESTS")), "set WHARF_SLOW_TESTS=1 (debootstrap, ~1 min)");
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/sbin/debootstrap")), "debootstrap not installed");
        String mirror = "http://deb.debian.org/debian";
        for (Path f : List.of(Path.of("/etc/apt/sources.list.d/debian.sources"), Path.of("/etc/apt/sources.list"))) {
            if (!Files.exists(f)) continue;
            // the first main-archive URL of an active line ("URIs:" in deb822, "deb [opts] URL" in the old format)
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^\\s*(?:URIs:\\s*|deb\\s+(?:\\[[^]]*]\\s+)?)(https?://\\S+)")
                    .matcher(Files.readString(f));
            String found = null;
            while (found == null && m.find()) if (!m.group(1).contains("security")) found = m.group(1);
            if (found != null) {
                mirror = found;
                break;
            }
        }
        Path deb = base.resolve("debian");
        Run boot = run(List.of("debootstrap", "--variant=minbase", "bookworm", deb.toString(), mirror));
        assertEquals(0, boot.code(), boot.out() + boot.err());
        Run tar = run(List.of("sh", "-c", "tar -C " + deb + " -cf " + base.resolve("debian.tar") + " ."));
        assertEquals(0, tar.code(), tar.err());
        ok("import", base.resolve("debian.tar").toString(), "debian:bookworm");
        String out = ok("run", "--rm", "debian:bookworm", "sh", "-c",
                "apt-get update >/dev/null && apt-get install -y --no-install-recommends procps iproute2 >/dev/null && ps aux && ip addr show eth0");
        assertTrue(out.lines().anyMatch(l -> l.matches("root\\s+1\\s.*")), out);
        assertTrue(out.contains("inet 10.233.22."), out);

        // 5 Django应用容器化实践: the myblog Dockerfile, on Debian instead of CentOS (apt-get in RUN, through the bridge)
        Path blog = Files.createDirectories(base.resolve("myblog"));
        Files.writeString(blog.resolve("run.sh"), "#!/bin/sh\necho myblog up\nexec sleep 1000\n");
        Files.writeString(blog.resolve("Dockerfile"), """
                # This my first django Dockerfile
                FROM debian:bookworm
                LABEL maintainer="inspur_lyx@hotmail.com"
                ENV LANG en_US.UTF-8
                ENV LC_ALL en_US.UTF-8
                RUN apt-get update && apt-get install -y --no-install-recommends procps && rm -rf /var/lib/apt/lists/*
                WORKDIR /opt/myblog
                COPY . .
                RUN chmod +x run.sh && rm -rf ~/.cache/pip
                EXPOSE 8002
                CMD ["./run.sh"]
                """);
        ok("build", blog.toString(), "-t", "myblog:v1", "-f", blog.resolve("Dockerfile").toString());
        ok("run", "-d", "--name", "myblog", "-e", "MYSQL_HOST=10.0.0.181", "-e", "MYSQL_USER=root", "myblog:v1");
        eventually("myblog starts", () -> quiet("logs", "myblog").contains("myblog up"));
        String ps = ok("exec", "myblog", "ps", "aux");
        assertTrue(ps.lines().anyMatch(l -> l.matches("root\\s+1\\s.*sleep 1000")), ps);
        assertEquals("/opt/myblog", ok("exec", "myblog", "pwd").trim());
        assertEquals("10.0.0.181", ok("exec", "myblog", "sh", "-c", "echo $MYSQL_HOST").trim());
        ok("rm", "-f", "myblog");
    }
}
