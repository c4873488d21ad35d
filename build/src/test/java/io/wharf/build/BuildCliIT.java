package io.wharf.build;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.wharf.image.ImageService;
import io.wharf.image.ImportOptions;
import io.wharf.image.Snapshotter;
import io.wharf.runtime.ConmonRuntime;
import io.wharf.runtime.HostSetup;
import io.wharf.runtime.RuntimeConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The real {@code docker} CLI (28, no buildx plugin: the legacy /build path, with DOCKER_BUILDKIT unset and =0)
 * against the builder behind a minimal Engine API stand-in (only /_ping and /build, on TCP loopback), so the
 * stream format, the quiet mode and the exit codes are checked with the client that renders them, independently of
 * the engine module. Run with {@code mvn -Pe2e -pl build verify}.
 */
class BuildCliIT {
    static Path base;
    static ImageService images;
    static ConmonRuntime runtime;
    static Builder builder;
    static HttpServer server;
    static String cgroupParent;
    static String host;

    @BeforeAll
    static void setUp() throws Exception {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "needs root");
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/local/bin/docker")), "docker CLI not installed at /usr/local/bin/docker");
        HostSetup.prepare();
        base = Files.createTempDirectory(Path.of("/tmp"), "wbldit");
        images = new ImageService(base.resolve("root"));
        cgroupParent = "/wharf-build-it-" + UUID.randomUUID().toString().substring(0, 8);
        runtime = new ConmonRuntime(RuntimeConfig.of("crun", base.resolve("run"), base.resolve("containers"), cgroupParent));
        builder = new Builder(images, runtime, null, base.resolve("build"));
        images.importImage(new ByteArrayInputStream(Tars.busyboxRootfs()), new ImportOptions("busybox:latest", List.of("CMD [\"sh\"]"), null, null));
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", BuildCliIT::handle);
        server.start();
        host = "tcp://127.0.0.1:" + server.getAddress().getPort();
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (base == null) return;
        if (server != null) server.stop(0);
        if (runtime != null) runtime.close();
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            String mp = line.split(" ")[4];
            if (mp.startsWith(base.toString())) Snapshotter.unmount(Path.of(mp));
        }
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

    static void handle(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getRawPath().replaceFirst("^/v1\\.\\d+", "");
        var h = ex.getResponseHeaders();
        h.set("Api-Version", "1.47");
        h.set("Ostype", "linux");
        h.set("Docker-Experimental", "false");
        h.set("Server", "Docker/28.2.2 (linux)");
        if (path.equals("/_ping")) {
            h.set("Content-Type", "text/plain; charset=utf-8");
            if (ex.getRequestMethod().equals("HEAD")) {
                ex.sendResponseHeaders(200, -1);
            } else {
                ex.sendResponseHeaders(200, 2);
                ex.getResponseBody().write("OK".getBytes());
            }
            ex.close();
            return;
        }
        if (path.equals("/build") && ex.getRequestMethod().equals("POST")) {
            Map<String, List<String>> q = new LinkedHashMap<>();
            String raw = ex.getRequestURI().getRawQuery();
            if (raw != null) {
                for (String part : raw.split("&")) {
                    int eq = part.indexOf('=');
                    String k = URLDecoder.decode(eq < 0 ? part : part.substring(0, eq), StandardCharsets.UTF_8);
                    String v = eq < 0 ? "" : URLDecoder.decode(part.substring(eq + 1), StandardCharsets.UTF_8);
                    q.computeIfAbsent(k, x -> new ArrayList<>()).add(v);
                }
            }
            BuildRequest req;
            try {
                req = BuildRequest.fromQuery(q, ex.getRequestBody());
                Builder.validate(req);
            } catch (RuntimeException e) {
                byte[] b = ("{\"message\":" + io.wharf.common.Json.string(e.getMessage()) + "}").getBytes(StandardCharsets.UTF_8);
                h.set("Content-Type", "application/json");
                ex.sendResponseHeaders(400, b.length);
                ex.getResponseBody().write(b);
                ex.close();
                return;
            }
            h.set("Content-Type", "application/json");
            ex.sendResponseHeaders(200, 0);
            OutputStream out = ex.getResponseBody();
            builder.buildStreaming(req, m -> {
                try {
                    out.write(m.toJson());
                    out.flush();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            ex.close();
            return;
        }
        byte[] b = "{\"message\":\"page not found\"}".getBytes();
        h.set("Content-Type", "application/json");
        ex.sendResponseHeaders(404, b.length);
        ex.getResponseBody().write(b);
        ex.close();
    }

    record Run(int code, String out, String err) {}

    static Run docker(Path dir, Map<String, String> env, String... args) throws Exception {
        return dockerIn(dir, env, null, args);
    }

    static Run dockerIn(Path dir, Map<String, String> env, Path stdin, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("/usr/local/bin/docker"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile());
        pb.environment().put("DOCKER_HOST", host);
        pb.environment().put("DOCKER_CONFIG", base.resolve("docker-config").toString());
        pb.environment().remove("DOCKER_BUILDKIT");
        pb.environment().putAll(env);
        Path outF = Files.createTempFile(base, "out", ".txt"), errF = Files.createTempFile(base, "err", ".txt");
        if (stdin != null) pb.redirectInput(stdin.toFile());
        Process p = pb.redirectOutput(outF.toFile()).redirectError(errF.toFile()).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "docker " + String.join(" ", args) + " timed out");
        return new Run(p.exitValue(), Files.readString(outF), Files.readString(errF));
    }

    static Path context(Map<String, String> files) throws IOException {
        Path d = Files.createTempDirectory(base, "ctx");
        for (var e : files.entrySet()) {
            Path f = d.resolve(e.getKey());
            Files.createDirectories(f.getParent());
            Files.writeString(f, e.getValue());
        }
        return d;
    }

    @Test
    void legacyBuildThroughTheRealCli() throws Exception {
        Path ctx = context(Map.of("Dockerfile", """
                FROM busybox AS b
                RUN echo built > /artifact
                FROM busybox
                COPY --from=b /artifact /artifact
                COPY . /ctx/
                RUN echo "hello from RUN" && cat /artifact
                CMD ["cat", "/artifact"]
                """, "keep.txt", "k", "ignored.txt", "i", ".dockerignore", "ignored.txt\n"));
        Run r = docker(ctx, Map.of(), "build", ".", "-t", "cli:1", "-f", "Dockerfile");
        System.out.println("--- docker build output:\n" + r.out() + "--- stderr:\n" + r.err());
        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(r.err().contains("DEPRECATED: The legacy builder is deprecated"), r.err());
        assertTrue(r.out().contains("Step 1/7 : FROM busybox AS b"), r.out());
        assertTrue(r.out().contains("hello from RUN\nbuilt\n"), r.out());
        assertTrue(r.out().contains("Successfully tagged cli:1"), r.out());
        var id = images.get("cli:1").id();
        assertTrue(r.out().contains("Successfully built " + id.shortHex()), r.out());

        // cached: same ID; DOCKER_BUILDKIT=0 takes the same path
        Run again = docker(ctx, Map.of("DOCKER_BUILDKIT", "0"), "build", "-t", "cli:1", ".");
        assertEquals(0, again.code(), again.out() + again.err());
        assertTrue(again.err().contains("BuildKit is currently disabled"), again.err());
        assertTrue(again.out().contains("Using cache"), again.out());
        assertEquals(id, images.get("cli:1").id());

        // -q: only the ID
        Run q = docker(ctx, Map.of(), "build", "-q", ".");
        assertEquals(0, q.code(), q.out() + q.err());
        assertEquals(id + "\n", q.out());

        // the Dockerfile on stdin: alone (docker build - < Dockerfile) and beside a context (-f -)
        Path lone = Files.writeString(base.resolve("lone.Dockerfile"), "FROM busybox\nENV FROM_STDIN=1\n");
        Run alone = dockerIn(ctx, Map.of(), lone, "build", "-q", "-");
        assertEquals(0, alone.code(), alone.out() + alone.err());
        assertTrue(alone.out().startsWith("sha256:"), alone.out());
        Path df = Files.writeString(base.resolve("stdin.Dockerfile"), "FROM busybox\nCOPY keep.txt* /\n");
        Run withCtx = dockerIn(ctx, Map.of(), df, "build", "-q", "-f", "-", ".");
        assertEquals(0, withCtx.code(), withCtx.out() + withCtx.err());
        // a context file the stdin Dockerfile could not COPY would fail: here keep.txt came along
        assertEquals("k", new String(images.content().read(images.get(withCtx.out().strip()).diffIds().getLast())).contains("keep.txt") ? "k" : "missing");

        // --compress: a gzipped context
        Run gz = docker(ctx, Map.of(), "build", "--compress", "-q", ".");
        assertEquals(id + "\n", gz.out(), gz.err());

        // flags: --target, --build-arg, --label, --iidfile, --network none, --no-cache
        Path iid = base.resolve("iid.txt");
        Run flags = docker(ctx, Map.of(), "build", "--target", "b", "--build-arg", "UNUSED=1", "--label", "built.by=wharf",
                "--iidfile", iid.toString(), "--network", "none", "--no-cache", "-t", "cli:target", ".");
        assertEquals(0, flags.code(), flags.out() + flags.err());
        var t = images.get("cli:target");
        assertEquals(t.id().toString(), Files.readString(iid).strip());
        assertEquals("wharf", t.config().configOrEmpty().labels().get("built.by"));
        assertTrue(flags.out().contains("Step 3/3 : LABEL built.by=wharf"), flags.out());
        assertTrue(flags.out().contains("[Warning] One or more build-args [UNUSED] were not consumed"), flags.out());

        // DOCKER_BUILDKIT=1 without buildx: the CLI refuses before sending anything
        Run bk = docker(ctx, Map.of("DOCKER_BUILDKIT", "1"), "build", ".");
        assertEquals(1, bk.code());
        assertTrue(bk.err().contains("BuildKit is enabled but the buildx component is missing or broken"), bk.err());
    }

    @Test
    void failuresGiveTheExitCodeAndMessage() throws Exception {
        Run f = docker(context(Map.of("Dockerfile", "FROM busybox\nRUN echo out-before && false\n")), Map.of(), "build", "-t", "bad:1", ".");
        assertEquals(1, f.code(), f.out() + f.err());
        assertTrue(f.out().contains("out-before"), f.out());
        assertTrue(f.err().contains("The command '/bin/sh -c echo out-before && false' returned a non-zero code: 1"), f.err());
        assertTrue(images.find("bad:1").isEmpty());
        Run nf = docker(context(Map.of("Dockerfile", "FROM busybox\nRUN notfound\n")), Map.of(), "build", ".");
        assertEquals(127, nf.code(), nf.out() + nf.err());
        Run parse = docker(context(Map.of("Dockerfile", "FROM busybox\nBOGUS x\n")), Map.of(), "build", ".");
        assertEquals(1, parse.code());
        assertTrue(parse.err().contains("dockerfile parse error line 2: unknown instruction: BOGUS"), parse.err());
        Run badTag = docker(context(Map.of("Dockerfile", "FROM busybox\n")), Map.of(), "build", "-t", "UPPER:case", ".");
        assertNotEquals(0, badTag.code());
    }
}
