package io.wharf.build;

import io.wharf.image.Image;
import io.wharf.image.ImageService;
import io.wharf.image.ImportOptions;
import io.wharf.image.Snapshotter;
import io.wharf.oci.Digest;
import io.wharf.oci.ImageConfig;
import io.wharf.runtime.ConmonRuntime;
import io.wharf.runtime.HostSetup;
import io.wharf.runtime.RuntimeConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Builds for real as root: crun + conmon containers for RUN, overlay snapshots, a busybox base image imported from
 * /bin/busybox. RUN steps get loopback only (no network manager), so nothing outside the test's temp dir is touched
 * except a uniquely named cgroup parent, removed at the end.
 */
class BuilderTest {
    static Path base;
    static ImageService images;
    static ConmonRuntime runtime;
    static Builder builder;
    static String cgroupParent;

    @BeforeAll
    static void setUp() throws Exception {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "needs root (overlay mounts, crun)");
        HostSetup.prepare();
        base = Files.createTempDirectory(Path.of("/tmp"), "wbld");
        images = new ImageService(base.resolve("root"));
        cgroupParent = "/wharf-build-test-" + UUID.randomUUID().toString().substring(0, 8);
        runtime = new ConmonRuntime(RuntimeConfig.of("crun", base.resolve("run"), base.resolve("containers"), cgroupParent));
        builder = new Builder(images, runtime, null, base.resolve("build"));
        images.importImage(new ByteArrayInputStream(Tars.busyboxRootfs()),
                new ImportOptions("busybox:latest", List.of("CMD [\"sh\"]"), null, null));
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (base == null) return;
        if (runtime != null) runtime.close();
        // anything still mounted below base (there should be nothing; the failure test checks that)
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

    record Result(Digest id, List<BuildMessage> messages) {
        String text() {
            StringBuilder b = new StringBuilder();
            for (BuildMessage m : messages) if (m instanceof BuildMessage.Stream s) b.append(s.text());
            return b.toString();
        }
    }

    static Result build(byte[] ctx, Consumer<BuildRequest[]> tweak, String... tags) {
        List<BuildMessage> msgs = new ArrayList<>();
        BuildRequest[] req = {BuildRequest.of(new ByteArrayInputStream(ctx), tags)};
        tweak.accept(req);
        Digest id = builder.buildStreaming(req[0], msgs::add);
        return new Result(id, msgs);
    }

    static Result build(byte[] ctx, String... tags) {
        return build(ctx, r -> {}, tags);
    }

    /** Reads a file from an image through a temporary snapshot mount (null when absent). */
    static String readFile(Digest image, String path) throws IOException {
        return readFileWith(images, base, image, path);
    }

    static String readFileWith(ImageService images, Path base, Digest image, String path) throws IOException {
        String key = "t-" + UUID.randomUUID().toString().substring(0, 8);
        Path mnt = base.resolve("check-" + key);
        images.prepare(key, image);
        try {
            images.mount(key, mnt);
            Path p = io.wharf.image.Archive.resolveInRoot(mnt, path, true);
            if (!Files.exists(p)) return null;
            byte[] b = Files.readAllBytes(p);
            return new String(b, java.nio.charset.StandardCharsets.ISO_8859_1);
        } finally {
            images.unmount(mnt);
            Files.deleteIfExists(mnt);
            images.remove(key);
        }
    }

    static final String MULTI = """
            FROM busybox AS builder
            ARG GREETING=hello
            RUN mkdir -p /out && echo "$GREETING from builder" > /out/msg && touch /builder-only
            FROM busybox
            LABEL org.example.k="v w" other=x
            MAINTAINER Wharf Test <t@example.com>
            ENV APP_HOME=/srv/app PATH=/usr/local/bin:/bin
            WORKDIR $APP_HOME
            COPY --from=builder /out/msg ./msg
            COPY files/ ./files/
            COPY *.txt /txt/
            RUN echo "$APP_HOME" > envseen && pwd > pwdseen && echo "[$GREETING]" > argseen
            USER 1000:1000
            EXPOSE 8080 53/udp
            STOPSIGNAL SIGQUIT
            HEALTHCHECK --interval=5s CMD test -f msg
            VOLUME /data
            ENTRYPOINT ["cat"]
            CMD ["msg"]
            """;

    static byte[] context(String dockerfile, String fileContent) throws IOException {
        return new Tars().file("Dockerfile", dockerfile).dir("files", 0755).file("files/x", fileContent)
                .file("a.txt", "A").file("b.txt", "B").file("c.md", "C")
                .file(".dockerignore", "secret*\n").file("secret.txt", "s3cret").build();
    }

