package io.wharf.registry.storage;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * The registry's storage, after distribution's {@code storagedriver.StorageDriver}: a tree of byte files named by
 * slash-separated relative paths ({@code blobs/sha256/ab/<hex>/data}). Drivers know nothing of blobs or manifests.
 *
 * <p>Lifecycle of a write: {@link #putContent} is atomic (readers see the old or the new bytes, never a mix) and
 * durable when it returns. Large content goes through a {@link FileWriter}: bytes are appended, {@link
 * FileWriter#commit()} makes them durable, and {@link #move} publishes them atomically under their final name. A
 * writer opened with {@code append=true} resumes after the bytes already stored (a dropped upload continues).
 *
 * <p>Errors: a missing path is {@link PathNotFoundException}; everything else is an {@link IOException}.
 * Implementations are thread-safe; concurrent writers to one path are the caller's business.
 */
public interface StorageDriver {
    /** The whole content of a (small) file. */
    byte[] getContent(String path) throws IOException;

    /** Stores {@code content} at {@code path} atomically and durably, creating parents. */
    void putContent(String path, byte[] content) throws IOException;

    /** A stream of the file's bytes from {@code offset} (which may equal the size: an empty stream). */
    InputStream reader(String path, long offset) throws IOException;

    /** A writer for {@code path}; with {@code append} it continues after the existing bytes, else truncates. */
    FileWriter writer(String path, boolean append) throws IOException;

    /** Size, kind and modification time of a file or directory. */
    FileInfo stat(String path) throws IOException;

    /** The direct children of a directory, as full paths, sorted. */
    List<String> list(String path) throws IOException;

    /** Moves a file or directory atomically, replacing a file at {@code dest}; creates {@code dest}'s parents. */
    void move(String source, String dest) throws IOException;

    /** Deletes a file or a directory tree; deleting a missing path throws {@link PathNotFoundException}. */
    void delete(String path) throws IOException;

    /** Visits every file and directory under {@code path} (depth first, parents before children, not {@code path}). */
    void walk(String path, Consumer<FileInfo> visitor) throws IOException;

    /**
     * The local file behind {@code path} when the driver keeps one, so the server can send it with zero-copy
     * {@code sendfile}. Drivers without local files return empty and are read through {@link #reader}.
     */
    default Optional<Path> localFile(String path) {
        return Optional.empty();
    }

    /** Metadata of one stored path. */
    record FileInfo(String path, long size, boolean directory, long modifiedMillis) {}

    /** An append-only writer; see distribution's {@code FileWriter}. */
    interface FileWriter extends Closeable {
        /** Bytes stored so far, including those that were there when an appending writer opened. */
        long size();

        void write(ByteBuffer src) throws IOException;

        /** Makes everything written durable (fsync); the writer stays usable. */
        void commit() throws IOException;

        /** Removes the file being written. */
        void cancel() throws IOException;
    }

    /** Thrown for a path that does not exist. */
    final class PathNotFoundException extends IOException {
        public PathNotFoundException(String path) {
            super("path not found: " + path);
        }
    }

    Pattern SEGMENT = Pattern.compile("[A-Za-z0-9_.-]+");

    /** Rejects absolute paths, empty segments and {@code .}/{@code ..}: a driver path can never escape its root. */
    static String checkPath(String path) {
        if (path == null || path.isEmpty()) throw new IllegalArgumentException("empty storage path");
        for (String seg : path.split("/", -1)) {
            if (!SEGMENT.matcher(seg).matches() || seg.equals(".") || seg.equals("..")) {
                throw new IllegalArgumentException("invalid storage path: " + path);
            }
        }
        return path;
    }
}
