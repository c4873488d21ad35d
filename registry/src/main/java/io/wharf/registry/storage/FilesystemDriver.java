package io.wharf.registry.storage;

import io.wharf.common.AtomicFiles;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * The default {@link StorageDriver}: plain files under a root directory. Atomicity comes from write-to-temp, fsync,
 * rename, fsync-directory, so a crash leaves each file either absent, old, or complete.
 */
public final class FilesystemDriver implements StorageDriver {
    private final Path root;

    public FilesystemDriver(Path root) throws IOException {
        this.root = root.toAbsolutePath().normalize();
        Files.createDirectories(this.root);
    }

    public Path root() {
        return root;
    }

    private Path resolve(String path) {
        return root.resolve(StorageDriver.checkPath(path));
    }

    @Override
    public byte[] getContent(String path) throws IOException {
        try {
            return Files.readAllBytes(resolve(path));
        } catch (NoSuchFileException e) {
            throw new PathNotFoundException(path);
        }
    }

    /**
     * Like {@link AtomicFiles#write} (temporary sibling, fsync, rename, fsync the directory), with the parents it
     * creates made durable too. The new directories are fsynced after the temporary file: that file's fsync already
     * commits the journal transaction holding the mkdirs (ext4, xfs), so theirs cost little instead of one journal
     * commit each; all of them precede the rename, so the name never appears in a directory a crash could lose.
     */
    @Override
    public void putContent(String path, byte[] content) throws IOException {
        Path p = resolve(path);
        Path dir = p.getParent();
        List<Path> created = createDirs(dir);
        Path tmp = dir.resolve("." + p.getFileName() + ".tmp-" + ProcessHandle.current().pid() + "-" + Thread.currentThread().threadId());
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
                ByteBuffer buf = ByteBuffer.wrap(content);
                while (buf.hasRemaining()) ch.write(buf);
                ch.force(true);
            }
            fsyncParents(created);
            Files.move(tmp, p, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        AtomicFiles.fsyncDir(dir);
    }

    /** Creates missing parents and makes their entries durable before returning. */
    private void mkdirs(Path dir) throws IOException {
        fsyncParents(createDirs(dir));
    }

    /**
     * Creates the missing directories down to {@code dir}, outermost first, and returns them; their entries are not
     * durable until {@link #fsyncParents}. A directory another thread created meanwhile is returned too: its creator
     * may not have fsynced its parent yet, and we are about to rely on it.
     */
    private List<Path> createDirs(Path dir) throws IOException {
        if (Files.isDirectory(dir)) return List.of();
        if (!dir.startsWith(root)) throw new IOException("outside the storage root: " + dir);
        List<Path> created = new ArrayList<>(createDirs(dir.getParent()));
        try {
            Files.createDirectory(dir);
        } catch (java.nio.file.FileAlreadyExistsException raced) {
            if (!Files.isDirectory(dir)) throw raced;
        }
        created.add(dir);
        return created;
    }

    /** fsyncs the parent of each new directory, so a crash cannot lose the directory with what is put in it. */
    private static void fsyncParents(List<Path> created) throws IOException {
        java.util.Set<Path> parents = new java.util.LinkedHashSet<>();
        for (Path d : created) parents.add(d.getParent());
        for (Path parent : parents) AtomicFiles.fsyncDir(parent);
    }

    @Override
    public InputStream reader(String path, long offset) throws IOException {
        FileChannel ch;
        try {
            ch = FileChannel.open(resolve(path), StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new PathNotFoundException(path);
        }
        if (offset > ch.size()) {
            ch.close();
            throw new IOException("offset " + offset + " beyond size of " + path);
        }
        ch.position(offset);
        return Channels.newInputStream(ch);
    }

    @Override
    public FileWriter writer(String path, boolean append) throws IOException {
        Path p = resolve(path);
        mkdirs(p.getParent());
        FileChannel ch = append
                ? FileChannel.open(p, StandardOpenOption.CREATE, StandardOpenOption.WRITE)
                : FileChannel.open(p, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
        ch.position(ch.size());
        return new FsWriter(p, ch);
    }

    private static final class FsWriter implements FileWriter {
        private final Path file;
        private final FileChannel ch;
        private final Writeback writeback;
        private long size;
        private boolean closed;

        FsWriter(Path file, FileChannel ch) throws IOException {
            this.file = file;
            this.ch = ch;
            this.size = ch.size();
            this.writeback = new Writeback(file, size);
        }

        @Override
        public long size() {
            return size;
        }

        @Override
        public void write(ByteBuffer src) throws IOException {
            if (closed) throw new IOException("writer closed");
            while (src.hasRemaining()) size += ch.write(src);
            writeback.written(size);
        }

        @Override
        public void commit() throws IOException {
            ch.force(false);
        }

        @Override
        public void cancel() throws IOException {
            close();
            Files.deleteIfExists(file);
        }

        @Override
        public void close() throws IOException {
            if (!closed) {
                closed = true;
                writeback.close();
                ch.close();
            }
        }
    }

    @Override
    public FileInfo stat(String path) throws IOException {
        try {
            BasicFileAttributes a = Files.readAttributes(resolve(path), BasicFileAttributes.class);
            return new FileInfo(path, a.isDirectory() ? 0 : a.size(), a.isDirectory(), a.lastModifiedTime().toMillis());
        } catch (NoSuchFileException e) {
            throw new PathNotFoundException(path);
        }
    }

    @Override
    public List<String> list(String path) throws IOException {
        Path dir = resolve(path);
        List<String> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            s.forEach(p -> {
                String n = p.getFileName().toString();
                if (!n.startsWith(".")) out.add(path + "/" + n); // dot files are in-flight temporaries
            });
        } catch (NoSuchFileException e) {
            throw new PathNotFoundException(path);
        }
        out.sort(null);
        return out;
    }

    @Override
    public void move(String source, String dest) throws IOException {
        Path s = resolve(source), d = resolve(dest);
        if (!Files.exists(s)) throw new PathNotFoundException(source);
        mkdirs(d.getParent());
        try {
            Files.move(s, d, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException | DirectoryNotEmptyException e) {
            throw new IOException("cannot move " + source + " to " + dest + " atomically", e);
        }
        AtomicFiles.fsyncDir(d.getParent());
    }

    @Override
    public void delete(String path) throws IOException {
        Path p = resolve(path);
        if (!Files.exists(p)) throw new PathNotFoundException(path);
        Files.walkFileTree(p, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.deleteIfExists(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                Files.deleteIfExists(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    @Override
    public void walk(String path, Consumer<FileInfo> visitor) throws IOException {
        Path start = resolve(path);
        if (!Files.isDirectory(start)) throw new PathNotFoundException(path);
        Files.walkFileTree(start, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes a) {
                if (dir.equals(start)) return FileVisitResult.CONTINUE;
                if (dir.getFileName().toString().startsWith(".")) return FileVisitResult.SKIP_SUBTREE;
                visitor.accept(new FileInfo(rel(dir), 0, true, a.lastModifiedTime().toMillis()));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes a) {
                if (!file.getFileName().toString().startsWith(".")) {
                    visitor.accept(new FileInfo(rel(file), a.size(), false, a.lastModifiedTime().toMillis()));
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException exc) {
                return FileVisitResult.CONTINUE; // deleted while walking (GC racing a delete): not an error
            }
        });
    }

    private String rel(Path p) {
        return root.relativize(p).toString();
    }

    @Override
    public Optional<Path> localFile(String path) {
        Path p = resolve(path);
        return Files.isRegularFile(p) ? Optional.of(p) : Optional.empty();
    }
}
