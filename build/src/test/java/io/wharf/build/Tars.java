package io.wharf.build;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Builds tars in memory for tests: build contexts and a busybox rootfs. */
final class Tars {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final TarArchiveOutputStream tar;
    private long mtime = 1_700_000_000_000L;

    Tars() {
        tar = new TarArchiveOutputStream(bytes);
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
    }

    Tars mtime(long millis) {
        this.mtime = millis;
        return this;
    }

    Tars dir(String name, int mode) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name.endsWith("/") ? name : name + "/");
        e.setMode(040000 | mode);
        e.setModTime(mtime);
        tar.putArchiveEntry(e);
        tar.closeArchiveEntry();
        return this;
    }

    Tars file(String name, String content) throws IOException {
        return file(name, content.getBytes(StandardCharsets.UTF_8), 0644);
    }

    Tars file(String name, byte[] content, int mode) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name);
        e.setSize(content.length);
        e.setMode(0100000 | mode);
        e.setModTime(mtime);
        tar.putArchiveEntry(e);
        tar.write(content);
        tar.closeArchiveEntry();
        return this;
    }

    Tars symlink(String name, String target) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_SYMLINK);
        e.setLinkName(target);
        e.setModTime(mtime);
        tar.putArchiveEntry(e);
        tar.closeArchiveEntry();
        return this;
    }

    byte[] build() throws IOException {
        tar.finish();
        tar.close();
        return bytes.toByteArray();
    }

    /** A minimal busybox rootfs: /bin/busybox with its applets as symlinks, passwd/group, tmp. */
    static byte[] busyboxRootfs() throws IOException, InterruptedException {
        Tars t = new Tars();
        t.dir("bin", 0755).file("bin/busybox", Files.readAllBytes(Path.of("/bin/busybox")), 0755);
        Process p = new ProcessBuilder("/bin/busybox", "--list").start();
        for (String applet : new String(p.getInputStream().readAllBytes()).split("\n")) {
            applet = applet.trim();
            if (applet.isEmpty() || applet.equals("busybox")) continue;
            t.symlink("bin/" + applet, "busybox");
        }
        p.waitFor();
        t.dir("etc", 0755)
                .file("etc/passwd", "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\n")
                .file("etc/group", "root:x:0:\napp:x:1000:\n")
                .dir("tmp", 01777).dir("root", 0700).dir("home", 0755);
        for (String d : List.of("proc", "sys", "dev")) t.dir(d, 0755);
        return t.build();
    }
}
