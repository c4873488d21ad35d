package io.wharf.image;

import io.wharf.common.WharfException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

class ArchiveTest {
    @TempDir
    Path tmp;
    Path root;
    Path outside;

    @BeforeEach
    void setUp() throws Exception {
        root = Files.createDirectories(tmp.resolve("rootfs"));
        outside = Files.createDirectories(tmp.resolve("outside"));
        Files.writeString(outside.resolve("secret"), "keep");
    }

    private List<String> outsideFiles() throws Exception {
        List<String> l = new ArrayList<>();
        try (Stream<Path> s = Files.walk(tmp)) {
            s.filter(p -> !p.startsWith(root)).forEach(p -> l.add(tmp.relativize(p).toString()));
        }
        return l;
    }

    private void extractLayer(byte[] tar) throws Exception {
        Archive.applyLayer(root, new ByteArrayInputStream(tar), ExtractOptions.LAYER);
    }

    @Test
    void dotDotIsRejected() throws Exception {
        List<String> before = outsideFiles();
        WharfException e = assertThrows(WharfException.class, () -> extractLayer(new TarBuilder().file("../x", "evil").build()));
        assertTrue(e.getMessage().contains("breakout"), e.getMessage());
        assertThrows(WharfException.class, () -> extractLayer(new TarBuilder().file("a/../../x", "evil").build()));
        assertEquals(before, outsideFiles());
        assertFalse(Files.exists(tmp.resolve("x")));
    }

    @Test
    void absoluteIsRejected() throws Exception {
        List<String> before = outsideFiles();
        Path target = outside.resolve("abs");
        WharfException e = assertThrows(WharfException.class, () -> extractLayer(new TarBuilder().absoluteFile(target.toString(), "evil").build()));
        assertTrue(e.getMessage().contains("absolute"), e.getMessage());
        assertFalse(Files.exists(target));
        assertEquals(before, outsideFiles());
    }

    @Test
    void symlinkEscapeThenWriteThroughItStaysInside() throws Exception {
        List<String> before = outsideFiles();
        // absolute and relative symlinks pointing out, then files written "through" them
        extractLayer(new TarBuilder().symlink("evil", outside.toString()).symlink("rel", "../../../../../../" + outside)
                .file("evil/secret", "pwned").file("rel/secret2", "pwned").build());
        assertEquals(before, outsideFiles());
        assertEquals("keep", Files.readString(outside.resolve("secret")));
        // the writes landed inside the root, where the symlinks resolve in scope
        assertEquals("pwned", Files.readString(Archive.resolveInRoot(root, "evil/secret", true)));
        assertTrue(Archive.resolveInRoot(root, "evil/secret", true).startsWith(root));
        assertTrue(Archive.resolveInRoot(root, "rel/secret2", true).startsWith(root));
    }

    @Test
    void hardlinkToOutsideIsRejected() throws Exception {
        List<String> before = outsideFiles();
        assertThrows(WharfException.class, () -> extractLayer(new TarBuilder().hardlink("h", "../outside/secret").build()));
        // through a symlink: the link target is resolved inside the root, where it does not exist
        assertThrows(WharfException.class, () -> extractLayer(new TarBuilder().symlink("s", outside.toString()).hardlink("h2", "s/secret").build()));
        assertEquals(before, outsideFiles());
        assertEquals(1, Files.readAttributes(outside.resolve("secret"), "unix:nlink").get("nlink"));
    }

