package io.wharf.engine.distribution;

import io.wharf.engine.Engine;
import io.wharf.engine.EngineConfig;
import io.wharf.registry.RegistryConfig;
import io.wharf.registry.RegistryServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The tutorial's registry steps with the real docker CLI against Wharf's engine: {@code docker tag} + {@code docker
 * push} to Wharf's registry, {@code docker rmi}, {@code docker pull} back (same image ID), {@code curl /v2/_catalog}
 * and tags/list; then the same round trip through Debian's {@code docker-registry} (distribution 2.8), and
 * {@code docker login} against it with htpasswd. Runs with {@code -Pe2e}; skips when the binaries are absent.
 */
class DistributionCliIT {
    static final String DOCKER = "/usr/local/bin/docker";
    static final String DOCKER_REGISTRY = "/usr/bin/docker-registry";
    static final String BRIDGE = "whdistit0";
    static final String SUBNET = "10.234.78.0/24";

    static Path tmp;
    static RegistryServer registry;
    static Engine engine;
    static Path socket;
    static boolean routeAdded;

    @BeforeAll
    static void start() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of(DOCKER)), "docker CLI not installed at " + DOCKER);
        tmp = Files.createTempDirectory("wharf-dist-it");
        // the engine's default bridge gets a private subnet: never let it leak to a real network
        if (run(List.of("ip", "route", "show", SUBNET)).isBlank()) {
            routeAdded = run(List.of("ip", "route", "add", "unreachable", SUBNET, "metric", "4000")) != null;
        }
        registry = new RegistryServer(RegistryConfig.defaults().withRoot(tmp.resolve("registry")).withListen("127.0.0.1", 0));
        registry.start();
        socket = tmp.resolve("run/docker.sock");
        engine = new Engine(new EngineConfig(tmp.resolve("root"), tmp.resolve("run"), socket, null, BRIDGE, SUBNET, "crun"));
        engine.start();
        Path rootfs = tmp.resolve("rootfs.tar");
        Files.write(rootfs, DistributionTest.busyboxRootfs());
        Result imp = docker("import", "-c", "CMD [\"sh\"]", rootfs.toString(), "busybox:v1");
        assertEquals(0, imp.code, imp.toString());
    }

    @AfterAll
    static void stop() throws Exception {
        if (engine != null) engine.close();
        if (registry != null) registry.close();
        // what the engine's default network left on the host: the bridge and its iptables rules (only ours, by name)
        run(List.of("ip", "link", "del", BRIDGE));
        for (String table : List.of("filter", "nat")) {
            String rules = run(List.of("iptables", "-t", table, "-S"));
            if (rules == null) continue;
            for (String line : rules.split("\n")) {
                if (line.startsWith("-A ") && line.contains(BRIDGE)) {
                    List<String> del = new ArrayList<>(List.of("iptables", "-t", table, "-D"));
                    del.addAll(List.of(line.substring(3).trim().split("\\s+")));
                    run(del);
                }
            }
        }
        if (routeAdded) run(List.of("ip", "route", "del", "unreachable", SUBNET, "metric", "4000"));
        if (tmp != null) {
            try (Stream<Path> s = Files.walk(tmp)) {
                for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
            } catch (IOException ignored) {
                // overlay leftovers are the image module's to clean; the temp dir is unique
            }
        }
    }

    record Result(int code, String out) {
        @Override
        public String toString() {
            return "exit " + code + ":\n" + out;
        }
    }

    static Result docker(String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(DOCKER);
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("DOCKER_HOST", "unix://" + socket);
        pb.environment().put("DOCKER_CONFIG", tmp.resolve("docker-config").toString());
        Process p = pb.start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(180, TimeUnit.SECONDS), "docker " + String.join(" ", args) + " timed out");
        return new Result(p.exitValue(), out);
    }

    static Result dockerIn(String stdin, String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(DOCKER);
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("DOCKER_HOST", "unix://" + socket);
        pb.environment().put("DOCKER_CONFIG", tmp.resolve("docker-config").toString());
        Process p = pb.start();
        p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        return new Result(p.exitValue(), out);
    }

    /** Runs a host command; its output, or null when it failed. */
    static String run(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return p.waitFor() == 0 ? out : null;
    }

    static String imageId(String ref) throws Exception {
        Result r = docker("image", "inspect", "-f", "{{.Id}}", ref);
        assertEquals(0, r.code, r.toString());
        return r.out.trim();
    }

    /** tag, push, rmi, pull back: the image ID survives the round trip through {@code host}. */
    static void roundTrip(String host, String repo) throws Exception {
        String target = host + "/" + repo + ":v1";
        String id = imageId("busybox:v1");
        assertEquals(0, docker("tag", "busybox:v1", target).code);
        Result push = docker("push", target);
        assertEquals(0, push.code, push.toString());
        assertTrue(push.out.contains("The push refers to repository [" + host + "/" + repo + "]"), push.out);
        assertTrue(push.out.contains(": Pushed") || push.out.contains(": Layer already exists") || push.out.contains(": Mounted from"), push.out);
        assertTrue(push.out.matches("(?s).*v1: digest: sha256:[0-9a-f]{64} size: \\d+.*"), push.out);

        // remove every name of the image, so that it is really deleted and the pull downloads its layer
        Result rmi = docker("rmi", target, "busybox:v1");
        assertEquals(0, rmi.code, rmi.toString());
        assertTrue(rmi.out.contains("Deleted: " + id), rmi.out);
        assertEquals(1, docker("image", "inspect", target).code, "gone locally");

        Result pull = docker("pull", target);
        assertEquals(0, pull.code, pull.toString());
        assertTrue(pull.out.contains("v1: Pulling from " + repo), pull.out);
        assertTrue(pull.out.contains(": Pull complete"), "the layer was downloaded and unpacked: " + pull.out);
        assertTrue(pull.out.contains("Status: Downloaded newer image for " + target), pull.out);
        assertTrue(pull.out.trim().endsWith(target), "the CLI prints the reference last: " + pull.out);
        assertEquals(id, imageId(target), "same image ID after push, rmi and pull");

        Result again = docker("pull", target);
        assertEquals(0, again.code, again.toString());
        assertTrue(again.out.contains("Status: Image is up to date for " + target), again.out);
        assertEquals(0, docker("tag", target, "busybox:v1").code);
        assertEquals(0, docker("rmi", target).code);
    }

    static String curl(String url) throws Exception {
        String out = run(List.of("curl", "-sS", url));
        assertNotNull(out, "curl " + url);
        return out.trim();
    }

    @Test
    void pushToWharfsRegistryAndPullBack() throws Exception {
        String host = "127.0.0.1:" + registry.port();
        roundTrip(host, "busybox");
        assertEquals("{\"repositories\":[\"busybox\"]}", curl("http://" + host + "/v2/_catalog"));
        assertEquals("{\"name\":\"busybox\",\"tags\":[\"v1\"]}", curl("http://" + host + "/v2/busybox/tags/list"));

        // errors as the CLI prints them, with a non-zero exit
        Result missing = docker("pull", host + "/busybox:nope");
        assertEquals(1, missing.code);
        assertTrue(missing.out.contains("Error response from daemon: manifest for " + host + "/busybox:nope not found: manifest unknown"), missing.out);
        Result noLocal = docker("push", host + "/nothing:v1");
        assertEquals(1, noLocal.code);
        assertTrue(noLocal.out.contains("An image does not exist locally with the tag: " + host + "/nothing"), noLocal.out);
        Result login = dockerIn("pw\n", "login", host, "-u", "someone", "--password-stdin");
        assertEquals(0, login.code, login.toString());
        assertTrue(login.out.contains("Login Succeeded"), login.out);
        assertEquals(0, docker("logout", host).code);
    }

    @Test
    void pushToDebiansDockerRegistryAndPullBack() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of(DOCKER_REGISTRY)), "docker-registry not installed");
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Path dir = Files.createDirectories(tmp.resolve("docker-registry"));
        Path cfg = dir.resolve("config.yml");
        Files.writeString(cfg, """
                version: 0.1
                log:
                  level: warn
                storage:
                  filesystem:
                    rootdirectory: %s
                http:
                  addr: 127.0.0.1:%d
                """.formatted(dir.resolve("data"), port));
        Process reg = new ProcessBuilder(DOCKER_REGISTRY, "serve", cfg.toString()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("log").toFile()).start();
        try {
            waitForPort(port);
            String host = "127.0.0.1:" + port;
            roundTrip(host, "library/busybox");
            assertTrue(curl("http://" + host + "/v2/_catalog").contains("\"library/busybox\""));
            assertEquals("{\"name\":\"library/busybox\",\"tags\":[\"v1\"]}", curl("http://" + host + "/v2/library/busybox/tags/list"));
        } finally {
            reg.destroy();
            if (!reg.waitFor(10, TimeUnit.SECONDS)) reg.destroyForcibly();
        }
    }

    /**
     * The tutorial's story: a registry on the host's own (non-loopback) address is refused over plain HTTP with
     * docker's message, until daemon.json lists it in insecure-registries and the engine restarts.
     */
    @Test
    void insecureRegistriesFromDaemonJson() throws Exception {
        String addr = "10.234.80.1";
        boolean route = run(List.of("ip", "route", "show", "10.234.80.0/24")).isBlank()
                && run(List.of("ip", "route", "add", "unreachable", "10.234.80.0/24", "metric", "4000")) != null;
        assertNotNull(run(List.of("ip", "addr", "add", addr + "/32", "dev", "lo")), "cannot add " + addr + " to lo");
        RegistryServer onHostIp = null;
        try {
            onHostIp = new RegistryServer(RegistryConfig.defaults().withRoot(tmp.resolve("registry-hostip")).withListen(addr, 0));
            onHostIp.start();
            String host = addr + ":" + onHostIp.port();
            assertEquals(0, docker("tag", "busybox:v1", host + "/nginx:alpine").code);
            Result refused = docker("push", host + "/nginx:alpine");
            assertEquals(1, refused.code, refused.toString());
            assertTrue(refused.out.contains("Get \"https://" + host + "/v2/\": http: server gave HTTP response to HTTPS client"), refused.out);

            Path daemonJson = tmp.resolve("daemon.json");
            Files.writeString(daemonJson, "{\"insecure-registries\": [\"" + host + "\"]}");
            engine.close();
            System.setProperty("wharf.daemon-json", daemonJson.toString());
            try {
                engine = new Engine(new EngineConfig(tmp.resolve("root"), tmp.resolve("run"), socket, null, BRIDGE, SUBNET, "crun"));
                engine.start();
            } finally {
                System.clearProperty("wharf.daemon-json");
            }
            Result ok = docker("push", host + "/nginx:alpine");
            assertEquals(0, ok.code, ok.toString());
            assertEquals("{\"repositories\":[\"nginx\"]}", curl("http://" + host + "/v2/_catalog"));
            assertEquals("{\"name\":\"nginx\",\"tags\":[\"alpine\"]}", curl("http://" + host + "/v2/nginx/tags/list"));
            assertEquals(0, docker("rmi", host + "/nginx:alpine").code);
        } finally {
            if (onHostIp != null) onHostIp.close();
            run(List.of("ip", "addr", "del", addr + "/32", "dev", "lo"));
            if (route) run(List.of("ip", "route", "del", "unreachable", "10.234.80.0/24", "metric", "4000"));
        }
    }

    /** docker login checks the credentials against the registry (here Wharf's with htpasswd), push and pull use them. */
    @Test
    void loginAgainstAnHtpasswdRegistry() throws Exception {
        Path pw = tmp.resolve("htpasswd");
        byte[] salt = new byte[16];
        new java.security.SecureRandom().nextBytes(salt);
        Files.writeString(pw, "alice:" + org.bouncycastle.crypto.generators.OpenBSDBCrypt.generate("2y", "s3cret".toCharArray(), salt, 4) + "\n");
        RegistryServer auth = new RegistryServer(RegistryConfig.defaults().withRoot(tmp.resolve("registry-auth")).withListen("127.0.0.1", 0).withHtpasswd(pw));
        auth.start();
        try {
            String host = "127.0.0.1:" + auth.port();
            Result wrong = dockerIn("nope\n", "login", host, "-u", "alice", "--password-stdin");
            assertEquals(1, wrong.code, wrong.toString());
            assertTrue(wrong.out.contains("Error response from daemon: login attempt to http://" + host + "/v2/ failed with status: 401 Unauthorized"), wrong.out);
            assertEquals(0, docker("tag", "busybox:v1", host + "/private:v1").code);
            Result anonymous = docker("push", host + "/private:v1");
            assertEquals(1, anonymous.code, anonymous.toString());
            assertTrue(anonymous.out.contains("unauthorized: "), anonymous.out);

            Result ok = dockerIn("s3cret\n", "login", host, "-u", "alice", "--password-stdin");
            assertEquals(0, ok.code, ok.toString());
            assertTrue(ok.out.contains("Login Succeeded"), ok.out);
            Result push = docker("push", host + "/private:v1");
            assertEquals(0, push.code, push.toString());
            assertEquals(0, docker("rmi", host + "/private:v1").code);
            Result pull = docker("pull", host + "/private:v1");
            assertEquals(0, pull.code, pull.toString());

            assertEquals(0, docker("logout", host).code);
            assertEquals(0, docker("rmi", host + "/private:v1").code);
            Result denied = docker("pull", host + "/private:v1");
            assertEquals(1, denied.code, denied.toString());
            assertTrue(denied.out.contains("pull access denied for " + host + "/private, repository does not exist or may require 'docker login'"), denied.out);
        } finally {
            auth.close();
        }
    }

    static void waitForPort(int port) throws InterruptedException {
        for (int i = 0; i < 100; i++) {
            try (Socket s = new Socket("127.0.0.1", port)) {
                return;
            } catch (IOException e) {
                Thread.sleep(100);
            }
        }
        fail("docker-registry did not listen on " + port);
    }
}
