package io.wharf.engine.distribution;

import io.wharf.common.ErrorKind;
import io.wharf.common.WharfException;
import io.wharf.image.ContainerUsage;
import io.wharf.image.Image;
import io.wharf.image.ImageService;
import io.wharf.image.ImportOptions;
import io.wharf.oci.Descriptor;
import io.wharf.oci.Digest;
import io.wharf.oci.Index;
import io.wharf.oci.Manifest;
import io.wharf.oci.MediaTypes;
import io.wharf.oci.Platform;
import io.wharf.oci.Reference;
import io.wharf.registry.RegistryConfig;
import io.wharf.registry.RegistryServer;
import io.wharf.registry.client.RegistryClient;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Pull and push against a real {@link RegistryServer} on 127.0.0.1:0, with a temp image store: round trips keep the
 * image ID, nothing is fetched twice, existing layers are not uploaded again, manifest lists resolve to amd64, and
 * errors read like dockerd's.
 */
class DistributionTest {
    @TempDir
    Path tmp;
    RegistryServer registry;
    ImageService images;
    Distribution dist;
    String host;

    @BeforeEach
    void start() throws Exception {
        registry = new RegistryServer(RegistryConfig.defaults().withRoot(tmp.resolve("registry")).withListen("127.0.0.1", 0));
        registry.start();
        host = "127.0.0.1:" + registry.port();
        images = new ImageService(tmp.resolve("engine"));
        dist = new Distribution(images, DaemonConfig.defaults(), tmp.resolve("engine/distribution"));
    }

    @AfterEach
    void stop() {
        if (registry != null) registry.close();
    }

    // ---------------------------------------------------------------- helpers