    @Test
    void multiStageConfigCacheAndPartialRebuild() throws Exception {
        Result r = build(context(MULTI, "one"), "app:1");
        assertNotNull(r.id(), r.text() + r.messages());
        String out = r.text();
        assertTrue(out.startsWith("Step 1/19 : FROM busybox AS builder\n ---> "), out);
        assertTrue(out.contains("Step 3/19 : RUN mkdir -p /out"), out);
        assertTrue(out.contains(" ---> Running in "), out);
        assertTrue(out.contains("Removing intermediate container "), out);
        assertTrue(out.endsWith("Successfully built " + r.id().shortHex() + "\nSuccessfully tagged app:1\n"), out);
        assertTrue(r.messages().contains(new BuildMessage.Aux(r.id().toString())));
        assertEquals(r.id(), images.get("app:1").id());

        Image img = images.get(r.id());
        ImageConfig.ContainerConfig c = img.config().configOrEmpty();
        assertTrue(c.env().contains("APP_HOME=/srv/app"), c.env().toString());
        assertTrue(c.env().contains("PATH=/usr/local/bin:/bin"), c.env().toString());
        assertEquals("/srv/app", c.workingDir());
        assertEquals("1000:1000", c.user());
        assertEquals(Map.of("8080/tcp", Map.of(), "53/udp", Map.of()), c.exposedPorts());
        assertEquals("v w", c.labels().get("org.example.k"));
        assertEquals("x", c.labels().get("other"));
        assertEquals(List.of("cat"), c.entrypoint());
        assertEquals(List.of("msg"), c.cmd());
        assertEquals("SIGQUIT", c.stopSignal());
        assertEquals(List.of("CMD-SHELL", "test -f msg"), c.healthcheck().test());
        assertEquals(5_000_000_000L, c.healthcheck().interval());
        assertEquals(Map.of("/data", Map.of()), c.volumes());
        assertEquals("Wharf Test <t@example.com>", img.config().author());

        // filesystem: the builder's output came over, the builder's other files did not
        assertEquals("hello from builder\n", readFile(r.id(), "/srv/app/msg"));
        assertNull(readFile(r.id(), "/builder-only"));
        assertNull(readFile(r.id(), "/out/msg"));
        assertEquals("one", readFile(r.id(), "/srv/app/files/x"));
        assertEquals("A", readFile(r.id(), "/txt/a.txt"));
        assertNull(readFile(r.id(), "/txt/c.md"));
        assertEquals("/srv/app\n", readFile(r.id(), "/srv/app/envseen"));
        assertEquals("/srv/app\n", readFile(r.id(), "/srv/app/pwdseen"));
        assertEquals("[]\n", readFile(r.id(), "/srv/app/argseen"), "an ARG of another stage is not visible");
        // RUN's mount points (/etc/hosts, /proc…) did not leak into its layer
        List<ImageConfig.History> h = img.config().history();
        ImageConfig.History last = h.getLast();
        assertEquals("/bin/sh -c #(nop)  CMD [\"msg\"]", last.createdBy());
        assertTrue(last.isEmptyLayer());
        assertTrue(h.stream().anyMatch(x -> java.util.Objects.equals(x.createdBy(), "/bin/sh -c #(nop)  ENTRYPOINT [\"cat\"]")), h.toString());
        assertTrue(h.stream().anyMatch(x -> java.util.Objects.equals(x.createdBy(), "/bin/sh -c #(nop) WORKDIR /srv/app")), h.toString());
        assertTrue(h.stream().anyMatch(x -> java.util.Objects.equals(x.createdBy(), "/bin/sh -c echo \"$APP_HOME\" > envseen && pwd > pwdseen && echo \"[$GREETING]\" > argseen")
                && !x.isEmptyLayer()), h.toString());
        assertTrue(h.stream().anyMatch(x -> String.valueOf(x.createdBy()).matches("/bin/sh -c #\\(nop\\) COPY dir:[0-9a-f]{64} in /srv/app/files/ ")), h.toString());
        assertEquals(1 + 5, img.config().diffIds().size(), "busybox + WORKDIR + 3 COPY + RUN: " + h);
        int nonEmpty = (int) h.stream().filter(x -> !x.isEmptyLayer()).count();
        assertEquals(img.config().diffIds().size(), nonEmpty);

        // 2nd build, nothing changed: every step from cache, same ID, no container run
        Result again = build(context(MULTI, "one"), "app:1");
        assertEquals(r.id(), again.id(), again.text());
        assertFalse(again.text().contains("Running in"), again.text());
        assertEquals(17, again.text().split(" ---> Using cache\n", -1).length - 1, again.text());

        // a changed COPY'd file: the steps before it are cached, it and the rest run again
        Result changed = build(context(MULTI, "two"), "app:2");
        assertNotEquals(r.id(), changed.id());
        String co = changed.text();
        int copyStep = co.indexOf("Step 10/19 : COPY files/ ./files/");
        assertTrue(copyStep > 0, co);
        assertTrue(co.substring(0, copyStep).contains("Using cache"));
        assertFalse(co.substring(copyStep).contains("Using cache"), co);
        assertTrue(co.substring(copyStep).contains("Running in"), co);
        assertEquals("two", readFile(changed.id(), "/srv/app/files/x"));
        assertEquals(r.id(), images.get("app:1").id(), "the old tag stays");

        // --no-cache runs everything again
        Result nc = build(context(MULTI, "one"), req -> req[0] = req[0].withNoCache(true));
        assertFalse(nc.text().contains("Using cache"));
        assertNotEquals(r.id(), nc.id());

        // --target stops at the named stage; build args reach ARG and RUN
        Result t = build(context(MULTI, "one"), req -> req[0] = req[0].withTarget("builder").withBuildArgs(Map.of("GREETING", "hi")));
        assertTrue(t.text().contains("Step 3/3 : RUN"), t.text());
        assertEquals("hi from builder\n", readFile(t.id(), "/out/msg"));
        assertTrue(images.get(t.id()).config().history().getLast().createdBy().startsWith("|1 GREETING=hi /bin/sh -c mkdir"));
    }

