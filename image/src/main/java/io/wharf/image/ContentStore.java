package io.wharf.image;

import io.wharf.common.AtomicFiles;
import io.wharf.common.WharfException;
import io.wharf.oci.Digest;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Blobs by digest, as containerd's content store: {@code <root>/sha256/<hex>}. Writes are verified against the
 * expected digest (and size) before they become visible, and atomic (temp file, fsync, rename), so a blob that
 * exists is always complete and correct. Thread-safe: concurrent writers of one digest race harmlessly.
 */
public final class ContentStore {
    private final Path root;
    private final Path ingest;

    /** @param root the content directory, e.g. {@code /var/lib/wharf/content} */
    public ContentStore(Path root) {
        this.root = root;
        this.ingest = root.resolve("ingest");
        try {
            Files.createDirectories(root.resolve("sha256"));
            Files.createDirectories(ingest);
            // leftovers of writes interrupted by a crash
            try (Stream<Path> s = Files.list(ingest)) {
                s.forEach(p -> p.toFile().delete());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Path root() {
        return root;
    }

    /** Where the blob lives (whether or not it exists). Read-only use: never write there. */
    public Path path(Digest d) {
        return root.resolve(d.algorithm()).resolve(d.hex());
    }

    public boolean exists(Digest d) {
        return Files.isRegularFile(path(d));
    }

    /** Size in bytes; NOT_FOUND when absent. */
    public long size(Digest d) {
        try {
            return Files.size(path(d));
        } catch (NoSuchFileException e) {
            throw WharfException.notFound("blob %s not found", d);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public InputStream open(Digest d) {
        try {
            return Files.newInputStream(path(d));
        } catch (NoSuchFileException e) {
            throw WharfException.notFound("blob %s not found", d);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public byte[] read(Digest d) {
        try {
            return Files.readAllBytes(path(d));
        } catch (NoSuchFileException e) {
            throw WharfException.notFound("blob %s not found", d);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Stores {@code data} under its sha256 and returns that digest. */
    public Digest write(byte[] data) {
        Digest d = Digest.sha256(data);
        if (exists(d)) return d;
        try {
            AtomicFiles.write(path(d), data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return d;
    }

    /**
     * Streams a blob in. When {@code expected} is given the content must hash to it (else INVALID_ARGUMENT and
     * nothing is stored); when {@code expectedSize >= 0} the length must match too. Returns the digest.
     */
    public Digest write(InputStream in, Digest expected, long expectedSize) {
        if (expected != null && exists(expected)) {
            try {
                in.transferTo(OutputStream.nullOutputStream());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return expected;
        }
        try (Writer w = writer()) {
            in.transferTo(w);
            return w.commit(expected, expectedSize);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** An ingest: bytes written to it are hashed; {@link Writer#commit} verifies and publishes them. */
    public Writer writer() {
        try {
            return new Writer(ingest.resolve(UUID.randomUUID().toString()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public final class Writer extends OutputStream {
        static final long FLUSH_BEHIND = 16L << 20;
        private final Path tmp;
        private final FileChannel ch;
        private final DigestOutputStream out;
        private final MessageDigest md = Digest.newSha256();
        private long count;
        private boolean done;
        private long sinceFlush;
        private Thread flusher;

        private Writer(Path tmp) throws IOException {
            this.tmp = tmp;
            this.ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            this.out = new DigestOutputStream(new java.io.BufferedOutputStream(Channels.newOutputStream(ch), 1 << 16), md);
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count += len;
            sinceFlush += len;
            if (sinceFlush >= FLUSH_BEHIND) flushBehind();
        }

        /**
         * Every {@link #FLUSH_BEHIND} bytes, starts an fdatasync of what is written so far on another thread (if the
         * last one is done), so the disk writes a big blob back while it arrives and the fsync at {@link #commit}
         * finds little left: for a 100 MiB layer that fsync was ~40 ms at the end of every pull. Durability is
         * unchanged: commit still forces everything before the rename.
         */
        private void flushBehind() throws IOException {
            if (flusher != null && flusher.isAlive()) return;
            out.flush();
            sinceFlush = 0;
            flusher = Thread.ofVirtual().name("content-flush").start(() -> {
                try {
                    ch.force(false);
                } catch (IOException ignored) {
                    // closed under it (an aborted write), or a real error that commit's own force reports
                }
            });
        }

        private void awaitFlusher() {
            Thread f = flusher;
            if (f == null) return;
            boolean interrupted = false;
            while (true) {
                try {
                    f.join();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) Thread.currentThread().interrupt();
        }

        public long count() {
            return count;
        }

        /** Verifies and publishes the blob; returns its digest. The writer is closed afterwards. */
        public Digest commit(Digest expected, long expectedSize) throws IOException {
            out.flush();
            awaitFlusher();
            ch.force(true);
            ch.close();
            done = true;
            Digest actual = Digest.ofSha256(md);
            try {
                if (expected != null && !expected.equals(actual)) {
                    throw WharfException.invalid("digest mismatch: expected %s, got %s", expected, actual);
                }
                if (expectedSize >= 0 && expectedSize != count) {
                    throw WharfException.invalid("size mismatch for %s: expected %d, got %d", actual, expectedSize, count);
                }
                Path target = path(actual);
                if (!Files.exists(target)) {
                    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                    AtomicFiles.fsyncDir(target.getParent());
                }
                return actual;
            } finally {
                Files.deleteIfExists(tmp);
            }
        }

        @Override
        public void close() throws IOException {
            if (!done) {
                done = true;
                awaitFlusher();
                try {
                    out.close();
                } finally {
                    Files.deleteIfExists(tmp);
                }
            }
        }
    }

    /** Removes a blob; absent blobs are ignored. */
    public void delete(Digest d) {
        try {
            Files.deleteIfExists(path(d));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public List<Digest> list() {
        List<Digest> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(root.resolve("sha256"))) {
            s.forEach(p -> {
                try {
                    out.add(new Digest("sha256", p.getFileName().toString()));
                } catch (WharfException ignored) {
                    // not a blob
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }
}