    /** A rootfs tar with /bin/busybox and /bin/sh → busybox, as `docker import` would take it. */
    static byte[] busyboxRootfs() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (TarArchiveOutputStream t = new TarArchiveOutputStream(b)) {
            t.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            TarArchiveEntry dir = new TarArchiveEntry("bin/");
            dir.setMode(040755);
            t.putArchiveEntry(dir);
            t.closeArchiveEntry();
            byte[] bb = Files.readAllBytes(Path.of("/bin/busybox"));
            TarArchiveEntry f = new TarArchiveEntry("bin/busybox");
            f.setMode(0100755);
            f.setSize(bb.length);
            t.putArchiveEntry(f);
            t.write(bb);
            t.closeArchiveEntry();
            TarArchiveEntry sh = new TarArchiveEntry("bin/sh", TarArchiveEntry.LF_SYMLINK);
            sh.setLinkName("busybox");
            t.putArchiveEntry(sh);
            t.closeArchiveEntry();
        }
        return b.toByteArray();
    }

    /** A one-file layer tar. */
    static byte[] layerTar(String name, String content) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (TarArchiveOutputStream t = new TarArchiveOutputStream(b)) {
            byte[] c = content.getBytes(StandardCharsets.UTF_8);
            TarArchiveEntry f = new TarArchiveEntry(name);
            f.setMode(0100644);
            f.setSize(c.length);
            t.putArchiveEntry(f);
            t.write(c);
            t.closeArchiveEntry();
        }
        return b.toByteArray();
    }

    static byte[] gzip(byte[] b) throws IOException {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(o)) {
            z.write(b);
        }
        return o.toByteArray();
    }

    /** Pushes an image made of {@code layers} (uncompressed tars) straight to the registry; returns its manifest. */
    RegistryClient.ManifestResponse pushRaw(RegistryClient c, Reference repo, String arch, List<byte[]> layers, String tagOrNull) throws Exception {
        List<Descriptor> descs = new ArrayList<>();
        List<String> diffIds = new ArrayList<>();
        for (byte[] l : layers) {
            byte[] gz = gzip(l);
            Descriptor d = Descriptor.of(MediaTypes.DOCKER_LAYER_GZIP, gz);
            c.pushBlob(repo, d, RegistryClient.BlobSource.of(gz), List.of(), RegistryClient.Progress.NONE);
            descs.add(d);
            diffIds.add("\"" + Digest.sha256(l) + "\"");
        }
        byte[] cfg = ("{\"architecture\":\"" + arch + "\",\"os\":\"linux\",\"config\":{\"Cmd\":[\"sh\"]},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":["
                + String.join(",", diffIds) + "]}}").getBytes(StandardCharsets.UTF_8);
        Descriptor cd = Descriptor.of(MediaTypes.DOCKER_CONFIG, cfg);
        c.pushBlob(repo, cd, RegistryClient.BlobSource.of(cfg), List.of(), RegistryClient.Progress.NONE);
        byte[] mb = Manifest.docker(cd, descs).toBytes();
        Digest md = Digest.sha256(mb);
        c.pushManifest(tagOrNull == null ? repo.withDigest(md) : repo.withTag(tagOrNull), MediaTypes.DOCKER_MANIFEST, mb);
        return new RegistryClient.ManifestResponse(md, MediaTypes.DOCKER_MANIFEST, mb);
    }

    RegistryClient client() {
        return new RegistryClient(RegistryClient.Options.defaults());
    }

    Digest importBusybox(String ref) throws IOException {
        return images.importImage(new ByteArrayInputStream(busyboxRootfs()), ImportOptions.tagged(ref));
    }

    static List<String> statuses(MessageSink.Recording r) {
        return r.lines();
    }

    // ---------------------------------------------------------------- tests

    @Test
    void pushThenPullBackKeepsTheImageIdAndSecondPullFetchesNothing() throws Exception {
        Reference ref = Reference.parse(host + "/busybox:v1");
        Digest id = importBusybox(ref.toString());
        String diff = images.get(id).diffIds().getFirst().shortHex();

        MessageSink.Recording push = new MessageSink.Recording();
        List<Distribution.PushResult> pushed = dist.push(ref.repository(), "v1", AuthConfig.EMPTY, push);
        assertEquals(1, pushed.size());
        Distribution.PushResult pr = pushed.getFirst();
        assertEquals(List.of("The push refers to repository [" + host + "/busybox]", diff + ": Preparing", diff + ": Pushed",
                "v1: digest: " + pr.digest() + " size: " + pr.size()), statuses(push));
        JsonMessage aux = push.messages().getLast();
        assertEquals(Map.of("Tag", "v1", "Digest", pr.digest().toString(), "Size", pr.size()), aux.aux());
        assertEquals("{\"progressDetail\":{},\"aux\":{\"Tag\":\"v1\",\"Digest\":\"" + pr.digest() + "\",\"Size\":" + pr.size() + "}}\r\n",
                new String(aux.toBytes(), StandardCharsets.UTF_8));
        assertTrue(images.get(id).repoDigests().contains(host + "/busybox@" + pr.digest()), images.get(id).repoDigests().toString());
        // what the registry holds is a Docker v2 schema 2 manifest with gzip layers
        try (RegistryClient c = client()) {
            RegistryClient.ManifestResponse m = c.getManifest(ref);
            assertEquals(MediaTypes.DOCKER_MANIFEST, m.mediaType());
            assertEquals(pr.digest(), m.digest());
            assertEquals(MediaTypes.DOCKER_LAYER_GZIP, Manifest.parse(m.bytes()).layers().getFirst().mediaType());
            assertEquals(List.of("busybox"), c.catalog(host));
            assertEquals(List.of("v1"), c.tags(ref.repository()));
        }

        images.delete(ref.toString(), false, true, ContainerUsage.NONE);
        assertTrue(images.find(ref.toString()).isEmpty());
        assertTrue(images.find(id.toString()).isEmpty());

        MessageSink.Recording pull = new MessageSink.Recording();
        List<Distribution.PullResult> res = dist.pull(ref, null, AuthConfig.EMPTY, pull);
        assertEquals(id, res.getFirst().imageId(), "same image ID after the round trip");
        assertTrue(res.getFirst().updated());
        String layer = Manifest.parse(images.content().read(pr.digest())).layers().getFirst().digest().shortHex();
        List<String> lines = statuses(pull);
        assertEquals("v1: Pulling from busybox", lines.getFirst());
        assertTrue(lines.contains(layer + ": Pulling fs layer"), lines.toString());
        assertTrue(lines.indexOf(layer + ": Verifying Checksum") < lines.indexOf(layer + ": Download complete"), lines.toString());
        assertTrue(lines.indexOf(layer + ": Download complete") < lines.indexOf(layer + ": Pull complete"), lines.toString());
        assertEquals(List.of("Digest: " + pr.digest(), "Status: Downloaded newer image for " + host + "/busybox:v1"),
                lines.subList(lines.size() - 2, lines.size()));
        assertTrue(pull.messages().stream().anyMatch(m -> "Downloading".equals(m.status()) && m.progress().total() > 0),
                "download progress carries progressDetail");
        Image back = images.get(ref.toString());
        assertEquals(List.of(host + "/busybox:v1"), back.repoTags());
        assertEquals(List.of(host + "/busybox@" + pr.digest()), back.repoDigests());
        assertTrue(images.snapshotter().layer(io.wharf.image.Snapshotter.chainIds(back.diffIds()).getLast()).isPresent(), "layer unpacked");

        MessageSink.Recording again = new MessageSink.Recording();
        Distribution.PullResult second = dist.pull(ref, null, AuthConfig.EMPTY, again).getFirst();
        assertFalse(second.updated());
        assertEquals(List.of("v1: Pulling from busybox", "Digest: " + pr.digest(), "Status: Image is up to date for " + host + "/busybox:v1"),
                statuses(again), "nothing is fetched for an image that is already here");

        // pushing the pulled image again: the registry has every blob
        MessageSink.Recording repush = new MessageSink.Recording();
        Distribution.PushResult pr2 = dist.push(ref.repository(), "v1", AuthConfig.EMPTY, repush).getFirst();
        assertEquals(pr.digest(), pr2.digest(), "the pulled compressed layer is reused, so the manifest is identical");
        assertTrue(statuses(repush).contains(diff + ": Layer already exists"), statuses(repush).toString());

        // to another repository of the same registry: a cross-repository mount
        images.tag(ref.toString(), host + "/other:v2");
        MessageSink.Recording mount = new MessageSink.Recording();
        dist.push(Reference.parse(host + "/other"), "v2", AuthConfig.EMPTY, mount);
        assertTrue(statuses(mount).contains(diff + ": Mounted from busybox"), statuses(mount).toString());
    }

    @Test
    void pullOfAManifestListPicksAmd64AndSkipsLayersAlreadyThere() throws Exception {
        Reference repo = Reference.parse(host + "/multi");
        byte[] base = layerTar("base.txt", "base layer");
        byte[] amd = layerTar("arch.txt", "amd64");
        byte[] arm = layerTar("arch.txt", "arm64");
        RegistryClient.ManifestResponse baseOnly, amdM, armM;
        try (RegistryClient c = client()) {
            baseOnly = pushRaw(c, Reference.parse(host + "/base"), "amd64", List.of(base), "1");
            amdM = pushRaw(c, repo, "amd64", List.of(base, amd), null);
            armM = pushRaw(c, repo, "arm64", List.of(base, arm), null);
            Index idx = Index.oci(List.of(
                    armM.descriptor().withPlatform(Platform.of("linux", "arm64", "v8")),
                    amdM.descriptor().withPlatform(Platform.of("linux", "amd64", null))));
            c.pushManifest(repo.withTag("latest"), MediaTypes.OCI_INDEX, idx.toBytes());
        }
        Digest indexDigest;
        try (RegistryClient c = client()) {
            indexDigest = c.getManifest(repo.withTag("latest")).digest();
        }
        // the base layer is pulled first through another image
        dist.pull(Reference.parse(host + "/base:1"), null, AuthConfig.EMPTY, new MessageSink.Recording());

        MessageSink.Recording pull = new MessageSink.Recording();
        Distribution.PullResult r = dist.pull(repo.withTag("latest"), null, AuthConfig.EMPTY, pull).getFirst();
        Manifest amdManifest = Manifest.parse(amdM.bytes());
        assertEquals(amdManifest.config().digest(), r.imageId(), "linux/amd64 was picked");
        assertEquals(indexDigest, r.digest());
        List<String> lines = statuses(pull);
        String baseId = amdManifest.layers().get(0).digest().shortHex(), topId = amdManifest.layers().get(1).digest().shortHex();
        assertTrue(lines.contains(baseId + ": Already exists"), lines.toString());
        assertFalse(lines.contains(baseId + ": Pull complete"), lines.toString());
        assertTrue(lines.contains(topId + ": Pull complete"), lines.toString());
        assertTrue(lines.contains("Digest: " + indexDigest), lines.toString());
        assertEquals(List.of(host + "/multi@" + indexDigest), images.get(r.imageId()).repoDigests());
        assertEquals("amd64", images.get(r.imageId()).config().architecture());

        // an explicit platform picks the other entry
        MessageSink.Recording arm64 = new MessageSink.Recording();
        Distribution.PullResult ra = dist.pull(repo.withTag("latest"), Platform.parse("linux/arm64"), AuthConfig.EMPTY, arm64).getFirst();
        assertEquals(Manifest.parse(armM.bytes()).config().digest(), ra.imageId());

        // pull by digest
        MessageSink.Recording byDigest = new MessageSink.Recording();
        Distribution.PullResult rd = dist.pull(repo.withDigest(amdM.digest()), null, AuthConfig.EMPTY, byDigest).getFirst();
        assertEquals(r.imageId(), rd.imageId());
        // as in moby: the name@digest reference is new, so "newer"; nothing was fetched though
        assertEquals("Status: Downloaded newer image for " + host + "/multi@" + amdM.digest(), statuses(byDigest).getLast());
        assertFalse(statuses(byDigest).stream().anyMatch(l -> l.endsWith("Pull complete")), statuses(byDigest).toString());
        MessageSink.Recording byDigest2 = new MessageSink.Recording();
        dist.pull(Reference.parse(host + "/multi:ignored@" + amdM.digest()), null, AuthConfig.EMPTY, byDigest2);
        assertEquals("Status: Image is up to date for " + host + "/multi@" + amdM.digest(), statuses(byDigest2).getLast());
        assertNotNull(baseOnly);
        assertEquals(List.of(host + "/multi"), dist.search(host + "/mul", 25, AuthConfig.EMPTY).stream().map(Distribution.SearchResult::name).toList());
        assertEquals(2, dist.search(host + "/", 25, AuthConfig.EMPTY).size());
        assertEquals(ErrorKind.UNAVAILABLE, assertThrows(WharfException.class, () -> dist.search("nginx", 25, AuthConfig.EMPTY)).kind());

        // GET /distribution/{name}/json
        Distribution.DistributionInspect di = dist.inspect(repo, AuthConfig.EMPTY);
        assertEquals(indexDigest, di.descriptor().digest());
        assertEquals(MediaTypes.OCI_INDEX, di.descriptor().mediaType());
        assertEquals(List.of("arm64", "amd64"), di.platforms().stream().map(Platform::architecture).toList());
        assertEquals(List.of("amd64"), dist.inspect(Reference.parse(host + "/base:1"), AuthConfig.EMPTY).platforms().stream().map(Platform::architecture).toList());
    }

    @Test
    void dockerHubNamesArePulledThroughTheConfiguredMirror() throws Exception {
        try (RegistryClient c = client()) {
            pushRaw(c, Reference.parse(host + "/library/hubimg"), "amd64", List.of(layerTar("m.txt", "from the mirror")), "1.0");
        }
        DaemonConfig cfg = DaemonConfig.parse(("{\"registry-mirrors\": [\"http://" + host + "\"]}").getBytes());
        Distribution viaMirror = new Distribution(images, cfg, tmp.resolve("dm"));
        MessageSink.Recording s = new MessageSink.Recording();
        Distribution.PullResult r = viaMirror.pull(Reference.parse("hubimg:1.0"), null, AuthConfig.EMPTY, s).getFirst();
        assertEquals("Status: Downloaded newer image for hubimg:1.0", s.lines().getLast());
        assertEquals("1.0: Pulling from library/hubimg", s.lines().getFirst());
        assertEquals(List.of("hubimg:1.0"), images.get(r.imageId()).repoTags());
    }

    @Test
    void concurrentPullsOfOneImageBothSucceed() throws Exception {
        Reference repo = Reference.parse(host + "/twice");
        try (RegistryClient c = client()) {
            pushRaw(c, repo, "amd64", List.of(layerTar("a", "a"), layerTar("b", "b"), layerTar("c", "c")), "v");
        }
        var f1 = java.util.concurrent.CompletableFuture.supplyAsync(() -> pullQuietly(repo.withTag("v")));
        var f2 = java.util.concurrent.CompletableFuture.supplyAsync(() -> pullQuietly(repo.withTag("v")));
        assertEquals(f1.get(), f2.get());
        assertEquals(3, images.get(f1.get()).diffIds().size());
    }

    private Digest pullQuietly(Reference ref) {
        try {
            return dist.pull(ref, null, AuthConfig.EMPTY, new MessageSink.Recording()).getFirst().imageId();
        } catch (InterruptedException e) {
            throw new RuntimeException(e);
        }
    }

    @Test
    void layersAreDownloadedInParallelWithWaitingBeyondTheLimit() throws Exception {
        Reference repo = Reference.parse(host + "/many");
        List<byte[]> layers = new ArrayList<>();
        for (int i = 0; i < 6; i++) layers.add(layerTar("f" + i, "content " + i));
        try (RegistryClient c = client()) {
            pushRaw(c, repo, "amd64", layers, "v");
        }
        Distribution one = new Distribution(images, new DaemonConfig(null, null, null, 1, 5), tmp.resolve("d1"));
        MessageSink.Recording pull = new MessageSink.Recording();
        Distribution.PullResult r = one.pull(repo.withTag("v"), null, AuthConfig.EMPTY, pull).getFirst();
        assertEquals(6, images.get(r.imageId()).diffIds().size());
        long complete = statuses(pull).stream().filter(s -> s.endsWith(": Pull complete")).count();
        assertEquals(6, complete);
        assertTrue(statuses(pull).stream().anyMatch(s -> s.endsWith(": Waiting")), "with one download slot the others wait: " + statuses(pull));
    }

    @Test
    void pullErrorsBeforeStreamingReadLikeDockerd() throws Exception {
        importBusybox(host + "/busybox:v1");
        dist.push(Reference.parse(host + "/busybox"), "v1", AuthConfig.EMPTY, new MessageSink.Recording());

        MessageSink.Recording s = new MessageSink.Recording();
        WharfException e = assertThrows(WharfException.class, () -> dist.pull(Reference.parse(host + "/busybox:nope"), null, AuthConfig.EMPTY, s));
        assertEquals(ErrorKind.NOT_FOUND, e.kind());
        assertTrue(e.getMessage().startsWith("manifest for " + host + "/busybox:nope not found: manifest unknown"), e.getMessage());
        assertFalse(s.started(), "an HTTP 404, not an in-band error");

        WharfException repo = assertThrows(WharfException.class, () -> dist.pull(Reference.parse(host + "/nothere:v1"), null, AuthConfig.EMPTY, s));
        assertEquals(ErrorKind.NOT_FOUND, repo.kind());
        assertTrue(repo.getMessage().startsWith("repository " + host + "/nothere not found: name unknown: "), repo.getMessage());
        WharfException allTags = assertThrows(WharfException.class, () -> dist.pull(Reference.parse(host + "/nothere"), null, AuthConfig.EMPTY, s));
        assertTrue(allTags.getMessage().startsWith("repository " + host + "/nothere not found: name unknown: "), allTags.getMessage());

        WharfException down = assertThrows(WharfException.class, () -> dist.pull(Reference.parse("127.0.0.1:1/x:v1"), null, AuthConfig.EMPTY, s));
        assertEquals(ErrorKind.UNAVAILABLE, down.kind());
        assertEquals("Get \"http://127.0.0.1:1/v2/\": dial tcp 127.0.0.1:1: connect: connection refused", down.getMessage());
        assertFalse(s.started());
    }

    @Test
    void pushErrorsComeAfterTheFirstLine() throws Exception {
        MessageSink.Recording s = new MessageSink.Recording();
        WharfException e = assertThrows(WharfException.class, () -> dist.push(Reference.parse(host + "/nope"), "v1", AuthConfig.EMPTY, s));
        assertEquals("An image does not exist locally with the tag: " + host + "/nope", e.getMessage());
        assertEquals(List.of("The push refers to repository [" + host + "/nope]"), s.lines());

        importBusybox(host + "/busybox:v1");
        WharfException tag = assertThrows(WharfException.class, () -> dist.push(Reference.parse(host + "/busybox"), "v9", AuthConfig.EMPTY, new MessageSink.Recording()));
        assertEquals("tag does not exist: " + host + "/busybox:v9", tag.getMessage());

        // no tag: every local tag of the repository
        images.tag(host + "/busybox:v1", host + "/busybox:v2");
        MessageSink.Recording all = new MessageSink.Recording();
        List<Distribution.PushResult> r = dist.push(Reference.parse(host + "/busybox"), null, AuthConfig.EMPTY, all);
        assertEquals(List.of("v1", "v2"), r.stream().map(Distribution.PushResult::tag).toList());
        assertTrue(all.lines().stream().anyMatch(l -> l.endsWith(": Layer already exists")), "the second tag finds its layer there: " + all.lines());
    }

    @Test
    void parsingOfHeadersConfigAndReferences() throws Exception {
        assertEquals(AuthConfig.EMPTY, AuthConfig.decodeHeader("e30="));
        assertEquals(AuthConfig.EMPTY, AuthConfig.decodeHeader(null));
        AuthConfig a = AuthConfig.decodeHeader(new AuthConfig("alice", "pw", null, null, "127.0.0.1:5000", null, null).encodeHeader());
        assertEquals(new RegistryClient.Credentials("alice", "pw"), a.credentials().orElseThrow());
        AuthConfig viaAuth = new AuthConfig(null, null, java.util.Base64.getEncoder().encodeToString("bob:x:y".getBytes()), null, null, null, null);
        assertEquals(new RegistryClient.Credentials("bob", "x:y"), viaAuth.credentials().orElseThrow());
        assertEquals(ErrorKind.INVALID_ARGUMENT, assertThrows(WharfException.class, () -> AuthConfig.decodeHeader("!!!")).kind());
        assertFalse(a.toString().contains("pw"), "secrets never in toString");

        DaemonConfig c = DaemonConfig.parse("""
                {"insecure-registries": ["myreg:5000", "10.0.0.0/8"], "registry-mirrors": ["https://mirror.example/"],
                 "max-concurrent-downloads": 2, "log-driver": "json-file"}""".getBytes());
        assertTrue(c.listedInsecure("myreg:5000"));
        assertTrue(c.listedInsecure("10.1.2.3:5000"));
        assertFalse(c.listedInsecure("11.1.2.3:5000"));
        assertFalse(c.listedInsecure("other:5000"));
        assertEquals(List.of(java.net.URI.create("https://mirror.example")), c.registryMirrors());
        assertEquals(2, c.maxConcurrentDownloads());
        assertEquals(5, c.maxConcurrentUploads());
        assertEquals(DaemonConfig.defaults(), DaemonConfig.load(tmp.resolve("absent.json")));
        assertThrows(WharfException.class, () -> DaemonConfig.parse("{\"registry-mirrors\":[\"ftp://x\"]}".getBytes()));
        try (RegistryClient rc = new RegistryClient(c.clientOptions("10.1.2.3:5000", java.util.Optional.empty()))) {
            assertTrue(rc.isInsecure("10.1.2.3:5000"), "a CIDR entry makes a literal host insecure");
            assertTrue(rc.isInsecure("myreg:5000"));
            assertFalse(rc.isInsecure("12.0.0.1:5000"));
            assertTrue(rc.isInsecure("127.0.0.1:5000"), "loopback is insecure by default, as in docker");
        }

        assertEquals(Reference.parse("busybox:1.36"), DistributionApi.pullReference("docker.io/library/busybox", "1.36"));
        assertEquals(Reference.parse("busybox:latest"), DistributionApi.pullReference("busybox:latest", ""));
        assertEquals(Reference.parse("busybox"), DistributionApi.pullReference("busybox", ""), "no tag: all tags");
        String dg = "sha256:" + "a".repeat(64);
        assertEquals(Reference.parse("127.0.0.1:5000/x@" + dg), DistributionApi.pullReference("127.0.0.1:5000/x", dg));

        assertEquals("registry-1.docker.io", Distribution.loginHost("https://index.docker.io/v1/"));
        assertEquals("registry-1.docker.io", Distribution.loginHost(""));
        assertEquals("127.0.0.1:5000", Distribution.loginHost("http://127.0.0.1:5000/v2/"));
        assertEquals("127.0.0.1:5000", Distribution.loginHost("127.0.0.1:5000"));
    }

    @Test
    void messagesHaveDockerdsWireShape() {
        assertEquals("{\"status\":\"Pulling fs layer\",\"progressDetail\":{},\"id\":\"abc\"}\r\n",
                new String(JsonMessage.layer("abc", "Pulling fs layer").toBytes(), StandardCharsets.UTF_8));
        assertEquals("{\"status\":\"Downloading\",\"progressDetail\":{\"current\":5,\"total\":10},\"id\":\"abc\"}\r\n",
                new String(JsonMessage.progress("abc", "Downloading", 5, 10).toBytes(), StandardCharsets.UTF_8));
        assertEquals("{\"errorDetail\":{\"message\":\"boom\"},\"error\":\"boom\"}\r\n", new String(JsonMessage.error("boom").toBytes(), StandardCharsets.UTF_8));
        assertNull(JsonMessage.progress("abc", "Downloading", 5, 10).render(), "progress is not printed without a TTY");
    }

    /**
     * A fake registry for misbehaviour Wharf's own registry never shows: a raw socket server serving a one-layer
     * image, whose layer responses come from {@code layerBody} (given the request count and the socket's output).
     * A TLS hello is hung up on at once, so the client's HTTPS probe falls back to HTTP without waiting.
     */
    record FakeImage(java.net.ServerSocket server, Reference ref, Descriptor layer, Descriptor config) implements AutoCloseable {
        @Override
        public void close() throws IOException {
            server.close();
        }
    }

    @FunctionalInterface
    interface LayerBody {
        void write(int requestNumber, java.io.OutputStream out) throws IOException;
    }

    static FakeImage fakeRegistry(byte[] tar, LayerBody layerBody) throws IOException {
        byte[] gz = gzip(tar);
        Descriptor layer = Descriptor.of(MediaTypes.DOCKER_LAYER_GZIP, gz);
        byte[] cfg = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" + Digest.sha256(tar) + "\"]}}")
                .getBytes(StandardCharsets.UTF_8);
        Descriptor cd = Descriptor.of(MediaTypes.DOCKER_CONFIG, cfg);
        byte[] manifest = Manifest.docker(cd, List.of(layer)).toBytes();
        java.util.concurrent.atomic.AtomicInteger layerGets = new java.util.concurrent.atomic.AtomicInteger();
        java.net.ServerSocket ss = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
        Thread.ofVirtual().start(() -> {
            while (!ss.isClosed()) {
                java.net.Socket sock;
                try {
                    sock = ss.accept();
                } catch (IOException e) {
                    return;
                }
                Thread.ofVirtual().start(() -> {
                    try (sock) {
                        java.io.BufferedInputStream in = new java.io.BufferedInputStream(sock.getInputStream());
                        java.io.OutputStream out = sock.getOutputStream();
                        while (true) {
                            in.mark(1);
                            int b0 = in.read();
                            if (b0 < 0 || b0 == 0x16) return; // EOF, or a TLS hello: hang up
                            in.reset();
                            String line = readLine(in);
                            if (line == null || line.isEmpty()) return;
                            while (!readLine(in).isEmpty()) { /* headers */ }
                            String[] parts = line.split(" ");
                            String method = parts[0], path = parts[1];
                            if (path.endsWith("/blobs/" + layer.digest()) && method.equals("GET")) {
                                layerBody.write(layerGets.incrementAndGet(), out);
                                return; // one layer response per connection
                            }
                            byte[] body = path.equals("/v2/") ? "{}".getBytes()
                                    : path.endsWith("/manifests/v1") ? manifest
                                    : path.endsWith("/blobs/" + cd.digest()) ? cfg : null;
                            String head = body == null ? "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"
                                    : "HTTP/1.1 200 OK\r\nContent-Length: " + body.length + "\r\n"
                                    + (path.endsWith("/manifests/v1") ? "Content-Type: " + MediaTypes.DOCKER_MANIFEST + "\r\nDocker-Content-Digest: " + Digest.sha256(manifest) + "\r\n" : "")
                                    + "\r\n";
                            out.write(head.getBytes(StandardCharsets.US_ASCII));
                            if (body != null && !method.equals("HEAD")) out.write(body);
                            out.flush();
                        }
                    } catch (IOException ignored) {
                        // client went away
                    }
                });
            }
        });
        return new FakeImage(ss, Reference.parse("127.0.0.1:" + ss.getLocalPort() + "/fake:v1"), layer, cd);
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0 && c != '\n') if (c != '\r') b.append((char) c);
        return c < 0 && b.isEmpty() ? null : b.toString();
    }

    static void send(java.io.OutputStream out, byte[] body) throws IOException {
        out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + body.length + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(body);
        out.flush();
    }

    /**
     * A registry that serves a layer whose bytes do not match the manifest's digest (a corrupt or malicious
     * registry; Wharf's own verifies on upload, so a fake is needed): the pull fails in-band with docker's message
     * and keeps nothing — no blob, no layer, no image.
     */
    @Test
    void aLayerThatDoesNotMatchItsDigestIsRejectedAndNothingIsKept() throws Exception {
        byte[] tar = layerTar("x.txt", "the real content");
        byte[] bad = gzip(tar);
        bad[bad.length / 2] ^= 0x55;
        try (FakeImage f = fakeRegistry(tar, (n, out) -> send(out, bad))) {
            MessageSink.Recording s = new MessageSink.Recording();
            WharfException e = assertThrows(WharfException.class, () -> dist.pull(f.ref(), null, AuthConfig.EMPTY, s));
            assertEquals("filesystem layer verification failed for digest " + f.layer().digest(), e.getMessage());
            assertTrue(s.started(), "the error comes after the stream started: in-band");
            assertFalse(images.content().exists(f.layer().digest()), "no unverified blob is kept");
            assertFalse(images.content().exists(Digest.sha256(tar)));
            assertTrue(images.snapshotter().layer(Digest.sha256(tar)).isEmpty());
            assertTrue(images.find(f.ref().toString()).isEmpty());
            assertTrue(images.find(f.config().digest().toString()).isEmpty());
        }
    }

    /**
     * The streamed pull's last check: a layer whose bytes decompress to exactly the right tar (so the extraction and
     * its diff ID pass) but whose compressed bytes are not the manifest's (here a changed gzip header mtime) is still
     * refused, and the snapshot extracted meanwhile is discarded: no layer, no directory, no blob, no image.
     */
    @Test
    void aLayerWhoseTarIsRightButWhoseBlobIsNotLeavesNothingBehind() throws Exception {
        byte[] tar = layerTar("x.txt", "the real content");
        byte[] other = gzip(tar);
        other[4] ^= 1; // gzip MTIME: same tar inside, another blob digest
        assertArrayEquals(tar, new java.util.zip.GZIPInputStream(in(other)).readAllBytes());
        try (FakeImage f = fakeRegistry(tar, (n, out) -> send(out, other))) {
            MessageSink.Recording s = new MessageSink.Recording();
            WharfException e = assertThrows(WharfException.class, () -> dist.pull(f.ref(), null, AuthConfig.EMPTY, s));
            assertEquals("filesystem layer verification failed for digest " + f.layer().digest(), e.getMessage());
            assertFalse(images.content().exists(f.layer().digest()));
            assertFalse(images.content().exists(Digest.sha256(tar)));
            assertTrue(images.snapshotter().layers().isEmpty(), "the extracted layer was not kept");
            try (java.util.stream.Stream<Path> dirs = Files.list(images.snapshotter().root())) {
                assertEquals(List.of(), dirs.map(p -> p.getFileName().toString()).filter(n -> n.chars().allMatch(Character::isDigit)).toList(),
                        "no snapshot directory is left");
            }
            try (java.util.stream.Stream<Path> ingest = Files.list(images.content().root().resolve("ingest"))) {
                assertEquals(0, ingest.count(), "no ingest file is left");
            }
            assertTrue(images.find(f.config().digest().toString()).isEmpty());
        }
    }

    /**
     * A pulled layer keeps only its compressed blob (the single pass stores no uncompressed tar); docker save makes
     * the tar from it, and the saved archive loads back as the same image.
     */
    @Test
    void aPulledImageIsSavedFromItsCompressedLayers() throws Exception {
        byte[] tar = busyboxRootfs();
        try (FakeImage f = fakeRegistry(tar, (n, out) -> send(out, gzip(tar)))) {
            Distribution.PullResult r = dist.pull(f.ref(), null, AuthConfig.EMPTY, new MessageSink.Recording()).getFirst();
            assertFalse(images.content().exists(Digest.sha256(tar)), "no uncompressed copy after the pull");
            assertTrue(Files.isRegularFile(images.snapshotter().layerDir(images.snapshotter().layer(Digest.sha256(tar)).orElseThrow()).resolve("bin/busybox")));
            ByteArrayOutputStream saved = new ByteArrayOutputStream();
            images.save(List.of(f.ref().toString()), saved);
            assertArrayEquals(tar, images.content().read(Digest.sha256(tar)), "made from the compressed blob and verified");
            ImageService other = new ImageService(tmp.resolve("other"));
            other.load(new ByteArrayInputStream(saved.toByteArray()));
            assertEquals(r.imageId(), other.get(f.ref().toString()).id());
        }
    }

    /** A connection dropped in the middle of the (streamed) layer: the download is retried and the pull succeeds. */
    @Test
    void aDroppedLayerDownloadIsRetried() throws Exception {
        StringBuilder noise = new StringBuilder();
        java.util.Random rnd = new java.util.Random(7);
        for (int i = 0; i < 1_000_000; i++) noise.append((char) ('0' + rnd.nextInt(64)));
        byte[] tar = layerTar("big.bin", noise.toString());
        byte[] gz = gzip(tar);
        java.util.concurrent.atomic.AtomicInteger gets = new java.util.concurrent.atomic.AtomicInteger();
        try (FakeImage f = fakeRegistry(tar, (n, out) -> {
            gets.set(n);
            if (n == 1) {
                // promise everything, send half, hang up
                out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + gz.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(gz, 0, gz.length / 2);
                out.flush();
                return;
            }
            send(out, gz);
        })) {
            MessageSink.Recording s = new MessageSink.Recording();
            Distribution.PullResult r = dist.pull(f.ref(), null, AuthConfig.EMPTY, s).getFirst();
            assertEquals(f.config().digest(), r.imageId());
            assertTrue(images.snapshotter().layer(Digest.sha256(tar)).isPresent());
            assertTrue(images.content().exists(f.layer().digest()));
            assertTrue(s.lines().contains(f.layer().digest().shortHex() + ": Pull complete"), s.lines().toString());
            assertEquals(2, gets.get(), "the layer was fetched twice: dropped, then whole");
        }
    }

    static InputStream in(byte[] b) {
        return new ByteArrayInputStream(b);
    }
}
