package io.wharf.image;

import io.wharf.common.ErrorKind;
import io.wharf.common.Json;
import io.wharf.common.WharfException;
import io.wharf.oci.Digest;
import io.wharf.oci.ImageConfig;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class ImageServiceTest {
    @TempDir
    Path tmp;
    ImageService svc;
    final List<Path> mounts = new ArrayList<>();

    @BeforeEach
    void setUp() {
        svc = new ImageService(tmp.resolve("wharf"));
    }

    @AfterEach
    void tearDown() {
        for (Path m : mounts) Snapshotter.unmount(m);
    }

    private Path mountAt(String key, String name) {
        Path target = tmp.resolve(name);
        mounts.add(target);
        return svc.mount(key, target);
    }

    private Digest importBusybox(String tag) {
        return svc.importImage(new ByteArrayInputStream(TarBuilder.gzip(TarBuilder.busyboxRootfs())),
                new ImportOptions(tag, List.of("CMD [\"sh\"]", "ENV A=b", "EXPOSE 80", "LABEL k=v", "WORKDIR /tmp"), null, null));
    }

    @Test
    void referenceFilterMatchesEachListedName() {
        assertTrue(ImageService.referenceMatches("nginx:alpine", List.of("nginx:alpine")));
        assertFalse(ImageService.referenceMatches("10.0.0.181:5000/nginx:alpine", List.of("nginx:alpine")));
        assertTrue(ImageService.referenceMatches("10.0.0.181:5000/nginx:alpine", List.of("10.0.0.181:5000/nginx")));
        assertTrue(ImageService.referenceMatches("nginx:alpine", List.of("ngi*")));
        assertTrue(ImageService.referenceMatches("nginx@sha256:abc", List.of("nginx")));
        assertFalse(ImageService.referenceMatches("busybox:latest", List.of("nginx", "nginx:*")));
    }

    @Test
    void importBusyboxAndRunItInAnOverlay() throws Exception {
        Digest id = importBusybox("busybox:latest");
        Image img = svc.get("busybox");
        assertEquals(id, img.id());
        assertEquals(List.of("busybox:latest"), img.repoTags());
        assertEquals(id, Digest.sha256(svc.configBytes(id)));
        ImageConfig.ContainerConfig cc = img.config().config();
        assertEquals(List.of("sh"), cc.cmd());
        assertEquals(List.of("A=b"), cc.env());
        assertTrue(cc.exposedPorts().containsKey("80/tcp"));
        assertEquals("/tmp", cc.workingDir());
        assertEquals(1, img.diffIds().size());
        assertTrue(img.size() > 500_000);
        assertEquals("Imported from -", svc.history("busybox").getFirst().comment());
        // the layer blob is the uncompressed tar named by its diff ID
        assertEquals(img.diffIds().getFirst(), Digest.sha256(svc.content().read(img.diffIds().getFirst())));
        assertEquals(svc.get(id.hex().substring(0, 12)).id(), id);
        assertEquals(ErrorKind.NOT_FOUND, assertThrows(WharfException.class, () -> svc.get("nope")).kind());
        assertEquals("No such image: nope:latest", assertThrows(WharfException.class, () -> svc.get("nope")).getMessage());

        svc.prepare("c1", id);
        Path merged = mountAt("c1", "c1-rootfs");
        // docker's init layer: mount targets exist, but not in the writable layer
        assertTrue(Files.isRegularFile(merged.resolve(".dockerenv")));
        assertTrue(Files.isRegularFile(merged.resolve("etc/hosts")));
        assertEquals("/proc/mounts", Files.readSymbolicLink(merged.resolve("etc/mtab")).toString());
        try (var l = Files.list(svc.upperDir("c1"))) {
            assertEquals(0, l.count());
        }
        assertEquals(List.of(), svc.changes("c1"));
        Process p = new ProcessBuilder("chroot", merged.toString(), "/bin/sh", "-c", "echo hi > /tmp/out; cat /etc/hostname")
                .redirectErrorStream(true).start();
        assertEquals("busybox\n", new String(p.getInputStream().readAllBytes()));
        assertEquals(0, p.waitFor());
        assertEquals("hi\n", Files.readString(svc.upperDir("c1").resolve("tmp/out")));
        assertTrue(svc.changes("c1").contains(new Change("/tmp/out", Change.ADDED)));
        assertTrue(svc.changes("c1").contains(new Change("/tmp", Change.MODIFIED)));
        assertTrue(svc.sizeRw("c1") >= 3);
    }

    @Test
    void whiteoutsAndTwoLayerOverlay() throws Exception {
        byte[] l1 = new TarBuilder().dir("etc").file("etc/keep", "k").file("etc/gone", "g").dir("opq").file("opq/old", "o").build();
        byte[] l2 = new TarBuilder().dir("etc").file("etc/.wh.gone", "").dir("opq").file("opq/.wh..wh..opq", "").file("opq/new", "n").build();
        Snapshotter.Layer a = svc.unpackLayer(null, new ByteArrayInputStream(l1), null);
        Snapshotter.Layer b = svc.unpackLayer(a.chainId(), new ByteArrayInputStream(TarBuilder.gzip(l2)), null);
        assertEquals(Snapshotter.chainIds(List.of(a.diffId(), b.diffId())).getLast(), b.chainId());
        // layer 2 holds overlay-format whiteouts
        Path l2dir = svc.snapshotter().layerDir(b);
        Map<String, Object> wh = Files.readAttributes(l2dir.resolve("etc/gone"), "unix:mode,rdev", java.nio.file.LinkOption.NOFOLLOW_LINKS);
        assertEquals(0020000, (Integer) wh.get("mode") & 0170000);
        assertEquals(0L, wh.get("rdev"));
        assertTrue(Archive.isOpaque(l2dir.resolve("opq")));

        ImageConfig cfg = new ImageConfig("amd64", "linux", null, null, "2024-01-01T00:00:00Z", null, null,
                ImageConfig.RootFs.layers(List.of(a.diffId(), b.diffId())), List.of(), null);
        Digest id = svc.register(cfg.toBytes(), null, List.of());
        svc.prepare("c2", id);
        Path merged = mountAt("c2", "c2-rootfs");
        assertTrue(Files.exists(merged.resolve("etc/keep")));
        assertFalse(Files.exists(merged.resolve("etc/gone")));
        assertFalse(Files.exists(merged.resolve("opq/old")));
        assertTrue(Files.exists(merged.resolve("opq/new")));

        // container changes: delete a lower file, add one; diff -> OCI whiteouts
        Files.delete(merged.resolve("etc/keep"));
        Files.writeString(merged.resolve("etc/added"), "a");
        assertEquals(List.of(new Change("/etc", Change.MODIFIED), new Change("/etc/added", Change.ADDED), new Change("/etc/keep", Change.DELETED)),
                svc.changes("c2"));
        ByteArrayOutputStream diff = new ByteArrayOutputStream();
        Archive.tarTree(svc.upperDir("c2"), diff, Archive.TarOptions.DIFF);
        List<String> names = names(diff.toByteArray());
        assertEquals(List.of("etc/", "etc/added", "etc/.wh.keep"), names);

        // commit it and check the new image hides the file
        Digest committed = svc.commit("c2", id, new CommitOptions(null, List.of("CMD [\"ls\"]"), "committed:1", "me", "msg", null, false, null, false));
        Image ci = svc.get("committed:1");
        assertEquals(committed, ci.id());
        assertEquals(id, ci.parent());
        assertEquals(3, ci.diffIds().size());
        assertEquals(List.of("ls"), ci.config().config().cmd());
        svc.prepare("c3", committed);
        Path m3 = mountAt("c3", "c3-rootfs");
        assertFalse(Files.exists(m3.resolve("etc/keep")));
        assertEquals("a", Files.readString(m3.resolve("etc/added")));
        // export of a container: merged view
        ByteArrayOutputStream exp = new ByteArrayOutputStream();
        svc.export("c2", exp);
        List<String> en = names(exp.toByteArray());
        assertTrue(en.contains("etc/added"));
        assertFalse(en.contains("etc/keep"));
        assertFalse(en.contains("opq/old"));
        // an unchanged container commits as an empty layer
        Digest same = svc.commit("c3", committed, CommitOptions.of(null));
        assertEquals(3, svc.get(same).diffIds().size());
        assertTrue(svc.get(same).config().history().getLast().isEmptyLayer());
    }

    @Test
    void reproducibleDiff() throws Exception {
        Digest id = importBusybox("bb:1");
        svc.prepare("r1", id);
        svc.prepare("r2", id);
        for (String k : List.of("r1", "r2")) {
            Path u = svc.upperDir(k);
            Files.createDirectories(u.resolve("app"));
            Files.writeString(u.resolve("app/x"), "same");
        }
        java.time.Instant t = java.time.Instant.parse("2020-01-01T00:00:00Z");
        CommitOptions o = new CommitOptions(null, List.of(), null, null, null, "COPY x /app", false, t, true);
        // different mtimes on the two sides; the clamp makes them equal
        Files.setLastModifiedTime(svc.upperDir("r2").resolve("app/x"), java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 5000));
        assertEquals(svc.commit("r1", id, o), svc.commit("r2", id, o));
    }

    @Test
    void manyLayersMountWithRelativePaths() throws Exception {
        Digest parent = null;
        List<Digest> diffs = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            Snapshotter.Layer l = svc.unpackLayer(parent, new ByteArrayInputStream(new TarBuilder().file("f" + i, "v" + i).build()), null);
            parent = l.chainId();
            diffs.add(l.diffId());
        }
        ImageConfig cfg = new ImageConfig("amd64", "linux", null, null, null, null, null, ImageConfig.RootFs.layers(diffs), null, null);
        Digest id = svc.register(cfg.toBytes(), null, List.of());
        Mount m = svc.prepare("many", id);
        assertNotNull(m.relativeTo(), "expected relative lowerdirs, data length " + m.data().length());
        Path merged = mountAt("many", "many-rootfs");
        assertEquals("v0", Files.readString(merged.resolve("f0")));
        assertEquals("v99", Files.readString(merged.resolve("f99")));
    }

    @Test
    void saveLoadRoundTripKeepsTheImageId() throws Exception {
        Digest id = importBusybox("busybox:latest");
        svc.tag("busybox", "127.0.0.1:5000/bb:v1");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        svc.save(List.of("busybox:latest", "127.0.0.1:5000/bb:v1"), out);
        byte[] tar = out.toByteArray();
        List<String> names = names(tar);
        assertTrue(names.containsAll(List.of("blobs/", "blobs/sha256/", "blobs/sha256/" + id.hex(), "index.json", "manifest.json", "oci-layout", "repositories")), names.toString());
        Map<String, byte[]> files = files(tar);
        var mj = Json.MAPPER.readTree(files.get("manifest.json"));
        assertEquals("blobs/sha256/" + id.hex(), mj.get(0).get("Config").asText());
        assertEquals(2, mj.get(0).get("RepoTags").size());
        var index = io.wharf.oci.Index.parse(files.get("index.json"));
        assertEquals(2, index.manifests().size());
        assertTrue(index.manifests().stream().anyMatch(d -> "docker.io/library/busybox:latest".equals(d.annotation("io.containerd.image.name"))));

        ImageService other = new ImageService(tmp.resolve("other"));
        List<String> lines = other.load(new ByteArrayInputStream(tar));
        assertEquals(List.of("Loaded image: busybox:latest", "Loaded image: 127.0.0.1:5000/bb:v1"), lines);
        assertEquals(id, other.get("busybox").id());
        // loading again over a different image with the same tag prints docker's renaming line
        Digest id2 = other.importImage(new ByteArrayInputStream(new TarBuilder().file("x", "y").build()), ImportOptions.tagged("busybox"));
        List<String> again = other.load(new ByteArrayInputStream(tar));
        assertEquals("The image busybox:latest already exists, renaming the old one with ID " + id2 + " to empty string", again.getFirst());
        assertTrue(other.get(id2).dangling());
        // an untagged save loads as an ID
        ByteArrayOutputStream o2 = new ByteArrayOutputStream();
        svc.save(List.of(id.hex()), o2);
        assertEquals(List.of("Loaded image ID: " + id), new ImageService(tmp.resolve("third")).load(new ByteArrayInputStream(o2.toByteArray())));
        // restart: state survives
        ImageService reopened = new ImageService(tmp.resolve("other"));
        assertEquals(id, reopened.get("127.0.0.1:5000/bb:v1").id());
    }

    @Test
    void loadsTheOldLayoutWithCompressedLayers() throws Exception {
        byte[] layer1 = new TarBuilder().dir("bin").file("bin/a", "1").build();
        byte[] layer2 = new TarBuilder().file("b", "2").build();
        Digest d1 = Digest.sha256(layer1), d2 = Digest.sha256(layer2);
        String cfg = "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Cmd\":[\"/bin/a\"]},\"created\":\"2020-01-01T00:00:00Z\","
                + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" + d1 + "\",\"" + d2 + "\"]},\"docker_version\":\"20.10\"}";
        Digest id = Digest.sha256(cfg.getBytes(StandardCharsets.UTF_8));
        String manifest = "[{\"Config\":\"" + id.hex() + ".json\",\"RepoTags\":[\"old:v1\"],\"Layers\":[\"aaa/layer.tar\",\"bbb/layer.tar\"]}]";
        byte[] tar = new TarBuilder().file(id.hex() + ".json", cfg).dir("aaa").file("aaa/layer.tar", TarBuilder.gzip(layer1), 0644)
                .file("aaa/VERSION", "1.0").dir("bbb").symlink("bbb/layer.tar", "../ccc/layer.tar").dir("ccc").file("ccc/layer.tar", layer2, 0644)
                .file("manifest.json", manifest).file("repositories", "{\"old\":{\"v1\":\"bbb\"}}").build();
        assertEquals(List.of("Loaded image: old:v1"), svc.load(new ByteArrayInputStream(tar)));
        Image img = svc.get("old:v1");
        assertEquals(id, img.id());
        assertEquals("20.10", img.config().extra().get("docker_version"));
        // a wrong diff ID is refused
        byte[] bad = new TarBuilder().file(id.hex() + ".json", cfg).file("a.tar", layer2, 0644).file("b.tar", layer2, 0644)
                .file("manifest.json", "[{\"Config\":\"" + id.hex() + ".json\",\"RepoTags\":[\"bad:1\"],\"Layers\":[\"a.tar\",\"b.tar\"]}]").build();
        ImageService fresh = new ImageService(tmp.resolve("fresh"));
        WharfException e = assertThrows(WharfException.class, () -> fresh.load(new ByteArrayInputStream(bad)));
        assertTrue(e.getMessage().contains("invalid diffID for layer 0"), e.getMessage());
        assertTrue(fresh.find("bad:1").isEmpty());
        assertEquals(ErrorKind.INVALID_ARGUMENT, assertThrows(WharfException.class,
                () -> fresh.load(new ByteArrayInputStream(new TarBuilder().file("manifest.json", "null").build()))).kind());
    }

    @Test
    void deleteFollowsDockersRules() {
        Digest id = importBusybox("busybox:latest");
        svc.tag("busybox", "busybox:2");
        ContainerUsage stopped = img -> img.equals(id) ? List.of(new ContainerUsage.User("c0ffee0123456789", false)) : List.of();
        ContainerUsage running = img -> img.equals(id) ? List.of(new ContainerUsage.User("c0ffee0123456789", true)) : List.of();
        // by ID with two tags: must be forced
        WharfException e = assertThrows(WharfException.class, () -> svc.delete(id.hex().substring(0, 12), false, true, ContainerUsage.NONE));
        assertEquals("conflict: unable to delete " + id.shortHex() + " (must be forced) - image is referenced in multiple repositories", e.getMessage());
        // by name with another tag left: only untag
        assertEquals(List.of(DeleteItem.untagged("busybox:2")), svc.delete("busybox:2", false, true, stopped));
        // last tag while a stopped container uses it
        e = assertThrows(WharfException.class, () -> svc.delete("busybox", false, true, stopped));
        assertEquals(ErrorKind.CONFLICT, e.kind());
        assertEquals("conflict: unable to remove repository reference \"busybox\" (must force) - container c0ffee012345 is using its referenced image " + id.shortHex(), e.getMessage());
        // running container: even force only untags, the image stays
        List<DeleteItem> r = svc.delete("busybox", true, true, running);
        assertEquals(List.of(DeleteItem.untagged("busybox:latest")), r);
        assertTrue(svc.get(id).dangling());
        e = assertThrows(WharfException.class, () -> svc.delete(id.hex(), true, true, running));
        assertTrue(e.getMessage().contains("(cannot be forced) - image is being used by running container c0ffee012345"), e.getMessage());
        // unused: deleted, with its layer
        List<DeleteItem> d = svc.delete(id.hex(), false, true, ContainerUsage.NONE);
        assertEquals(DeleteItem.deleted(id.toString()), d.getFirst());
        assertEquals(2, d.size());
        assertTrue(svc.list(ImageFilter.NONE).isEmpty());
        assertFalse(svc.content().exists(id));
        assertTrue(svc.snapshotter().layers().isEmpty());
    }

    @Test
    void listFiltersAndPrune() {
        Digest a = svc.importImage(new ByteArrayInputStream(new TarBuilder().file("a", "1").build()),
                new ImportOptions("app:1", List.of("LABEL tier=web"), null, null));
        Digest b = svc.importImage(new ByteArrayInputStream(new TarBuilder().file("b", "2").build()), ImportOptions.tagged(null));
        assertEquals(2, svc.list(ImageFilter.NONE).size());
        assertEquals(List.of(b), svc.list(ImageFilter.DANGLING).stream().map(Image::id).toList());
        assertEquals(List.of(a), svc.list(new ImageFilter(null, List.of("tier=web"), List.of(), null, null, null, false)).stream().map(Image::id).toList());
        assertEquals(List.of(a), svc.list(new ImageFilter(null, List.of(), List.of("ap*"), null, null, null, false)).stream().map(Image::id).toList());
        assertEquals(List.of(a), svc.list(new ImageFilter(null, List.of(), List.of("app:1"), null, null, null, false)).stream().map(Image::id).toList());
        assertTrue(svc.list(new ImageFilter(null, List.of(), List.of("other*"), null, null, null, false)).isEmpty());
        PruneReport p = svc.prune(ImageFilter.DANGLING, ContainerUsage.NONE);
        assertEquals(DeleteItem.deleted(b.toString()), p.deleted().getFirst());
        assertTrue(p.spaceReclaimed() > 0);
        assertEquals(List.of(a), svc.list(ImageFilter.NONE).stream().map(Image::id).toList());
        PruneReport all = svc.prune(new ImageFilter(false, List.of(), List.of(), null, null, null, false), ContainerUsage.NONE);
        assertEquals(DeleteItem.untagged("app:1"), all.deleted().getFirst());
        assertTrue(svc.list(ImageFilter.NONE).isEmpty());
    }

    @Test
    void removeContainerSnapshotKeepsImageLayers() {
        Digest id = importBusybox("busybox");
        svc.prepare("x1", id);
        assertEquals(ErrorKind.ALREADY_EXISTS, assertThrows(WharfException.class, () -> svc.prepare("x1", id)).kind());
        svc.remove("x1");
        assertEquals(1, svc.snapshotter().layers().size());
        assertFalse(svc.snapshotter().exists("x1"));
        // a forced removal while a stopped container uses the image keeps its layers until the container goes
        svc.prepare("x2", id);
        ContainerUsage stopped = img -> List.of(new ContainerUsage.User("x2", false));
        List<DeleteItem> d = svc.delete(id.hex(), true, false, stopped);
        assertEquals(List.of(DeleteItem.untagged("busybox:latest"), DeleteItem.deleted(id.toString())), d);
        assertEquals(1, svc.snapshotter().layers().size());
        svc.remove("x2");
        assertTrue(svc.snapshotter().layers().isEmpty());
    }

    @Test
    void importsEveryCompressionAndBuildsPushBundles() throws Exception {
        byte[] plain = new TarBuilder().file("hello", "world").build();
        Digest diff = Digest.sha256(plain);
        ByteArrayOutputStream xz = new ByteArrayOutputStream();
        try (var o = new org.apache.commons.compress.compressors.xz.XZCompressorOutputStream(xz)) {
            o.write(plain);
        }
        ByteArrayOutputStream bz = new ByteArrayOutputStream();
        try (var o = new org.apache.commons.compress.compressors.bzip2.BZip2CompressorOutputStream(bz)) {
            o.write(plain);
        }
        ByteArrayOutputStream zs = new ByteArrayOutputStream();
        try (var o = new org.apache.commons.compress.compressors.zstandard.ZstdCompressorOutputStream(zs)) {
            o.write(plain);
        }
        for (byte[] b : List.of(plain, TarBuilder.gzip(plain), xz.toByteArray(), bz.toByteArray(), zs.toByteArray())) {
            Digest id = svc.importImage(new ByteArrayInputStream(b), ImportOptions.tagged("c:1"));
            assertEquals(List.of(diff), svc.get(id).diffIds());
        }
        Digest id = svc.get("c:1").id();
        ImageService.PushBundle pb = svc.pushBundle(id);
        assertEquals(io.wharf.oci.MediaTypes.DOCKER_MANIFEST, pb.mediaType());
        assertEquals(id, pb.config().digest());
        Digest gz = pb.layers().getFirst().digest();
        assertTrue(svc.content().exists(gz));
        try (var in = new java.util.zip.GZIPInputStream(svc.content().open(gz))) {
            assertEquals(diff, Digest.sha256(in.readAllBytes()));
        }
        assertEquals(pb.manifestDigest(), Digest.sha256(svc.content().read(pb.manifestDigest())));
        // remembered across restarts; deleted with the image
        ImageService again = new ImageService(tmp.resolve("wharf"));
        assertEquals(gz, again.compressedLayer(diff).digest());
        again.delete("c:1", false, false, ContainerUsage.NONE);
        assertTrue(again.content().exists(gz), "other images still use the layer");
        assertFalse(again.content().exists(pb.manifestDigest()));
        again.prune(ImageFilter.DANGLING, ContainerUsage.NONE);
        assertTrue(again.list(ImageFilter.NONE).isEmpty());
        assertFalse(again.content().exists(gz));
        assertFalse(again.content().exists(pb.manifestDigest()));
    }

    private static List<String> names(byte[] tar) throws Exception {
        List<String> out = new ArrayList<>();
        try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(tar))) {
            for (TarArchiveEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) out.add(e.getName());
        }
        return out;
    }

    private static Map<String, byte[]> files(byte[] tar) throws Exception {
        Map<String, byte[]> out = new LinkedHashMap<>();
        try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(tar))) {
            for (TarArchiveEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) out.put(e.getName(), in.readAllBytes());
        }
        return out;
    }
}