    @Test
    void metaArgsAndEnvExpansion() throws Exception {
        byte[] ctx = new Tars().file("Dockerfile", """
                ARG BASE=nosuch
                FROM ${BASE}
                ARG BASE
                ENV A=1
                ENV A=2 B=$A C=${UNSET:-dflt} D="$BASE"
                RUN echo "$A $B $C $D" > /out
                """).build();
        Result r = build(ctx, req -> req[0] = req[0].withBuildArgs(Map.of("BASE", "busybox", "UNUSED", "x")));
        assertNotNull(r.id(), r.text() + r.messages());
        assertEquals("2 1 dflt busybox\n", readFile(r.id(), "/out"));
        assertTrue(r.text().contains("[Warning] One or more build-args [UNUSED] were not consumed\n"), r.text());
    }

    /** Prints figures for the 3-step Dockerfile (not a gate: tests never fail on wall-clock time). */
    @Test
    void speedFigures() throws Exception {
        byte[] ctx = new Tars().file("Dockerfile", "FROM busybox\nCOPY f /f\nRUN echo hi\n").file("f", "x").build();
        build(ctx, req -> req[0] = req[0].withNoCache(true)); // warm-up
        long best = Long.MAX_VALUE, bestCached = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            long t0 = System.nanoTime();
            assertNotNull(build(ctx, req -> req[0] = req[0].withNoCache(true)).id());
            best = Math.min(best, System.nanoTime() - t0);
            t0 = System.nanoTime();
            assertNotNull(build(ctx).id());
            bestCached = Math.min(bestCached, System.nanoTime() - t0);
        }
        System.out.printf("build speed: uncached %.0f ms, cached %.1f ms%n", best / 1e6, bestCached / 1e6);
    }

    @Test
    void quietStreamsOnlyTheId() throws Exception {
        Result r = build(new Tars().file("Dockerfile", "FROM busybox\nENV Q=1\n").build(), req -> req[0] = req[0].withQuiet(true));
        assertEquals(List.of(new BuildMessage.Aux(r.id().toString()), new BuildMessage.Stream(r.id() + "\n")), r.messages());
    }

    @Test
    void identicalCopyInputGivesIdenticalLayer() throws Exception {
        byte[] ctx = new Tars().file("Dockerfile", "FROM busybox\nCOPY f /dir/f\n").file("f", "same").build();
        Digest a = build(ctx, req -> req[0] = req[0].withNoCache(true)).id();
        Digest b = build(ctx, req -> req[0] = req[0].withNoCache(true)).id();
        assertEquals(images.get(a).diffIds(), images.get(b).diffIds());
        // with SOURCE_DATE_EPOCH the whole image is reproducible, RUN layers included
        byte[] ctx2 = new Tars().file("Dockerfile", "FROM busybox\nARG SOURCE_DATE_EPOCH\nRUN echo x > /y\nCOPY f /dir/f\n").file("f", "same").build();
        Consumer<BuildRequest[]> sde = req -> req[0] = req[0].withNoCache(true).withBuildArgs(Map.of("SOURCE_DATE_EPOCH", "1700000000"));
        Digest c = build(ctx2, sde).id();
        Digest d = build(ctx2, sde).id();
        assertNotNull(c);
        assertEquals(c, d);
    }

    @Test
    void failingRunLeavesNothingBehind() throws Exception {
        Result r = build(new Tars().file("Dockerfile", "FROM busybox\nRUN echo before-failing && false\n").build(), "bad:1");
        assertNull(r.id());
        assertTrue(r.text().contains("before-failing\n"), r.text());
        assertEquals(new BuildMessage.Error(1, "The command '/bin/sh -c echo before-failing && false' returned a non-zero code: 1"), r.messages().getLast());
        assertTrue(images.find("bad:1").isEmpty());
        Result nf = build(new Tars().file("Dockerfile", "FROM busybox\nRUN nosuchcommand\n").build());
        assertEquals(127, ((BuildMessage.Error) nf.messages().getLast()).code());
        String exec = ((BuildMessage.Error) build(new Tars().file("Dockerfile", "FROM busybox\nRUN [\"false\"]\n").build()).messages().getLast()).message();
        assertEquals("The command 'false' returned a non-zero code: 1", exec);

        try (Stream<Path> s = Files.list(base.resolve("root/snapshots/meta/active"))) {
            assertEquals(List.of(), s.toList(), "no snapshot left");
        }
        // a crash mid-build leaves a snapshot: the next Builder over the same dirs removes it
        images.prepare(Builder.PREFIX + "leftover", null);
        new Builder(images, runtime, null, base.resolve("build"));
        assertFalse(images.snapshotter().exists(Builder.PREFIX + "leftover"));
        assertEquals(List.of(), runtime.list(), "no container left");
        try (Stream<Path> s = Files.list(base.resolve("build/tmp"))) {
            assertEquals(List.of(), s.toList(), "no context or mount dir left");
        }
        try (Stream<Path> s = Files.list(base.resolve("build/containers"))) {
            assertEquals(List.of(), s.toList());
        }
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            assertFalse(line.split(" ")[4].startsWith(base.resolve("build").toString()), line);
        }
    }

    @Test
    void clientGoneStopsARunningStep() throws Exception {
        byte[] ctx = new Tars().file("Dockerfile", "FROM busybox\nRUN echo started && sleep 60\n").build();
        long t0 = System.nanoTime();
        Digest id = builder.buildStreaming(BuildRequest.of(new ByteArrayInputStream(ctx)), m -> {
            if (m instanceof BuildMessage.Stream s && s.text().equals("started\n")) throw new java.io.UncheckedIOException(new IOException("broken pipe"));
        });
        assertNull(id);
        assertTrue(System.nanoTime() - t0 < 20_000_000_000L, "the RUN was killed");
        assertEquals(List.of(), runtime.list(), "no container left");
    }

    @Test
    void badInputIsAClearError() throws Exception {
        assertEquals("dockerfile parse error line 3: unknown instruction: FOO", error(new Tars().file("Dockerfile", "FROM busybox\n\nFOO bar\n").build()));
        assertEquals("COPY failed: forbidden path outside the build context: ../x ()", error(new Tars().file("Dockerfile", "FROM busybox\nCOPY ../x /x\n").build()));
        assertEquals("COPY failed: file not found in build context or excluded by .dockerignore: stat missing.txt: file does not exist",
                error(new Tars().file("Dockerfile", "FROM busybox\nCOPY missing.txt /x\n").build()));
        assertEquals("COPY failed: file not found in build context or excluded by .dockerignore: stat secret.txt: file does not exist",
                error(context("FROM busybox\nCOPY secret.txt /x\n", "")));
        assertEquals("COPY failed: no source files were specified", error(new Tars().file("Dockerfile", "FROM busybox\nCOPY *.none /x/\n").build()));
        assertTrue(error(new Tars().file("Dockerfile", "FROM nosuchimage:1\n").build()).startsWith("pull access denied for nosuchimage, repository does not exist"));
        assertTrue(error(new Tars().file("Dockerfile", "FROM busybox\n").file("../evil", "x").build()).startsWith("failed to read the build context: invalid tar entry ../evil"));
        assertEquals("Cannot locate specified Dockerfile: Dockerfile", error(new Tars().file("x", "y").build()));
        // symlinks in the context never lead outside it: /etc here is the context's, which has no passwd
        assertEquals("COPY failed: file not found in build context or excluded by .dockerignore: stat link/passwd: file does not exist",
                error(new Tars().file("Dockerfile", "FROM busybox\nCOPY link/passwd /x\n").symlink("link", "/etc").build()));
        // a tar entry written through a symlink stays inside the context too
        String marker = "wharf-build-test-" + UUID.randomUUID();
        Result through = build(new Tars().file("Dockerfile", "FROM busybox\nCOPY t/" + marker + " /got\n").symlink("t", "/tmp")
                .file("t/" + marker, "inside").build());
        assertFalse(Files.exists(Path.of("/tmp", marker)), "nothing written to the host's /tmp");
        assertEquals("inside", readFile(through.id(), "/got"));
        assertEquals("the Dockerfile (Dockerfile) cannot be empty", error(new Tars().file("Dockerfile", "# nothing\n").build()));
        assertTrue(error(new Tars().file("Dockerfile", "FROM busybox\nADD http://example.com/x /x\n").build()).startsWith("ADD failed: downloading http://example.com/x is not supported"));
        assertEquals("failed to reach build target nope in Dockerfile", error(new Tars().file("Dockerfile", "FROM busybox\n").build(), "nope"));
    }

    static String error(byte[] ctx) {
        return error(ctx, null);
    }

    static String error(byte[] ctx, String target) {
        Result r = build(ctx, req -> req[0] = req[0].withTarget(target));
        assertNull(r.id());
        return ((BuildMessage.Error) r.messages().getLast()).message();
    }

    @Test
    void dockerignoreAddTarChownAndOnbuild() throws Exception {
        byte[] inner = new Tars().dir("pkg", 0755).file("pkg/inside", "from tar").build();
        byte[] ctx = new Tars().file("Dockerfile", """
                FROM busybox
                COPY . /ctx/
                ADD bundle.tar /opt/
                COPY --chown=app:app --chmod=600 a.txt /owned
                COPY --from=busybox /etc/group /from-image/
                RUN <<EOF
                echo from heredoc > /heredoc-run
                EOF
                COPY <<note /notes/
                inline file
                note
                ONBUILD RUN echo triggered > /trig
                """).file("a.txt", "A").file("secret.txt", "s").file(".dockerignore", "secret.txt\n")
                .file("bundle.tar", inner, 0644).file("suid", "x".getBytes(), 04755).build();
        Result r = build(ctx, "ob:1");
        assertNotNull(r.id(), r.text() + r.messages());
        assertEquals("A", readFile(r.id(), "/ctx/a.txt"));
        assertNull(readFile(r.id(), "/ctx/secret.txt"));
        assertEquals("from tar", readFile(r.id(), "/opt/pkg/inside"));
        assertEquals("root:x:0:\napp:x:1000:\n", readFile(r.id(), "/from-image/group"));
        assertEquals("from heredoc\n", readFile(r.id(), "/heredoc-run"));
        assertEquals("inline file\n", readFile(r.id(), "/notes/note"));
        assertEquals(List.of("RUN echo triggered > /trig"), images.get(r.id()).config().configOrEmpty().onBuild());
        // owner and mode of --chown/--chmod, read back through a mount
        String key = "own-" + UUID.randomUUID().toString().substring(0, 6);
        Path mnt = base.resolve("m-" + key);
        images.prepare(key, r.id());
        try {
            images.mount(key, mnt);
            assertEquals(1000, Files.getAttribute(mnt.resolve("owned"), "unix:uid"));
            assertEquals(04755, (Integer) Files.getAttribute(mnt.resolve("ctx/suid"), "unix:mode") & 07777, "setuid kept");
            assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(mnt.resolve("owned"))));
        } finally {
            images.unmount(mnt);
            Files.deleteIfExists(mnt);
            images.remove(key);
        }
        Result child = build(new Tars().file("Dockerfile", "FROM ob:1\nCMD [\"x\"]\n").build());
        assertTrue(child.text().contains("# Executing 1 build trigger\n"), child.text());
        assertEquals("triggered\n", readFile(child.id(), "/trig"));
        assertNull(images.get(child.id()).config().configOrEmpty().onBuild());
    }
}
