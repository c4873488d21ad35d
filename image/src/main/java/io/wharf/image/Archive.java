package io.wharf.image;

import io.wharf.common.WharfException;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Tar in and out of directory trees, safely: the engine's {@code docker cp} (stat, tar a path out, extract into a
 * directory), layer application, diff and export all go through here.
 *
 * <p>Safety: an entry name is cleaned lexically and rejected when absolute or when {@code ..} would leave the
 * destination (docker's "breakout" check). Every path is then resolved component by component inside the root, with
 * symlinks expanded as if the root were {@code /} (securejoin / moby's FollowSymlinkInScope), so a symlink pointing to
 * {@code /etc} or {@code ../../..} can never lead a later entry outside the root. Hardlink targets get the same
 * treatment. Devices are created only when allowed. Writes of the final component never follow a symlink: an existing
 * entry is replaced, as tar does. (A process running in the container could still race the extraction by swapping a
 * directory for a symlink between resolve and write; moby closes that with a chroot, which we do not do.)
 */
public final class Archive {
    private Archive() {}

    static final String WHITEOUT_PREFIX = ".wh.";
    static final String WHITEOUT_META_PREFIX = ".wh..wh.";
    static final String WHITEOUT_OPAQUE = ".wh..wh..opq";
    static final String OVERLAY_OPAQUE_XATTR = "trusted.overlay.opaque";
    private static final String PAX_XATTR = "SCHILY.xattr.";
    private static final int MAX_SYMLINKS = 255;
    private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;

    // ---------------------------------------------------------------- path resolution

    /**
     * Resolves {@code unsafePath} inside {@code root} as the kernel would inside a chroot at {@code root}: every
     * symlink (and, when {@code followLast}, the final one too) is expanded with {@code /} meaning {@code root}, and
     * {@code ..} stops at the root. The result always lies inside {@code root}; components need not exist.
     */
    public static Path resolveInRoot(Path root, String unsafePath, boolean followLast) {
        Deque<String> remaining = new ArrayDeque<>();
        pushComponents(remaining, unsafePath);
        List<String> current = new ArrayList<>();
        int links = 0;
        while (!remaining.isEmpty()) {
            String c = remaining.pop();
            if (c.equals("..")) {
                if (!current.isEmpty()) current.removeLast();
                continue;
            }
            if (remaining.isEmpty() && !followLast) {
                current.add(c);
                break;
            }
            Path candidate = join(root, current).resolve(c);
            if (!Files.isSymbolicLink(candidate)) {
                current.add(c);
                continue;
            }
            if (++links > MAX_SYMLINKS) throw WharfException.invalid("too many levels of symbolic links: %s", unsafePath);
            String target;
            try {
                target = Files.readSymbolicLink(candidate).toString();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            if (target.startsWith("/")) current.clear();
            pushComponents(remaining, target);
        }
        return join(root, current);
    }

    private static void pushComponents(Deque<String> stack, String path) {
        String[] parts = path.split("/");
        for (int i = parts.length - 1; i >= 0; i--) {
            String p = parts[i];
            if (p.isEmpty() || p.equals(".")) continue;
            stack.push(p);
        }
    }

    private static Path join(Path root, List<String> comps) {
        Path p = root;
        for (String c : comps) p = p.resolve(c);
        return p;
    }

    /**
     * Cleans a tar entry name lexically ({@code ./a//b/} → {@code a/b}); rejects absolute names and names whose
     * {@code ..} would climb above the destination. Returns "" for the destination itself.
     */
    static String cleanEntryName(String name) {
        if (name.startsWith("/")) throw WharfException.invalid("invalid tar entry %s: absolute path", name);
        List<String> out = new ArrayList<>();
        for (String p : name.split("/")) {
            if (p.isEmpty() || p.equals(".")) continue;
            if (p.equals("..")) {
                if (out.isEmpty()) throw WharfException.invalid("invalid tar entry %s: path escapes the destination (breakout)", name);
                out.removeLast();
            } else {
                out.add(p);
            }
        }
        return String.join("/", out);
    }

    // ---------------------------------------------------------------- stat (docker cp)

    /**
     * {@code docker cp}'s stat (moby's ResolvePath + statPath): the directory part is resolved in the root; the final
     * component is not followed unless the path ends with {@code /} or {@code /.}. {@code name} is the base name of
     * the path as given ({@code "."} for {@code dir/.}); for a symlink {@code linkTarget} is its fully resolved path
     * inside the container. NOT_FOUND when absent.
     */
    public static PathStat stat(Path root, String path) {
        Path p = resolveForCopy(root, path);
        Map<String, Object> a = unixAttrs(p);
        if (a == null) throw WharfException.notFound("Could not find the file %s in container", path);
        int mode = (Integer) a.get("mode");
        String linkTarget = "";
        if (isType(mode, 0120000)) {
            Path resolved = resolveInRoot(root, path, true);
            linkTarget = "/" + root.relativize(resolved).toString();
        }
        long size = (Long) a.get("size");
        FileTime mtime = (FileTime) a.get("lastModifiedTime");
        return new PathStat(copyBaseName(path), size, goFileMode(mode), mtime.toInstant(), linkTarget);
    }

    /** Follows the last component only for {@code dir/} and {@code dir/.}, as docker cp does. */
    static Path resolveForCopy(Path root, String path) {
        boolean follow = path.endsWith("/") || path.endsWith("/.") || path.equals(".");
        return resolveInRoot(root, path, follow);
    }

    /** Go's filepath.Base of the absolute path as given: "." for a trailing "/.", "/" for the root. */
    static String copyBaseName(String path) {
        if (path.endsWith("/.") || path.equals(".")) return ".";
        String[] parts = path.split("/");
        for (int i = parts.length - 1; i >= 0; i--) {
            if (!parts[i].isEmpty() && !parts[i].equals(".")) return parts[i].equals("..") ? "/" : parts[i];
        }
        return "/";
    }

    static boolean isType(int mode, int type) {
        return (mode & 0170000) == type;
    }

    /** Unix st_mode → Go os.FileMode bits. */
    static long goFileMode(int mode) {
        long m = mode & 0777;
        switch (mode & 0170000) {
            case 0040000 -> m |= PathStat.MODE_DIR;
            case 0120000 -> m |= PathStat.MODE_SYMLINK;
            case 0020000 -> m |= PathStat.MODE_DEVICE | PathStat.MODE_CHAR_DEVICE;
            case 0060000 -> m |= PathStat.MODE_DEVICE;
            case 0010000 -> m |= PathStat.MODE_NAMED_PIPE;
            case 0140000 -> m |= PathStat.MODE_SOCKET;
            default -> { }
        }
        if ((mode & 04000) != 0) m |= PathStat.MODE_SETUID;
        if ((mode & 02000) != 0) m |= PathStat.MODE_SETGID;
        if ((mode & 01000) != 0) m |= PathStat.MODE_STICKY;
        return m;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> unixAttrs(Path p) {
        try {
            return Files.readAttributes(p, "unix:mode,ino,dev,rdev,nlink,uid,gid,size,lastModifiedTime", NOFOLLOW);
        } catch (NoSuchFileException e) {
            return null;
        } catch (java.nio.file.FileSystemException e) {
            // ENOTDIR on a path through a regular file
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---------------------------------------------------------------- tar out

    /**
     * How a tree is written out. Entries always carry numeric owners only (no user/group names), whole-second
     * mtimes, and children in name order, so equal trees give equal tars.
     *
     * @param overlayWhiteoutsToOci turn overlay whiteouts (0/0 char devices, opaque xattrs) into OCI {@code .wh.} entries
     * @param clampMtime            when set, no entry is newer than this (reproducible builds)
     */
    public record TarOptions(boolean overlayWhiteoutsToOci, Instant clampMtime) {
        /** A plain copy (docker cp, export). */
        public static final TarOptions PLAIN = new TarOptions(false, null);
        /** A layer diff from an overlay upper dir. */
        public static final TarOptions DIFF = new TarOptions(true, null);
    }

    /**
     * {@code docker cp} out: a tar of {@code path} (a final symlink is followed only for {@code dir/} and
     * {@code dir/.}) whose root entry is the path's base name ({@code dir1/}, {@code dir1/sub/a}; {@code ./}, {@code ./a}
     * for {@code dir1/.}, so the CLI copies the contents). NOT_FOUND when absent.
     */
    public static void tar(Path root, String path, OutputStream out) {
        tar(root, path, null, out);
    }

    /**
     * As {@link #tar(Path, String, OutputStream)}, with the root entry named {@code baseName} (null: the path's base
     * name): docker cp of a stopped container's volume reads the volume's own directory but names it as the
     * container path.
     */
    public static void tar(Path root, String path, String baseName, OutputStream out) {
        Path p = resolveForCopy(root, path);
        if (unixAttrs(p) == null) throw WharfException.notFound("Could not find the file %s in container", path);
        String base = baseName != null ? baseName : copyBaseName(path);
        if (base.equals("/")) base = ".";
        try (TarArchiveOutputStream tar = newTarOut(out)) {
            new TreeWriter(tar, TarOptions.PLAIN).write(p, base);
            tar.finish();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes the contents of {@code dir} (entries relative to it, the dir itself omitted) as a tar stream. */
    public static void tarTree(Path dir, OutputStream out, TarOptions opts) {
        try (TarArchiveOutputStream tar = newTarOut(out)) {
            TreeWriter w = new TreeWriter(tar, opts);
            for (Path child : sortedChildren(dir)) w.write(child, child.getFileName().toString());
            tar.finish();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static TarArchiveOutputStream newTarOut(OutputStream out) {
        TarArchiveOutputStream tar = new TarArchiveOutputStream(new NonClosing(out), 512, StandardCharsets.UTF_8.name());
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
        tar.setAddPaxHeadersForNonAsciiNames(true);
        return tar;
    }

    /** Keeps the caller's stream open when the tar stream closes (it writes the trailer and flushes). */
    static final class NonClosing extends java.io.FilterOutputStream {
        NonClosing(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void close() throws IOException {
            out.flush();
        }
    }

    static List<Path> sortedChildren(Path dir) throws IOException {
        List<Path> l = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) l.add(p);
        }
        l.sort((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString()));
        return l;
    }

    private static final class TreeWriter {
        final TarArchiveOutputStream tar;
        final TarOptions opts;
        final Map<String, String> inodes = new HashMap<>();

        TreeWriter(TarArchiveOutputStream tar, TarOptions opts) {
            this.tar = tar;
            this.opts = opts;
        }

        void write(Path p, String name) throws IOException {
            Map<String, Object> a = unixAttrs(p);
            if (a == null) return; // vanished while walking
            int mode = (Integer) a.get("mode");
            int type = mode & 0170000;
            long rdev = (Long) a.get("rdev");
            if (opts.overlayWhiteoutsToOci && type == 0020000 && rdev == 0) {
                String parent = name.contains("/") ? name.substring(0, name.lastIndexOf('/') + 1) : "";
                String base = name.substring(name.lastIndexOf('/') + 1);
                TarArchiveEntry e = new TarArchiveEntry(parent + WHITEOUT_PREFIX + base);
                e.setUserName("");
                e.setGroupName("");
                e.setSize(0);
                e.setMode(0);
                applyTimes(e, (FileTime) a.get("lastModifiedTime"));
                tar.putArchiveEntry(e);
                tar.closeArchiveEntry();
                return;
            }
            TarArchiveEntry e;
            switch (type) {
                case 0040000 -> e = new TarArchiveEntry(name + "/");
                case 0120000 -> {
                    e = new TarArchiveEntry(name, TarConstants.LF_SYMLINK);
                    e.setLinkName(Files.readSymbolicLink(p).toString());
                }
                case 0100000 -> {
                    int nlink = (Integer) a.get("nlink");
                    String key = a.get("dev") + ":" + a.get("ino");
                    String first = nlink > 1 ? inodes.putIfAbsent(key, name) : null;
                    if (first != null) {
                        e = new TarArchiveEntry(name, TarConstants.LF_LINK);
                        e.setLinkName(first);
                    } else {
                        e = new TarArchiveEntry(name);
                        e.setSize((Long) a.get("size"));
                    }
                }
                case 0020000, 0060000 -> {
                    e = new TarArchiveEntry(name, type == 0020000 ? TarConstants.LF_CHR : TarConstants.LF_BLK);
                    e.setDevMajor((int) (((rdev >>> 8) & 0xfff) | ((rdev >>> 32) & ~0xfffL)));
                    e.setDevMinor((int) ((rdev & 0xff) | ((rdev >>> 12) & ~0xffL)));
                }
                case 0010000 -> e = new TarArchiveEntry(name, TarConstants.LF_FIFO);
                default -> {
                    return; // sockets are not archived (as Go's tar)
                }
            }
            e.setMode(mode & 07777);
            e.setUserId((Integer) a.get("uid"));
            e.setGroupId((Integer) a.get("gid"));
            // numeric owners only: commons-compress would otherwise stamp the JVM user's name on every entry
            e.setUserName("");
            e.setGroupName("");
            applyTimes(e, (FileTime) a.get("lastModifiedTime"));
            for (String x : Native.llistxattr(p)) {
                if (x.startsWith("trusted.overlay.")) continue;
                byte[] v = Native.lgetxattr(p, x);
                if (v != null) e.addPaxHeader(PAX_XATTR + x, new String(v, StandardCharsets.UTF_8));
            }
            tar.putArchiveEntry(e);
            // isFile() is also true for devices in commons-compress: decide by our own type
            if (type == 0100000 && !e.isLink()) {
                try (InputStream in = Files.newInputStream(p, NOFOLLOW)) {
                    long copied = in.transferTo(tar);
                    if (copied != e.getSize()) throw new IOException("file changed while archiving: " + p);
                }
            }
            tar.closeArchiveEntry();
            if (type == 0040000) {
                if (opts.overlayWhiteoutsToOci && isOpaque(p)) {
                    TarArchiveEntry o = new TarArchiveEntry(name + "/" + WHITEOUT_OPAQUE);
                    o.setUserName("");
                    o.setGroupName("");
                    o.setSize(0);
                    o.setMode(0);
                    applyTimes(o, (FileTime) a.get("lastModifiedTime"));
                    tar.putArchiveEntry(o);
                    tar.closeArchiveEntry();
                }
                for (Path c : sortedChildren(p)) write(c, name + "/" + c.getFileName());
            }
        }

        void applyTimes(TarArchiveEntry e, FileTime t) {
            Instant i = t.toInstant();
            if (opts.clampMtime != null && i.isAfter(opts.clampMtime)) i = opts.clampMtime;
            // whole seconds keep the header free of PAX time records, as docker's layers are
            e.setModTime(FileTime.fromMillis(i.getEpochSecond() * 1000));
        }
    }

    static boolean isOpaque(Path dir) throws IOException {
        byte[] v = Native.lgetxattr(dir, OVERLAY_OPAQUE_XATTR);
        return v != null && v.length == 1 && v[0] == 'y';
    }

    // ---------------------------------------------------------------- extraction

    /**
     * {@code docker cp} into a container: extracts {@code tar} into {@code dir} (a path inside {@code root}, which
     * must exist and be a directory), resolving every path inside {@code root}. Errors: NOT_FOUND for a missing
     * {@code dir}, INVALID_ARGUMENT for "extraction point is not a directory", breakouts, refused devices.
     */
    public static void extract(Path root, String dir, InputStream tar, ExtractOptions opts) {
        Path d = resolveInRoot(root, dir, true);
        Map<String, Object> a = unixAttrs(d);
        if (a == null) throw WharfException.notFound("Could not find the file %s in container", dir);
        if (!isType((Integer) a.get("mode"), 0040000)) throw WharfException.invalid("extraction point is not a directory");
        String rel = root.relativize(d).toString();
        try {
            new Extractor(root, rel, opts, List.of()).run(tar);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Applies a layer (or import) tar to {@code dir}, which is both destination and root. Returns the number of
     * uncompressed tar bytes read.
     */
    public static long applyLayer(Path dir, InputStream tar, ExtractOptions opts) throws IOException {
        return new Extractor(dir, "", opts, List.of()).run(tar);
    }

    /**
     * Like {@link #applyLayer(Path, InputStream, ExtractOptions)} for a layer above {@code parents} (their
     * directories, top first): a hardlink to a file that only a parent layer holds becomes a copy of that file, as
     * containerd's applier does (a link cannot cross layer directories).
     */
    public static long applyLayer(Path dir, InputStream tar, ExtractOptions opts, List<Path> parents) throws IOException {
        return new Extractor(dir, "", opts, parents).run(tar);
    }

    private static final class Extractor {
        final Path root;
        final String destRel;
        final ExtractOptions opts;
        final List<Path> parents;
        final List<Map.Entry<Path, FileTime>> dirTimes = new ArrayList<>();

        Extractor(Path root, String destRel, ExtractOptions opts, List<Path> parents) {
            this.root = root;
            this.destRel = destRel;
            this.opts = opts;
            this.parents = parents;
        }

        /** The file {@code rel} as the parent layers show it (top first, whiteouts honoured), or null. */
        Path inParents(String rel) {
            for (Path p : parents) {
                int ls = rel.lastIndexOf('/');
                Path f = resolveInRoot(p, ls < 0 ? "" : rel.substring(0, ls), true).resolve(rel.substring(ls + 1));
                Map<String, Object> a = unixAttrs(f);
                if (a == null) continue;
                int mode = (Integer) a.get("mode");
                if (isType(mode, 0020000) && (Long) a.get("rdev") == 0) return null;
                return isType(mode, 0100000) ? f : null;
            }
            return null;
        }

        long run(InputStream in) throws IOException {
            CountingInputStream counting = new CountingInputStream(in);
            TarArchiveInputStream tar = new TarArchiveInputStream(counting, StandardCharsets.UTF_8.name());
            TarArchiveEntry e;
            while ((e = tar.getNextEntry()) != null) {
                entry(e, tar);
            }
            // directories last, deepest first, so adding children does not bump their mtimes again
            for (int i = dirTimes.size() - 1; i >= 0; i--) {
                var dt = dirTimes.get(i);
                Native.lutimes(dt.getKey(), dt.getValue().toInstant().getEpochSecond(), dt.getValue().toInstant().getNano());
            }
            // drain the trailer so the caller's digest covers the whole stream
            counting.transferTo(OutputStream.nullOutputStream());
            return counting.count;
        }

        String inDest(String clean) {
            return destRel.isEmpty() ? clean : clean.isEmpty() ? destRel : destRel + "/" + clean;
        }

        void entry(TarArchiveEntry e, InputStream data) throws IOException {
            String name = cleanEntryName(e.getName());
            if (e.isGlobalPaxHeader() || e.isPaxHeader()) return;
            if (name.isEmpty()) return; // the destination itself: keep it as is
            int slash = name.lastIndexOf('/');
            String parentRel = slash < 0 ? "" : name.substring(0, slash);
            String base = name.substring(slash + 1);
            Path parent = resolveInRoot(root, inDest(parentRel), true);
            ensureInside(parent, e.getName());

            if (opts.overlayWhiteouts() && base.startsWith(WHITEOUT_PREFIX)) {
                mkdirs(parent);
                if (base.equals(WHITEOUT_OPAQUE)) {
                    Native.lsetxattr(parent, OVERLAY_OPAQUE_XATTR, new byte[] {'y'});
                } else if (!base.startsWith(WHITEOUT_META_PREFIX)) {
                    Path target = parent.resolve(base.substring(WHITEOUT_PREFIX.length()));
                    removeAll(target);
                    Native.whiteout(target);
                    chown(target, e);
                }
                return;
            }
            mkdirs(parent);
            Path target = parent.resolve(base);
            ensureInside(target, e.getName());
            Map<String, Object> existing = unixAttrs(target);
            if (existing != null) {
                boolean existingDir = isType((Integer) existing.get("mode"), 0040000);
                if (existingDir && e.isDirectory()) {
                    // keep it; metadata below
                } else {
                    if (opts.noOverwriteDirNonDir() && existingDir != e.isDirectory()) {
                        throw WharfException.invalid(existingDir
                                ? "cannot overwrite directory \"%s\" with non-directory \"%s\""
                                : "cannot overwrite non-directory \"%s\" with directory \"%s\"", "/" + root.relativize(target), e.getName());
                    }
                    removeAll(target);
                }
            }
            if (e.isDirectory()) {
                if (existing == null || !isType((Integer) existing.get("mode"), 0040000)) Files.createDirectory(target);
            } else if (e.isSymbolicLink()) {
                Files.createSymbolicLink(target, Path.of(e.getLinkName()));
            } else if (e.isLink()) {
                String linkName = cleanEntryName(e.getLinkName());
                if (linkName.isEmpty()) throw WharfException.invalid("invalid hardlink %s -> %s", e.getName(), e.getLinkName());
                int ls = linkName.lastIndexOf('/');
                Path lparent = resolveInRoot(root, inDest(ls < 0 ? "" : linkName.substring(0, ls)), true);
                Path src = lparent.resolve(linkName.substring(ls + 1));
                ensureInside(src, e.getLinkName());
                Map<String, Object> sa = unixAttrs(src);
                if (sa == null && destRel.isEmpty() && inParents(linkName) != null) {
                    Path from = inParents(linkName);
                    Files.copy(from, target, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES, NOFOLLOW);
                    Map<String, Object> fa = unixAttrs(from);
                    Native.lchown(target, (Integer) fa.get("uid"), (Integer) fa.get("gid"));
                    Native.chmod(target, (Integer) fa.get("mode") & 07777);
                    return;
                }
                if (sa == null) throw WharfException.invalid("invalid hardlink %s -> %s: target does not exist", e.getName(), e.getLinkName());
                if (isType((Integer) sa.get("mode"), 0040000)) throw WharfException.invalid("invalid hardlink %s -> %s: target is a directory", e.getName(), e.getLinkName());
                Files.createLink(target, src);
                return; // a hardlink shares the target's metadata
            } else if (e.isCharacterDevice() || e.isBlockDevice() || e.isFIFO()) {
                if (!opts.allowDevices()) throw WharfException.invalid("refusing to create device file %s", e.getName());
                int t = e.isCharacterDevice() ? Native.S_IFCHR : e.isBlockDevice() ? Native.S_IFBLK : Native.S_IFIFO;
                Native.mknod(target, t | (e.getMode() & 07777), e.getDevMajor(), e.getDevMinor());
            } else if (e.isFile()) {
                try (var out = java.nio.channels.FileChannel.open(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, NOFOLLOW)) {
                    copy(data, out, e.getSize());
                } catch (FileAlreadyExistsException x) {
                    throw WharfException.invalid("tar entry %s raced with an existing file", e.getName());
                }
            } else {
                return; // other types (contiguous files, sparse markers) are not supported; skip as Go's tar does
            }
            chown(target, e);
            if (!e.isSymbolicLink()) Native.chmod(target, e.getMode() & 07777);
            for (Map.Entry<String, String> h : e.getExtraPaxHeaders().entrySet()) {
                if (!h.getKey().startsWith(PAX_XATTR)) continue;
                String x = h.getKey().substring(PAX_XATTR.length());
                if (x.startsWith("trusted.overlay.")) continue; // never let a tar forge overlay metadata
                try {
                    Native.lsetxattr(target, x, h.getValue().getBytes(StandardCharsets.UTF_8));
                } catch (IOException ignored) {
                    // xattrs are best effort (e.g. security.* namespaces the fs refuses)
                }
            }
            FileTime mtime = e.getLastModifiedTime();
            if (e.isDirectory()) {
                dirTimes.add(Map.entry(target, mtime));
            } else {
                Native.lutimes(target, mtime.toInstant().getEpochSecond(), mtime.toInstant().getNano());
            }
        }

        /** Reused for file contents: big layer files go in 1 MiB writes (transferTo's 16 KiB made ~6,400 per 100 MiB). */
        private byte[] copyBuf;
        private java.nio.ByteBuffer copyDirect;

        void copy(InputStream data, java.nio.channels.FileChannel out, long size) throws IOException {
            if (size <= 0) return;
            if (copyBuf == null) {
                int n = (int) Math.min(1 << 20, Math.max(size, 64 * 1024));
                copyBuf = new byte[n];
            } else if (copyBuf.length < (1 << 20) && size > copyBuf.length) {
                copyBuf = new byte[(int) Math.min(1 << 20, size)];
                copyDirect = null;
            }
            if (copyDirect == null) copyDirect = java.nio.ByteBuffer.allocateDirect(copyBuf.length);
            int k;
            while ((k = data.readNBytes(copyBuf, 0, copyBuf.length)) > 0) {
                // our own direct buffer: a heap buffer would be copied into a temporary direct one on every write
                copyDirect.clear();
                copyDirect.put(copyBuf, 0, k).flip();
                while (copyDirect.hasRemaining()) out.write(copyDirect);
            }
        }

        void chown(Path target, TarArchiveEntry e) throws IOException {
            int uid = opts.preserveOwner() ? (int) e.getLongUserId() : opts.uid();
            int gid = opts.preserveOwner() ? (int) e.getLongGroupId() : opts.gid();
            Native.lchown(target, uid, gid);
        }

        void ensureInside(Path p, String entryName) {
            if (!p.normalize().startsWith(root)) {
                throw WharfException.invalid("invalid tar entry %s: path escapes the destination", entryName);
            }
        }

        void mkdirs(Path dir) throws IOException {
            if (Files.isDirectory(dir, NOFOLLOW)) return;
            Path rel = root.relativize(dir);
            Path cur = root;
            for (Path c : rel) {
                cur = cur.resolve(c);
                Map<String, Object> a = unixAttrs(cur);
                if (a == null) {
                    Files.createDirectory(cur);
                } else if (!isType((Integer) a.get("mode"), 0040000)) {
                    throw WharfException.invalid("cannot create directory %s: a non-directory is in the way", "/" + root.relativize(cur));
                }
            }
        }
    }

    /** Deletes a file, symlink or whole directory tree without following symlinks. */
    public static void removeAll(Path p) throws IOException {
        Map<String, Object> a = unixAttrs(p);
        if (a == null) return;
        if (isType((Integer) a.get("mode"), 0040000)) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(p)) {
                for (Path c : ds) removeAll(c);
            }
        }
        Files.deleteIfExists(p);
    }

    static final class CountingInputStream extends java.io.FilterInputStream {
        long count;

        CountingInputStream(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) count++;
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) count += n;
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            long s = super.skip(n);
            count += s;
            return s;
        }
    }
}