    @Test
    void copyIntoContainerRefusesDevicesAndNonDirTargets() throws Exception {
        Files.writeString(root.resolve("file"), "x");
        Files.createDirectories(root.resolve("d"));
        WharfException e = assertThrows(WharfException.class, () -> Archive.extract(root, "/d", new ByteArrayInputStream(
                new TarBuilder().charDevice("null", 1, 3).build()), ExtractOptions.copy(0, 0)));
        assertTrue(e.getMessage().contains("device"));
        e = assertThrows(WharfException.class, () -> Archive.extract(root, "/file", new ByteArrayInputStream(new TarBuilder().file("a", "b").build()), ExtractOptions.copy(0, 0)));
        assertEquals("extraction point is not a directory", e.getMessage());
        assertEquals(io.wharf.common.ErrorKind.NOT_FOUND, assertThrows(WharfException.class, () -> Archive.extract(root, "/nope",
                new ByteArrayInputStream(new TarBuilder().file("a", "b").build()), ExtractOptions.copy(0, 0))).kind());
        // a symlinked destination resolves inside the root
        Files.createSymbolicLink(root.resolve("link"), Path.of("/d"));
        Archive.extract(root, "/link", new ByteArrayInputStream(new TarBuilder().dir("sub").file("sub/a", "hello").build()), ExtractOptions.copy(0, 0));
        assertEquals("hello", Files.readString(root.resolve("d/sub/a")));
        // noOverwriteDirNonDir
        e = assertThrows(WharfException.class, () -> Archive.extract(root, "/", new ByteArrayInputStream(new TarBuilder().file("d", "x").build()), ExtractOptions.copy(0, 0)));
        assertTrue(e.getMessage().contains("cannot overwrite directory"), e.getMessage());
    }

    @Test
    void preservesModesOwnersLinksAndTimes() throws Exception {
        extractLayer(new TarBuilder().dir("d", 0750).file("d/f", "data".getBytes(), 04755).symlink("d/l", "f").hardlink("d/h", "d/f").build());
        var a = Files.readAttributes(root.resolve("d/f"), "unix:mode,nlink,uid,lastModifiedTime");
        assertEquals(0104755, a.get("mode"));
        assertEquals(2, a.get("nlink"));
        assertEquals(1_700_000_000_000L, ((java.nio.file.attribute.FileTime) a.get("lastModifiedTime")).toMillis());
        assertEquals(040750, Files.getAttribute(root.resolve("d"), "unix:mode"));
        assertEquals(1_700_000_000_000L, Files.getLastModifiedTime(root.resolve("d")).toMillis());
        assertEquals("f", Files.readSymbolicLink(root.resolve("d/l")).toString());
    }

    @Test
    void statAndTarOut() throws Exception {
        extractLayer(new TarBuilder().dir("dir1").dir("dir1/sub").file("dir1/sub/a", "hello\n").symlink("ln", "/dir1/sub/a").build());
        PathStat s = Archive.stat(root, "/dir1");
        assertEquals("dir1", s.name());
        assertEquals(PathStat.MODE_DIR | 0755, s.mode());
        assertEquals(2147484141L, s.mode());
        PathStat l = Archive.stat(root, "/ln");
        assertEquals(PathStat.MODE_SYMLINK | 0777, l.mode());
        assertEquals("/dir1/sub/a", l.linkTarget());
        assertTrue(l.toJson().contains("\"linkTarget\":\"/dir1/sub/a\""));
        assertEquals(io.wharf.common.ErrorKind.NOT_FOUND, assertThrows(WharfException.class, () -> Archive.stat(root, "/missing")).kind());

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Archive.tar(root, "/dir1", out);
        List<String> names = new ArrayList<>();
        try (var in = new org.apache.commons.compress.archivers.tar.TarArchiveInputStream(new ByteArrayInputStream(out.toByteArray()))) {
            for (var e = in.getNextEntry(); e != null; e = in.getNextEntry()) names.add(e.getName());
        }
        assertEquals(List.of("dir1/", "dir1/sub/", "dir1/sub/a"), names);

        // docker cp c:/dir1/. copies the contents; c:/lnk/ follows a symlinked directory
        Files.createSymbolicLink(root.resolve("lnk"), Path.of("dir1"));
        assertEquals(".", Archive.stat(root, "/dir1/.").name());
        assertEquals("lnk", Archive.stat(root, "/lnk/").name());
        assertTrue(Archive.stat(root, "/lnk/").isDir());
        assertFalse(Archive.stat(root, "/lnk").isDir());
        ByteArrayOutputStream dot = new ByteArrayOutputStream();
        Archive.tar(root, "/lnk/.", dot);
        List<String> dotNames = new ArrayList<>();
        try (var in = new org.apache.commons.compress.archivers.tar.TarArchiveInputStream(new ByteArrayInputStream(dot.toByteArray()))) {
            for (var e = in.getNextEntry(); e != null; e = in.getNextEntry()) dotNames.add(e.getName());
        }
        assertEquals(List.of("./", "./sub/", "./sub/a"), dotNames);

        // a volume's own directory read as the container path that mounts it (docker cp c:/data of a stopped one)
        ByteArrayOutputStream named = new ByteArrayOutputStream();
        Archive.tar(root.resolve("dir1"), "/", "data", named);
        List<String> namedNames = new ArrayList<>();
        try (var in = new org.apache.commons.compress.archivers.tar.TarArchiveInputStream(new ByteArrayInputStream(named.toByteArray()))) {
            for (var e = in.getNextEntry(); e != null; e = in.getNextEntry()) namedNames.add(e.getName());
        }
        assertEquals(List.of("data/", "data/sub/", "data/sub/a"), namedNames);
    }

