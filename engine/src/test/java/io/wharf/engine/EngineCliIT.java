package io.wharf.engine;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * End to end: an Engine on a temporary root, socket, bridge and subnet, driven by the real docker CLI. The tests
 * share one engine and run in order (later ones use the image the first imports). Everything the class creates is
 * removed in {@link #tearDown()}, also after failures.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EngineCliIT {
    static final String DOCKER = findDocker();
    static final String BRIDGE = "wheit" + (ProcessHandle.current().pid() % 1000);
    static final String SUBNET = "10.232.1.0/24";
    static final String USER_SUBNET = "10.232.2.0/24";
    static final String IMG = "wharfit/busybox:1";
    static Path tmp;
    static Path socket;
    static EngineConfig config;
    static Engine engine;
    static final List<String> routesAdded = new ArrayList<>();

    record Result(int code, String out, String err) {
        String all() { return out + err; }
    }

    static String findDocker() {
        for (String d : System.getenv().getOrDefault("PATH", "/usr/local/bin:/usr/bin").split(":")) {
            if (Files.isExecutable(Path.of(d, "docker"))) return Path.of(d, "docker").toString();
        }
        return null;
    }

    @BeforeAll
    static void setUp() throws Exception {
        Assumptions.assumeTrue(DOCKER != null, "the docker CLI is not installed; skipping the engine end-to-end tests");
        for (String cidr : List.of(SUBNET, USER_SUBNET)) {
            if (!sh("ip", "route", "show", cidr).out().contains("unreachable")) {
                sh("ip", "route", "add", "unreachable", cidr, "metric", "4000");
                routesAdded.add(cidr);
            }
        }
        tmp = Files.createTempDirectory("wharf-engine-it");
        socket = tmp.resolve("docker.sock");
        config = new EngineConfig(tmp.resolve("root"), tmp.resolve("run"), socket, null, BRIDGE, SUBNET, "crun");
        engine = new Engine(config);
        engine.start();
        // a busybox rootfs tar from Debian's busybox-static
        Path rootfs = tmp.resolve("bb");
        Files.createDirectories(rootfs.resolve("bin"));
        for (String d : List.of("etc", "tmp", "proc", "sys", "dev", "root")) Files.createDirectories(rootfs.resolve(d));
        Files.copy(Path.of("/bin/busybox"), rootfs.resolve("bin/busybox"));
        for (String a : List.of("sh", "echo", "cat", "ls", "sleep", "hostname", "httpd", "wget", "ping", "true", "false",
                "id", "env", "ps", "ln", "head", "tail", "mkdir", "rm", "nslookup", "ip", "ifconfig", "top", "dd"))
            Files.createSymbolicLink(rootfs.resolve("bin").resolve(a), Path.of("busybox"));
        Result t = sh("tar", "-C", rootfs.toString(), "-cf", tmp.resolve("bb.tar").toString(), ".");
        assertEquals(0, t.code(), t.err());
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (DOCKER == null || tmp == null) return;
        try {
            if (engine != null) {
                Result ps = docker("ps", "-aq");
                for (String id : ps.out().split("\\s+")) if (!id.isBlank()) docker("rm", "-f", id);
                docker("network", "rm", "itnet");
            }
        } finally {
            if (engine != null) engine.close();
            // unmount whatever is still mounted under the temp dir (rootfs overlays, netns), deepest first
            List<String> mounts = new ArrayList<>();
            for (String l : Files.readAllLines(Path.of("/proc/self/mounts"))) {
                String[] f = l.split(" ");
                if (f.length > 1 && f[1].startsWith(tmp.toString())) mounts.add(f[1]);
            }
            mounts.sort(Comparator.reverseOrder());
            for (String m : mounts) sh("umount", "-l", m);
            sh("ip", "link", "del", BRIDGE);
            removeIptablesRules();
            for (String r : routesAdded) sh("ip", "route", "del", "unreachable", r, "metric", "4000");
            try (Stream<Path> s = Files.walk(tmp)) {
                for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                    try {
                        Files.deleteIfExists(p);
                    } catch (IOException ignored) {
                    }
                }
            }
        }
    }

    /**
     * The network module keeps the default bridge's rules (masquerade, forward, isolation) as dockerd does for
     * docker0; this test's bridge is throw-away, so its rules go too: every rule naming the bridge or a test subnet.
     */
    static void removeIptablesRules() throws Exception {
        java.util.regex.Pattern mine = java.util.regex.Pattern.compile("\\b" + BRIDGE + "\\b|" + java.util.regex.Pattern.quote(SUBNET) + "|" + java.util.regex.Pattern.quote(USER_SUBNET));
        for (String table : List.of("filter", "nat", "mangle")) {
            for (String line : sh("iptables-save", "-t", table).out().split("\n")) {
                if (!line.startsWith("-A ") || !mine.matcher(line).find()) continue;
                List<String> cmd = new ArrayList<>(List.of("iptables", "-t", table, "-D"));
                cmd.addAll(splitRule(line.substring(3)));
                run(cmd, null, 30);
            }
        }
    }

    /** Splits an iptables-save rule into arguments, honouring double quotes (comments). */
    static List<String> splitRule(String rule) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean quoted = false, any = false;
        for (char ch : rule.toCharArray()) {
            if (ch == '"') {
                quoted = !quoted;
                any = true;
            } else if (ch == ' ' && !quoted) {
                if (any) out.add(cur.toString());
                cur.setLength(0);
                any = false;
            } else {
                cur.append(ch);
                any = true;
            }
        }
        if (any) out.add(cur.toString());
        return out;
    }

    static Result sh(String... cmd) throws Exception {
        return run(List.of(cmd), null, 60);
    }

    static Result docker(String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(DOCKER);
        cmd.addAll(List.of(args));
        return run(cmd, null, 90);
    }

    static Result run(List<String> cmd, byte[] stdin, int timeoutSeconds) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("DOCKER_HOST", "unix://" + (socket == null ? "/nonexistent" : socket));
        pb.environment().put("DOCKER_CONFIG", tmp == null ? "/tmp" : tmp.resolve("docker-config").toString());
        Process p = pb.start();
        try (OutputStream o = p.getOutputStream()) {
            if (stdin != null) o.write(stdin);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        Thread a = Thread.ofVirtual().start(() -> copy(p.getInputStream(), out));
        Thread b = Thread.ofVirtual().start(() -> copy(p.getErrorStream(), err));
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            // the engine runs in this JVM: keep a thread dump (virtual threads included) for the post-mortem
            Path dump = Path.of("target", "engine-it-threads-" + System.nanoTime() + ".txt").toAbsolutePath();
            String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
            new ProcessBuilder(jcmd, Long.toString(ProcessHandle.current().pid()), "Thread.dump_to_file", "-format=text", dump.toString())
                    .redirectErrorStream(true).start().waitFor(30, TimeUnit.SECONDS);
            p.destroyForcibly();
            fail("timed out: " + String.join(" ", cmd) + " (thread dump: " + dump + ")");
        }
        a.join();
        b.join();
        return new Result(p.exitValue(), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static void copy(InputStream in, OutputStream out) {
        try {
            in.transferTo(out);
        } catch (IOException ignored) {
        }
    }

    static Result ok(String... args) throws Exception {
        Result r = docker(args);
        assertEquals(0, r.code(), () -> "docker " + String.join(" ", args) + " failed: " + r.all());
        return r;
    }

    // ------------------------------------------------------------------ tests

    @Test
    @Order(1)
    void versionAndInfo() throws Exception {
        Result v = ok("version");
        assertTrue(v.out().contains("API version:       1.47"), v.out());
        Result i = ok("info", "--format", "{{.Driver}} {{.CgroupDriver}} {{.NCPU}}");
        assertTrue(i.out().startsWith("overlay2 cgroupfs "), i.out());
    }

    @Test
    @Order(2)
    void importAndList() throws Exception {
        Result r = run(List.of(DOCKER, "import", tmp.resolve("bb.tar").toString(), IMG), null, 90);
        assertEquals(0, r.code(), r.all());
        assertTrue(r.out().startsWith("sha256:"), r.out());
        Result images = ok("images", "--format", "{{.Repository}}:{{.Tag}}");
        assertTrue(images.out().contains(IMG), images.out());
    }

    @Test
    @Order(3)
    void runRmPrintsExactly() throws Exception {
        Result r = ok("run", "--rm", IMG, "echo", "123");
        assertEquals("123\n", r.out());
        Result code = docker("run", "--rm", IMG, "sh", "-c", "echo out; echo err >&2; exit 7");
        assertEquals(7, code.code());
        assertEquals("out\n", code.out());
        assertTrue(code.err().contains("err"), code.err());
        assertEquals("", ok("ps", "-aq").out().trim(), "--rm removed the containers");
        Result piped = run(List.of(DOCKER, "run", "--rm", "-i", IMG, "cat"), "piped\n".getBytes(), 60);
        assertEquals("piped\n", piped.out(), piped.err());
        Result missing = docker("run", "--rm", IMG, "nosuchcommand");
        assertEquals(127, missing.code(), "dockerd's wording makes the CLI exit 127: " + missing.all());
        assertEquals("", ok("ps", "-aq").out().trim(), "--rm removed the container whose start failed");
        // The "removed" answer comes before the files go (Containers.destroy): what could see the leftovers waits.
        int volumesBefore = ok("volume", "ls", "-q").out().lines().toList().size();
        ok("run", "--rm", "-v", "/anon", IMG, "true");
        assertEquals(volumesBefore, ok("volume", "ls", "-q").out().lines().toList().size(), "the anonymous volume went with the container");
        ok("run", "--name", "itrmsrc", IMG, "sh", "-c", "echo layer > /x");
        ok("commit", "itrmsrc", "wharfit/rmsrc:1");
        ok("rm", "itrmsrc");
        assertEquals("layer\n", ok("run", "--rm", "wharfit/rmsrc:1", "cat", "/x").out());
        ok("rmi", "wharfit/rmsrc:1"); // right after: the container's snapshot on it is gone first
        assertFalse(ok("images", "--format", "{{.Repository}}").out().contains("wharfit/rmsrc"));
    }

    /** Debian's docker.io (CLI 20.10, API 1.41) must work too when it is installed beside CLI 28. */
    @Test
    @Order(4)
    void olderCliWorks() throws Exception {
        String old = "/usr/bin/docker";
        Assumptions.assumeTrue(Files.isExecutable(Path.of(old)) && !Path.of(old).toRealPath().toString().equals(Path.of(DOCKER).toRealPath().toString()),
                "no second (Debian docker.io) CLI installed");
        Result v = run(List.of(old, "version", "--format", "{{.Client.APIVersion}}"), null, 60);
        Assumptions.assumeTrue(v.code() == 0 && v.out().trim().equals("1.41"), "the second CLI is not 20.10: " + v.all());
        Result r = run(List.of(old, "run", "--rm", IMG, "echo", "123"), null, 60);
        assertEquals("123\n", r.out(), r.err());
        assertEquals(5, run(List.of(old, "run", "--rm", IMG, "sh", "-c", "exit 5"), null, 60).code());
        Result d = run(List.of(old, "run", "-d", "--name", "old1", IMG, "sleep", "300"), null, 60);
        assertEquals(0, d.code(), d.all());
        Result e = run(List.of(old, "exec", "old1", "hostname"), null, 60);
        assertEquals(d.out().trim().substring(0, 12) + "\n", e.out(), e.err());
        assertEquals(0, run(List.of(old, "rm", "-f", "old1"), null, 60).code());
    }

    @Test
    @Order(5)
    void detachedLifecycle() throws Exception {
        String id = ok("run", "-d", "--name", "it1", IMG, "sh", "-c", "echo one; echo two; echo three; exec sleep 300").out().trim();
        assertTrue(id.matches("[0-9a-f]{64}"), id);
        assertTrue(ok("ps", "-a", "-q").out().contains(id.substring(0, 12)));
        Thread.sleep(300);
        assertEquals("three\n", ok("logs", "--tail", "1", "it1").out());
        assertEquals(id.substring(0, 12) + "\n", ok("exec", "it1", "hostname").out());
        assertEquals(3, docker("exec", "it1", "sh", "-c", "exit 3").code());
        long pid = Long.parseLong(ok("inspect", "-f", "{{.State.Pid}}", "it1").out().trim());
        assertTrue(pid > 0 && Files.exists(Path.of("/proc/" + pid)), "State.Pid is a live process");
        String ip = ok("inspect", "-f", "{{.NetworkSettings.IPAddress}}", "it1").out().trim();
        assertTrue(ip.startsWith("10.232.1."), ip);
        ok("stop", "-t", "1", "it1");
        assertEquals("exited", ok("inspect", "-f", "{{.State.Status}}", "it1").out().trim());
        ok("start", "it1");
        assertEquals("true", ok("inspect", "-f", "{{.State.Running}}", "it1").out().trim());
        ok("restart", "-t", "1", "it1");
        assertEquals("true", ok("inspect", "-f", "{{.State.Running}}", "it1").out().trim());
        Result top = ok("top", "it1");
        assertTrue(top.out().contains("sleep 300"), top.out());
        Result stats = ok("stats", "--no-stream", "--format", "{{.Name}} {{.PIDs}}", "it1");
        assertTrue(stats.out().startsWith("it1 "), stats.out());
    }

    @Test
    @Order(6)
    void followLogsEventsAndRestartPolicy() throws Exception {
        ok("run", "-d", "--name", "lf", IMG, "sh", "-c", "for i in 1 2 3; do echo line$i; sleep 0.3; done");
        Result f = ok("logs", "-f", "lf");
        assertEquals("line1\nline2\nline3\n", f.out(), "logs -f returns when the container stops");
        Result ts = ok("logs", "-t", "--tail", "1", "lf");
        assertTrue(ts.out().matches("\\d{4}-\\d\\d-\\d\\dT[0-9:.]+Z line3\\n"), ts.out());
        long until = System.currentTimeMillis() / 1000 + 1;
        Result ev = ok("events", "--since", "0", "--until", Long.toString(until), "--filter", "container=lf");
        assertTrue(ev.out().contains("container create") && ev.out().contains("container start")
                && ev.out().contains("container die") && ev.out().contains("exitCode=0"), ev.out());
        ok("rm", "lf");
        ok("run", "-d", "--name", "rp", "--restart", "on-failure:2", IMG, "sh", "-c", "exit 1");
        String st = "";
        for (int i = 0; i < 50 && !st.equals("2 exited"); i++) {
            Thread.sleep(200);
            st = ok("inspect", "-f", "{{.RestartCount}} {{.State.Status}}", "rp").out().trim();
        }
        assertEquals("2 exited", st, "on-failure:2 restarts twice, then gives up");
        ok("rm", "rp");
    }

    @Test
    @Order(7)
    void execUnderPseudoTerminal() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/script")), "script(1) is needed for a pty");
        Result r = run(List.of("/usr/bin/script", "-qec", DOCKER + " exec -ti it1 sh -c 'tty; exit 4'", "/dev/null"), null, 60);
        assertEquals(4, r.code(), r.all());
        assertTrue(r.out().contains("/dev/pts/"), r.out());
        Result run = run(List.of("/usr/bin/script", "-qec", DOCKER + " run --rm -ti " + IMG + " sh -c 'tty; exit 3'", "/dev/null"), null, 60);
        assertEquals(3, run.code(), run.all());
        assertTrue(run.out().contains("/dev/pts/"), run.out());
    }

    @Test
    @Order(8)
    void copyBothWaysAndTraversal() throws Exception {
        Path f = tmp.resolve("h.txt");
        Files.writeString(f, "hello\n");
        ok("cp", f.toString(), "it1:/tmp/");
        assertEquals("hello\n", ok("exec", "it1", "cat", "/tmp/h.txt").out());
        ok("cp", f.toString(), "it1:/tmp/renamed.txt");
        assertEquals("hello\n", ok("exec", "it1", "cat", "/tmp/renamed.txt").out());
        Path back = tmp.resolve("back.txt");
        ok("cp", "it1:/tmp/h.txt", back.toString());
        assertEquals("hello\n", Files.readString(back));
        Result missing = docker("cp", "it1:/nonexist", tmp.resolve("x").toString());
        assertEquals(1, missing.code());
        assertTrue(missing.err().contains("Could not find the file /nonexist"), missing.err());
        // ../ in the container path stays inside the container
        ok("cp", f.toString(), "it1:/../../../tmp/");
        // a symlink in the container pointing at the host's / must not lead the copy out of the rootfs
        ok("exec", "it1", "ln", "-s", "/", "/tmp/escape");
        String marker = "wharf-it-" + ProcessHandle.current().pid();
        Path mf = tmp.resolve(marker);
        Files.writeString(mf, "x");
        ok("cp", mf.toString(), "it1:/tmp/escape/tmp/");
        assertFalse(Files.exists(Path.of("/tmp", marker)), "extraction escaped the container rootfs");
        assertEquals("x", ok("exec", "it1", "cat", "/tmp/" + marker).out());
    }

    @Test
    @Order(9)
    void publishedPortServesHttp() throws Exception {
        ok("run", "-d", "--name", "web", "-p", "127.0.0.1:18391:80", IMG, "httpd", "-f", "-p", "80", "-h", "/etc");
        String body = null;
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        for (int i = 0; i < 30 && body == null; i++) {
            try {
                body = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:18391/hostname")).timeout(Duration.ofSeconds(3)).build(),
                        HttpResponse.BodyHandlers.ofString()).body();
            } catch (IOException e) {
                Thread.sleep(200);
            }
        }
        String id = ok("inspect", "-f", "{{.Id}}", "web").out().trim();
        assertEquals(id.substring(0, 12) + "\n", body);
        assertTrue(ok("ps", "--format", "{{.Ports}}", "--filter", "name=web").out().contains("127.0.0.1:18391->80/tcp"));
        ok("rm", "-f", "web");
    }

    @Test
    @Order(10)
    void volumes() throws Exception {
        ok("volume", "create", "itvol");
        ok("run", "--rm", "-v", "itvol:/data", IMG, "sh", "-c", "echo persisted > /data/f");
        assertEquals("persisted\n", ok("run", "--rm", "-v", "itvol:/data", IMG, "cat", "/data/f").out());
        assertTrue(ok("volume", "ls", "-q").out().contains("itvol"));
        ok("run", "-d", "--name", "voluser", "-v", "itvol:/data", IMG, "sleep", "300");
        Result inUse = docker("volume", "rm", "itvol");
        assertEquals(1, inUse.code());
        assertTrue(inUse.err().contains("volume is in use"), inUse.err());
        ok("rm", "-f", "voluser");
        ok("volume", "rm", "itvol");
        Path hostDir = tmp.resolve("bind");
        Files.createDirectories(hostDir);
        Files.writeString(hostDir.resolve("b.txt"), "bound\n");
        assertEquals("bound\n", ok("run", "--rm", "-v", hostDir + ":/mnt:ro", IMG, "cat", "/mnt/b.txt").out());
    }

    @Test
    @Order(11)
    void userNetworkNameResolution() throws Exception {
        ok("network", "create", "--subnet", USER_SUBNET, "itnet");
        ok("run", "-d", "--name", "srv", "--net", "itnet", "--network-alias", "db", IMG, "sleep", "300");
        Result ping = ok("run", "--rm", "--net", "itnet", IMG, "ping", "-c", "1", "-W", "3", "srv");
        assertTrue(ping.out().contains("10.232.2."), ping.out());
        Result alias = ok("run", "--rm", "--net", "itnet", IMG, "ping", "-c", "1", "-W", "3", "db");
        assertTrue(alias.out().contains("10.232.2."), alias.out());
        assertTrue(ok("network", "inspect", "-f", "{{range .Containers}}{{.Name}} {{end}}", "itnet").out().contains("srv"));
        ok("rm", "-f", "srv");
        ok("network", "rm", "itnet");
    }

    @Test
    @Order(12)
    void networkModes() throws Exception {
        String host = ok("run", "--rm", "--net", "host", IMG, "hostname").out().trim();
        assertEquals(SystemInfo.hostname(), host);
        Result none = ok("run", "--rm", "--net", "none", IMG, "sh", "-c", "ls /sys/class/net");
        assertEquals("lo", none.out().trim());
        // crun raises lo in the namespace it creates for --net none
        assertTrue(ok("run", "--rm", "--net", "none", IMG, "ip", "link", "show", "lo").out().contains("UP"));
        assertEquals("", ok("run", "--rm", "--net", "none", IMG, "ping", "-c", "1", "-W", "2", "127.0.0.1").err());
        Result shared = ok("run", "--rm", "--net", "container:it1", IMG, "hostname");
        assertFalse(shared.out().isBlank());
        String ip1 = ok("inspect", "-f", "{{.NetworkSettings.IPAddress}}", "it1").out().trim();
        Result addr = ok("run", "--rm", "--net", "container:it1", IMG, "sh", "-c", "ip -4 addr show eth0");
        assertTrue(addr.out().contains(ip1), addr.out());
    }

    @Test
    @Order(13)
    void saveLoadRoundTrip() throws Exception {
        Path tar = tmp.resolve("save.tar");
        ok("save", "-o", tar.toString(), IMG);
        String id = ok("inspect", "-f", "{{.Id}}", IMG).out().trim();
        ok("tag", IMG, "wharfit/copy:2");
        Result rmi = ok("rmi", "wharfit/copy:2");
        assertTrue(rmi.out().contains("Untagged: wharfit/copy:2"), rmi.out());
        Result inUse = docker("rmi", IMG);
        assertEquals(1, inUse.code(), "it1 uses the image");
        assertTrue(inUse.err().contains("conflict"), inUse.err());
        Result load = ok("load", "-i", tar.toString());
        assertTrue(load.out().contains("Loaded image: " + IMG), load.out());
        assertEquals(id, ok("inspect", "-f", "{{.Id}}", IMG).out().trim());
    }

    @Test
    @Order(14)
    void buildWithTheClassicBuilder() throws Exception {
        Path ctx = tmp.resolve("ctx");
        Files.createDirectories(ctx);
        Files.writeString(ctx.resolve("Dockerfile"), "FROM " + IMG + "\nRUN echo built > /b.txt\nCOPY f.txt /f.txt\nCMD [\"cat\", \"/b.txt\", \"/f.txt\"]\n");
        Files.writeString(ctx.resolve("f.txt"), "copied\n");
        Result b = ok("build", "-t", "wharfit/built:1", ctx.toString());
        assertTrue(b.out().contains("Successfully tagged wharfit/built:1"), b.out());
        assertEquals("built\ncopied\n", ok("run", "--rm", "wharfit/built:1").out());
        Files.writeString(ctx.resolve("Dockerfile"), "FROM " + IMG + "\nRUN exit 3\n");
        Result fail = docker("build", ctx.toString());
        assertEquals(3, fail.code(), "the failing step's code is the CLI's exit code: " + fail.all());
        ok("rmi", "wharfit/built:1");
    }

    @Test
    @Order(15)
    void oomKilled() throws Exception {
        Result r = docker("run", "--name", "oom", "-m", "16m", "--memory-swap", "16m", IMG, "sh", "-c",
                "x=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa; while true; do x=\"$x$x\"; done");
        assertEquals(137, r.code(), r.all());
        assertEquals("true", ok("inspect", "-f", "{{.State.OOMKilled}}", "oom").out().trim());
        ok("rm", "oom");
    }

    @Test
    @Order(16)
    void badInputs() throws Exception {
        String resp = rawRequest("POST /v1.47/containers/create HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 4\r\nConnection: close\r\n\r\n{bad");
        assertTrue(resp.startsWith("HTTP/1.1 400 "), resp);
        assertTrue(resp.contains("Content-Type: application/json\r\n"), resp);
        assertTrue(resp.contains("{\"message\":"), resp);
        Result nf = docker("inspect", "--type", "container", "nosuchcontainer");
        assertEquals(1, nf.code());
        assertTrue(nf.err().contains("No such container: nosuchcontainer"), nf.err());
        Result conflict = docker("run", "-d", "--name", "it1", IMG, "true");
        assertEquals(125, conflict.code());
        assertTrue(conflict.err().contains("is already in use"), conflict.err());
        Result running = docker("rm", "it1");
        assertTrue(running.err().contains("container is running"), running.err());
        Result badPort = docker("run", "--rm", "-p", "99999:80", IMG, "true");
        assertNotEquals(0, badPort.code());
        Result noImage = docker("create", "wharfit/nosuchimage:1");
        assertNotEquals(0, noImage.code());
        String tooNew = rawRequest("GET /v1.99/info HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        assertTrue(tooNew.startsWith("HTTP/1.1 400 ") && tooNew.contains("is too new"), tooNew);
    }

    @Test
    @Order(17)
    void engineRestartReadoptsRunningContainer() throws Exception {
        String pid = ok("inspect", "-f", "{{.State.Pid}}", "it1").out().trim();
        engine.close();
        engine = new Engine(config);
        engine.start();
        assertEquals("true", ok("inspect", "-f", "{{.State.Running}}", "it1").out().trim());
        assertEquals(pid, ok("inspect", "-f", "{{.State.Pid}}", "it1").out().trim());
        assertEquals("ok\n", ok("exec", "it1", "echo", "ok").out());
        ok("stop", "-t", "1", "it1");
        assertEquals("false", ok("inspect", "-f", "{{.State.Running}}", "it1").out().trim());
        assertFalse(Files.exists(Path.of("/proc/" + pid)), "the re-adopted process was stopped");
        ok("rm", "it1");
    }

    /** One request over the engine's unix socket; returns the raw response (the server closes: Connection: close). */
    static String rawRequest(String req) throws IOException {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            ch.write(ByteBuffer.wrap(req.getBytes(StandardCharsets.ISO_8859_1)));
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteBuffer buf = ByteBuffer.allocate(8192);
            while (ch.read(buf) > 0) {
                out.write(buf.array(), 0, buf.position());
                buf.clear();
            }
            return out.toString(StandardCharsets.UTF_8);
        }
    }
}
