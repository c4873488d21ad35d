package io.wharf.image;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.zip.GZIPOutputStream;

/** Builds small tars in memory for tests. */
final class TarBuilder {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final TarArchiveOutputStream tar;

    TarBuilder() {
        tar = new TarArchiveOutputStream(bytes, 512, "UTF-8");
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
    }

    TarBuilder dir(String name) {
        return dir(name, 0755);
    }

    TarBuilder dir(String name, int mode) {
        TarArchiveEntry e = new TarArchiveEntry(name.endsWith("/") ? name : name + "/");
        e.setMode(mode);
        e.setModTime(FileTime.fromMillis(1_700_000_000_000L));
        return put(e, null);
    }

    TarBuilder file(String name, String content) {
        return file(name, content.getBytes(StandardCharsets.UTF_8), 0644);
    }

    TarBuilder file(String name, byte[] content, int mode) {
        TarArchiveEntry e = new TarArchiveEntry(name);
        e.setMode(mode);
        e.setSize(content.length);
        e.setModTime(FileTime.fromMillis(1_700_000_000_000L));
        return put(e, content);
    }

    /** An entry whose name keeps its leading slash (commons-compress strips it unless asked). */
    TarBuilder absoluteFile(String name, String content) {
        TarArchiveEntry e = new TarArchiveEntry(name, true);
        byte[] c = content.getBytes(StandardCharsets.UTF_8);
        e.setMode(0644);
        e.setSize(c.length);
        return put(e, c);
    }

    TarBuilder symlink(String name, String target) {
        TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_SYMLINK);
        e.setLinkName(target);
        e.setMode(0777);
        return put(e, null);
    }

    TarBuilder hardlink(String name, String target) {
        TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_LINK);
        e.setLinkName(target);
        return put(e, null);
    }

    TarBuilder charDevice(String name, int major, int minor) {
        TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_CHR);
        e.setDevMajor(major);
        e.setDevMinor(minor);
        e.setMode(0666);
        return put(e, null);
    }

    private TarBuilder put(TarArchiveEntry e, byte[] content) {
        try {
            tar.putArchiveEntry(e);
            if (content != null) tar.write(content);
            tar.closeArchiveEntry();
        } catch (IOException x) {
            throw new UncheckedIOException(x);
        }
        return this;
    }

    byte[] build() {
        try {
            tar.finish();
            tar.close();
        } catch (IOException x) {
            throw new UncheckedIOException(x);
        }
        return bytes.toByteArray();
    }

    static byte[] gzip(byte[] data) {
        try {
            ByteArrayOutputStream o = new ByteArrayOutputStream();
            try (GZIPOutputStream g = new GZIPOutputStream(o)) {
                g.write(data);
            }
            return o.toByteArray();
        } catch (IOException x) {
            throw new UncheckedIOException(x);
        }
    }

    /** A busybox rootfs made from the host's static /bin/busybox, with applet symlinks. */
    static byte[] busyboxRootfs() {
        try {
            byte[] bb = Files.readAllBytes(Path.of("/bin/busybox"));
            TarBuilder t = new TarBuilder().dir("bin").file("bin/busybox", bb, 0755);
            for (String applet : new String[] {"sh", "ls", "cat", "echo", "true", "sleep", "rm", "touch", "mkdir"}) {
                t.symlink("bin/" + applet, "busybox");
            }
            return t.dir("etc").file("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n").file("etc/hostname", "busybox\n")
                    .dir("tmp", 01777).dir("proc").dir("sys").dir("dev").dir("root", 0700).build();
        } catch (IOException x) {
            throw new UncheckedIOException(x);
        }
    }
}