    @Test
    void xattrsRoundTripButOverlayOnesCannotBeForged() throws Exception {
        Path src = Files.createDirectories(tmp.resolve("src"));
        Files.writeString(src.resolve("f"), "x");
        Native.lsetxattr(src.resolve("f"), "user.note", "hello".getBytes());
        Files.createDirectories(src.resolve("d"));
        Native.lsetxattr(src.resolve("d"), "trusted.overlay.opaque", new byte[] {'y'});
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Archive.tarTree(src, out, Archive.TarOptions.PLAIN);
        Archive.applyLayer(root, new ByteArrayInputStream(out.toByteArray()), ExtractOptions.LAYER);
        assertArrayEquals("hello".getBytes(), Native.lgetxattr(root.resolve("f"), "user.note"));
        assertNull(Native.lgetxattr(root.resolve("d"), "trusted.overlay.opaque"));
        // a forged PAX xattr is dropped too
        var e = new org.apache.commons.compress.archivers.tar.TarArchiveEntry("forged/");
        e.addPaxHeader("SCHILY.xattr.trusted.overlay.opaque", "y");
        ByteArrayOutputStream f = new ByteArrayOutputStream();
        try (var t = new org.apache.commons.compress.archivers.tar.TarArchiveOutputStream(f)) {
            t.putArchiveEntry(e);
            t.closeArchiveEntry();
        }
        Archive.applyLayer(root, new ByteArrayInputStream(f.toByteArray()), ExtractOptions.LAYER);
        assertTrue(Files.isDirectory(root.resolve("forged")));
        assertNull(Native.lgetxattr(root.resolve("forged"), "trusted.overlay.opaque"));
    }

    @Test
    void devicesInLayersRoundTrip() throws Exception {
        extractLayer(new TarBuilder().dir("dev").charDevice("dev/null", 1, 3).charDevice("dev/big", 300, 70000).build());
        var a = Files.readAttributes(root.resolve("dev/null"), "unix:mode,rdev", java.nio.file.LinkOption.NOFOLLOW_LINKS);
        assertEquals(0020666, a.get("mode"));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Archive.tarTree(root, out, Archive.TarOptions.PLAIN);
        try (var in = new org.apache.commons.compress.archivers.tar.TarArchiveInputStream(new ByteArrayInputStream(out.toByteArray()))) {
            for (var e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                if (e.getName().equals("dev/big")) {
                    assertTrue(e.isCharacterDevice());
                    assertEquals(300, e.getDevMajor());
                    assertEquals(70000, e.getDevMinor());
                }
            }
        }
    }

    @Test
    void nonAsciiAndLongNames() throws Exception {
        String longName = "d/" + "x".repeat(150) + "/" + "y".repeat(120);
        extractLayer(new TarBuilder().file("caf\u00e9-\u65e5\u672c.txt", "u").file(longName, "l").build());
        assertEquals("u", Files.readString(root.resolve("caf\u00e9-\u65e5\u672c.txt")));
        assertEquals("l", Files.readString(root.resolve(longName)));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Archive.tarTree(root, out, Archive.TarOptions.PLAIN);
        Path copy = Files.createDirectories(tmp.resolve("copy"));
        Archive.applyLayer(copy, new ByteArrayInputStream(out.toByteArray()), ExtractOptions.LAYER);
        assertEquals("u", Files.readString(copy.resolve("caf\u00e9-\u65e5\u672c.txt")));
        assertEquals("l", Files.readString(copy.resolve(longName)));
    }

    @Test
    void resolveInRootClampsDotDot() {
        assertEquals(root.resolve("a"), Archive.resolveInRoot(root, "/../../../a", true));
        assertEquals(root, Archive.resolveInRoot(root, "..", true));
    }
}
