package io.wharf.registry.storage;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * A {@link StorageDriver} in memory, for tests: it has no local files, so the server must stream blobs through
 * {@link #reader} instead of sendfile, and the contract suite checks that the interface does not lean on a file
 * system. Directories are implied by file paths, as in object stores.
 */
public final class InMemoryDriver implements StorageDriver {
    private record Entry(byte[] data, long modified) {}

    private final TreeMap<String, Entry> files = new TreeMap<>();

    private synchronized Entry get(String path) throws PathNotFoundException {
        Entry e = files.get(StorageDriver.checkPath(path));
        if (e == null) throw new PathNotFoundException(path);
        return e;
    }

    private synchronized boolean isDir(String path) {
        String prefix = StorageDriver.checkPath(path) + "/";
        String k = files.ceilingKey(prefix);
        return k != null && k.startsWith(prefix);
    }

    @Override
    public byte[] getContent(String path) throws IOException {
        return get(path).data().clone();
    }

    @Override
    public synchronized void putContent(String path, byte[] content) {
        files.put(StorageDriver.checkPath(path), new Entry(content.clone(), System.currentTimeMillis()));
    }

    @Override
    public InputStream reader(String path, long offset) throws IOException {
        byte[] d = get(path).data();
        if (offset > d.length) throw new IOException("offset " + offset + " beyond size of " + path);
        return new ByteArrayInputStream(d, (int) offset, d.length - (int) offset);
    }

    @Override
    public FileWriter writer(String path, boolean append) {
        StorageDriver.checkPath(path);
        synchronized (this) {
            Entry e = files.get(path);
            if (e == null || !append) putContent(path, new byte[0]);
        }
        return new FileWriter() {
            private boolean closed;

            @Override
            public long size() {
                synchronized (InMemoryDriver.this) {
                    Entry e = files.get(path);
                    return e == null ? 0 : e.data().length;
                }
            }

            @Override
            public void write(ByteBuffer src) throws IOException {
                if (closed) throw new IOException("writer closed");
                synchronized (InMemoryDriver.this) {
                    byte[] old = files.get(path).data();
                    byte[] n = Arrays.copyOf(old, old.length + src.remaining());
                    src.get(n, old.length, src.remaining());
                    files.put(path, new Entry(n, System.currentTimeMillis()));
                }
            }

            @Override
            public void commit() {}

            @Override
            public void cancel() {
                closed = true;
                synchronized (InMemoryDriver.this) {
                    files.remove(path);
                }
            }

            @Override
            public void close() {
                closed = true;
            }
        };
    }

    @Override
    public synchronized FileInfo stat(String path) throws IOException {
        Entry e = files.get(StorageDriver.checkPath(path));
        if (e != null) return new FileInfo(path, e.data().length, false, e.modified());
        if (isDir(path)) return new FileInfo(path, 0, true, System.currentTimeMillis());
        throw new PathNotFoundException(path);
    }

    @Override
    public synchronized List<String> list(String path) throws IOException {
        if (!isDir(path)) throw new PathNotFoundException(path);
        String prefix = path + "/";
        List<String> out = new ArrayList<>();
        for (String k : files.tailMap(prefix).keySet()) {
            if (!k.startsWith(prefix)) break;
            int slash = k.indexOf('/', prefix.length());
            String child = slash < 0 ? k : k.substring(0, slash);
            if (out.isEmpty() || !out.getLast().equals(child)) out.add(child);
        }
        return out;
    }

    @Override
    public synchronized void move(String source, String dest) throws IOException {
        StorageDriver.checkPath(dest);
        Entry e = files.remove(StorageDriver.checkPath(source));
        if (e != null) {
            files.put(dest, e);
            return;
        }
        if (!isDir(source)) throw new PathNotFoundException(source);
        Map<String, Entry> moved = new TreeMap<>(files.subMap(source + "/", source + "0")); // '0' sorts right after '/'
        for (var m : moved.entrySet()) {
            files.remove(m.getKey());
            files.put(dest + m.getKey().substring(source.length()), m.getValue());
        }
    }

    @Override
    public synchronized void delete(String path) throws IOException {
        if (files.remove(StorageDriver.checkPath(path)) != null) return;
        if (!isDir(path)) throw new PathNotFoundException(path);
        files.subMap(path + "/", path + "0").clear();
    }

    @Override
    public void walk(String path, Consumer<FileInfo> visitor) throws IOException {
        List<FileInfo> all = new ArrayList<>();
        synchronized (this) {
            if (!isDir(path)) throw new PathNotFoundException(path);
            String prefix = path + "/";
            java.util.Set<String> dirs = new java.util.HashSet<>();
            for (var e : files.subMap(prefix, path + "0").entrySet()) {
                String k = e.getKey();
                // every directory between path and the file, parents first
                for (int i = k.indexOf('/', prefix.length()); i >= 0; i = k.indexOf('/', i + 1)) {
                    String d = k.substring(0, i);
                    if (dirs.add(d)) all.add(new FileInfo(d, 0, true, e.getValue().modified()));
                }
                all.add(new FileInfo(k, e.getValue().data().length, false, e.getValue().modified()));
            }
        }
        all.forEach(visitor);
    }
}
