package io.wharf.image;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.wharf.common.AtomicFiles;
import io.wharf.common.Json;
import io.wharf.common.WharfException;
import io.wharf.oci.Digest;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Layer snapshots on overlayfs, after containerd's overlay snapshotter (naming from its Snapshotter interface:
 * prepare / commit / mounts / remove).
 *
 * <p>Layout under the root ({@code /var/lib/wharf/snapshots}): {@code <n>/fs} is one snapshot's directory, where n is a
 * small integer so that overlay mount options stay short; {@code <n>/work} is the overlay workdir of an active one.
 * {@code meta/layers/<chainid-hex>.json} records a committed layer, {@code meta/active/<key>.json} an active
 * (container) snapshot. A snapshot directory no metadata names is a crash leftover and is deleted at start.
 *
 * <p>Layer format (the choice the brief asked for): each layer directory holds exactly that layer's diff in
 * <em>overlayfs format</em>: OCI whiteouts {@code .wh.x} become 0/0 character devices and {@code .wh..wh..opq}
 * becomes {@code trusted.overlay.opaque=y} on the directory, applied at extraction (containerd's
 * OverlayConvertWhiteout). So a rootfs is a plain overlay mount over the untouched layer directories, and a diff
 * of a container's upper directory converts them back.
 *
 * <p>Layers are identified by chain ID (OCI config.md#layer-chainid): chain(L0) = diffID(L0),
 * chain(Ln) = sha256(chain(Ln-1) + " " + diffID(Ln)).
 */
public final class Snapshotter {
    /** A committed layer snapshot. {@code parent} is the chain ID below it (null for a base layer). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Layer(Digest chainId, Digest diffId, Digest parent, long size, int n) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Active(String key, Digest parent, int n, boolean init) {}

    /**
     * Docker's init layer (daemon/initlayer): mount targets the engine binds over, created when the image lacks them
     * so that the runtime never creates them in the writable layer (where they would show in {@code docker diff} and be
     * committed). Values: "dir", "file", or a symlink target.
     */
    static final Map<String, String> DOCKER_INIT = initPaths();

    private static Map<String, String> initPaths() {
        Map<String, String> m = new java.util.LinkedHashMap<>();
        m.put("dev/pts", "dir");
        m.put("dev/shm", "dir");
        m.put("proc", "dir");
        m.put("sys", "dir");
        m.put(".dockerenv", "file");
        m.put("etc/resolv.conf", "file");
        m.put("etc/hosts", "file");
        m.put("etc/hostname", "file");
        m.put("dev/console", "file");
        m.put("etc/mtab", "/proc/mounts");
        return java.util.Collections.unmodifiableMap(m);
    }

    private static final Pattern KEY = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}");
    /** Leave room below the 4096-byte page mount(2) copies its data into. */
    private static final int MOUNT_DATA_MAX = 4000;

    private final Path root;
    private final Path layersMeta;
    private final Path activeMeta;
    private final Map<Digest, Layer> layers = new HashMap<>();
    private final Map<String, Active> active = new HashMap<>();
    private final Map<Digest, ReentrantLock> applying = new ConcurrentHashMap<>();
    private int next = 1;

    public Snapshotter(Path root) {
        root = root.toAbsolutePath().normalize();
        // overlay's mount data separates options with ',' and lowerdirs with ':'
        if (root.toString().contains(",") || root.toString().contains(":")) {
            throw WharfException.invalid("snapshot root %s must not contain ',' or ':'", root);
        }
        this.root = root;
        this.layersMeta = root.resolve("meta/layers");
        this.activeMeta = root.resolve("meta/active");
        try {
            Files.createDirectories(layersMeta);
            Files.createDirectories(activeMeta);
            Files.createDirectories(root.resolve("empty"));
            load();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void load() throws IOException {
        Set<Integer> used = new HashSet<>();
        try (Stream<Path> s = Files.list(layersMeta)) {
            for (Path p : s.filter(p -> p.toString().endsWith(".json")).toList()) {
                Layer l = Json.MAPPER.readValue(Files.readAllBytes(p), Layer.class);
                layers.put(l.chainId(), l);
                used.add(l.n());
            }
        }
        try (Stream<Path> s = Files.list(activeMeta)) {
            for (Path p : s.filter(p -> p.toString().endsWith(".json")).toList()) {
                Active a = Json.MAPPER.readValue(Files.readAllBytes(p), Active.class);
                if (used.contains(a.n())) {
                    Files.delete(p); // a commit that crashed after writing the layer record: the layer owns n
                    continue;
                }
                active.put(a.key(), a);
                used.add(a.n());
            }
        }
        try (Stream<Path> s = Files.list(root)) {
            for (Path p : s.toList()) {
                String name = p.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit)) continue;
                int n = Integer.parseInt(name);
                next = Math.max(next, n + 1);
                if (!used.contains(n)) Archive.removeAll(p);
            }
        }
    }

    public Path root() {
        return root;
    }

    /** chain IDs for a list of diff IDs (bottom first). */
    public static List<Digest> chainIds(List<Digest> diffIds) {
        List<Digest> out = new ArrayList<>(diffIds.size());
        Digest chain = null;
        for (Digest d : diffIds) {
            chain = chain == null ? d : Digest.sha256((chain + " " + d).getBytes(StandardCharsets.UTF_8));
            out.add(chain);
        }
        return out;
    }

    public static Digest chainId(Digest parentChain, Digest diffId) {
        return parentChain == null ? diffId : Digest.sha256((parentChain + " " + diffId).getBytes(StandardCharsets.UTF_8));
    }

    public synchronized Optional<Layer> layer(Digest chainId) {
        return Optional.ofNullable(layers.get(chainId));
    }

    public synchronized List<Layer> layers() {
        return List.copyOf(layers.values());
    }

    /** The directory holding a committed layer's diff (overlay format). */
    public Path layerDir(Layer l) {
        return root.resolve(Integer.toString(l.n())).resolve("fs");
    }

    private synchronized int allocate() {
        while (true) {
            int n = next++;
            Path d = root.resolve(Integer.toString(n));
            try {
                Files.createDirectory(d);
                return n;
            } catch (java.nio.file.FileAlreadyExistsException e) {
                // taken by a leftover; try the next
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /**
     * Extracts an uncompressed layer tar as the layer {@code diffId} on top of {@code parentChain} (null for a base
     * layer), verifying that the tar's sha256 is {@code diffId}. Idempotent: an existing layer is returned as is
     * (the stream is then not read). A mismatch or a bad tar leaves nothing behind (INVALID_ARGUMENT).
     */
    public Layer applyLayer(Digest parentChain, Digest diffId, InputStream tar) {
        return applyLayer(parentChain, diffId, tar, null);
    }

    /**
     * The last word before an extracted layer becomes visible: called after the tar was extracted and matched its
     * diff ID, before the layer record is written. Throwing discards the extracted directory (nothing is kept);
     * e.g. a pull checks there that the compressed blob the tar came from matched its digest.
     */
    @FunctionalInterface
    public interface CommitGate {
        void check() throws IOException, InterruptedException;
    }

    /** What a {@link CommitGate} threw, unwrapped by the caller (ImageService) into the original exception. */
    public static final class GateException extends RuntimeException {
        GateException(Exception cause) {
            super(cause.getMessage(), cause);
        }
    }

    /**
     * Like {@link #applyLayer(Digest, Digest, InputStream)}; when {@code gate} is given, the extracted layer becomes
     * visible only if it passes ({@link CommitGate}). Extraction goes into a fresh numbered directory that no record
     * names until then, so a crash or a failure at any point leaves only a leftover that the next start deletes.
     * What the gate throws comes out wrapped in a {@link GateException}.
     */
    public Layer applyLayer(Digest parentChain, Digest diffId, InputStream tar, CommitGate gate) {
        Digest chain = chainId(parentChain, diffId);
        if (parentChain != null && layer(parentChain).isEmpty()) {
            throw WharfException.precondition("parent layer %s does not exist", parentChain);
        }
        ReentrantLock lock = applying.computeIfAbsent(chain, k -> new ReentrantLock());
        lock.lock();
        try {
            Optional<Layer> have = layer(chain);
            if (have.isPresent()) return have.get();
            int n = allocate();
            Path dir = root.resolve(Integer.toString(n));
            boolean ok = false;
            try {
                Path fs = dir.resolve("fs");
                Files.createDirectory(fs);
                MessageDigest md = Digest.newSha256();
                List<Path> parents = parentChain == null ? List.of() : lowerDirs(parentChain);
                long size = Archive.applyLayer(fs, new DigestInputStream(tar, md), ExtractOptions.LAYER, parents);
                Digest actual = Digest.ofSha256(md);
                if (!actual.equals(diffId)) {
                    throw WharfException.invalid("layer content digest %s does not match diff_id %s", actual, diffId);
                }
                if (gate != null) {
                    try {
                        gate.check();
                    } catch (IOException | InterruptedException | RuntimeException e) {
                        if (e instanceof InterruptedException) Thread.currentThread().interrupt();
                        throw new GateException(e);
                    }
                }
                Layer l = new Layer(chain, diffId, parentChain, size, n);
                AtomicFiles.writeJson(layersMeta.resolve(chain.hex() + ".json"), l);
                synchronized (this) {
                    layers.put(chain, l);
                }
                ok = true;
                return l;
            } catch (IOException e) {
                throw new WharfException(io.wharf.common.ErrorKind.INVALID_ARGUMENT, "cannot apply layer " + diffId + ": " + e.getMessage(), e);
            } finally {
                if (!ok) removeQuietly(dir);
            }
        } finally {
            lock.unlock();
            applying.remove(chain, lock);
        }
    }

    /** Directories of a chain, top first (the order of overlay's lowerdir). */
    public synchronized List<Path> lowerDirs(Digest chainId) {
        List<Path> out = new ArrayList<>();
        Digest c = chainId;
        while (c != null) {
            Layer l = layers.get(c);
            if (l == null) throw WharfException.notFound("layer %s not found", c);
            out.add(layerDir(l));
            c = l.parent();
        }
        return out;
    }

    private static void checkKey(String key) {
        if (key == null || !KEY.matcher(key).matches()) throw WharfException.invalid("invalid snapshot key %s", key);
    }

    /**
     * Creates an active (writable) snapshot {@code key} on top of the layer {@code parentChain} (null: empty) and
     * returns its mount. ALREADY_EXISTS when the key is taken.
     */
    public Mount prepare(String key, Digest parentChain) {
        return prepare(key, parentChain, false);
    }

    /**
     * Like {@link #prepare(String, Digest)}; with {@code dockerInit} a read-only init directory with docker's mount
     * targets ({@link #DOCKER_INIT}) sits between the layers and the writable directory, as docker's {@code -init}
     * layer does. Diffs and commits see only the writable directory.
     */
    public Mount prepare(String key, Digest parentChain, boolean dockerInit) {
        checkKey(key);
        synchronized (this) {
            if (active.containsKey(key)) throw WharfException.alreadyExists("snapshot %s already exists", key);
            if (parentChain != null && !layers.containsKey(parentChain)) throw WharfException.notFound("layer %s not found", parentChain);
        }
        try {
            int n = allocate();
            Path dir = root.resolve(Integer.toString(n));
            Files.createDirectory(dir.resolve("fs"));
            Files.createDirectory(dir.resolve("work"));
            if (dockerInit) {
                Path init = Files.createDirectory(dir.resolve("init"));
                List<Path> below = parentChain == null ? List.of() : lowerDirs(parentChain);
                for (var e : DOCKER_INIT.entrySet()) {
                    if (existsInLayers(below, e.getKey())) continue;
                    Path p = init.resolve(e.getKey());
                    Files.createDirectories(p.getParent());
                    switch (e.getValue()) {
                        case "dir" -> Files.createDirectories(p);
                        case "file" -> Files.createFile(p);
                        default -> Files.createSymbolicLink(p, Path.of(e.getValue()));
                    }
                    if (!e.getValue().startsWith("/")) Native.chmod(p, 0755);
                }
            }
            Active a = new Active(key, parentChain, n, dockerInit);
            synchronized (this) {
                if (active.containsKey(key)) {
                    removeQuietly(dir);
                    throw WharfException.alreadyExists("snapshot %s already exists", key);
                }
                AtomicFiles.writeJson(activeMeta.resolve(key + ".json"), a);
                active.put(key, a);
            }
            return mounts(key);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * containerd's Commit: turns the active snapshot {@code key} into the committed layer {@code diffId} on top of its
     * parent, without copying (its writable directory already holds overlay-format whiteouts, the layer format). The
     * caller has unmounted it and computed {@code diffId} (and {@code size}) from a diff of {@link #upperDir}. The
     * active snapshot is gone afterwards. If the layer exists already, the snapshot is just removed.
     */
    public Layer commit(String key, Digest diffId, long size) {
        Active a;
        synchronized (this) {
            a = activeOrThrow(key);
        }
        Digest chain = chainId(a.parent(), diffId);
        synchronized (this) {
            Layer have = layers.get(chain);
            if (have != null) {
                remove(key);
                return have;
            }
            Path dir = root.resolve(Integer.toString(a.n()));
            removeQuietly(dir.resolve("work"));
            removeQuietly(dir.resolve("init"));
            Layer l = new Layer(chain, diffId, a.parent(), size, a.n());
            try {
                // the layer record first: a crash in between leaves both records naming n, and load keeps the dir
                AtomicFiles.writeJson(layersMeta.resolve(chain.hex() + ".json"), l);
                Files.deleteIfExists(activeMeta.resolve(key + ".json"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            active.remove(key);
            layers.put(chain, l);
            return l;
        }
    }

    public synchronized boolean exists(String key) {
        return active.containsKey(key);
    }

    /** The parent layer chain ID of an active snapshot (null when it was prepared on nothing). */
    public synchronized Digest parentOf(String key) {
        return activeOrThrow(key).parent();
    }

    private Active activeOrThrow(String key) {
        Active a = active.get(key);
        if (a == null) throw WharfException.notFound("snapshot %s not found", key);
        return a;
    }

    /** The writable directory (overlay upperdir) of an active snapshot. */
    public synchronized Path upperDir(String key) {
        return root.resolve(Integer.toString(activeOrThrow(key).n())).resolve("fs");
    }

    /** Whether {@code rel} exists in the union of {@code layers} (top first), honouring whiteouts. */
    static boolean existsInLayers(List<Path> layers, String rel) {
        for (Path l : layers) {
            Map<String, Object> a = Archive.unixAttrs(l.resolve(rel));
            if (a == null) continue;
            int mode = (Integer) a.get("mode");
            return !(Archive.isType(mode, 0020000) && (Long) a.get("rdev") == 0);
        }
        return false;
    }

    /**
     * The read-only directories under an active snapshot's writable one, top first: its init directory (if any),
     * then the layers of its parent chain. Empty for a snapshot prepared on nothing without init.
     */
    public synchronized List<Path> lowers(String key) {
        Active a = activeOrThrow(key);
        List<Path> out = new ArrayList<>();
        if (a.init()) out.add(root.resolve(Integer.toString(a.n())).resolve("init"));
        if (a.parent() != null) out.addAll(lowerDirs(a.parent()));
        return out;
    }

    /** The overlay mount of an active snapshot. Uses relative lowerdirs when absolute ones exceed a page. */
    public synchronized Mount mounts(String key) {
        Active a = activeOrThrow(key);
        Path dir = root.resolve(Integer.toString(a.n()));
        List<Path> lowers = lowers(key);
        if (lowers.isEmpty()) lowers = List.of(root.resolve("empty"));
        Mount abs = overlay(lowers, dir.resolve("fs"), dir.resolve("work"), null);
        if (abs.data().length() <= MOUNT_DATA_MAX) return abs;
        Mount rel = overlay(lowers, dir.resolve("fs"), dir.resolve("work"), root);
        if (rel.data().length() > MOUNT_DATA_MAX) {
            throw WharfException.invalid("too many layers (%d) for one overlay mount", lowers.size());
        }
        return rel;
    }

    /** A read-only overlay of {@code dirs} (top first; e.g. a container's upper dir, init dir and layers). */
    Mount readOnlyView(List<Path> dirs) {
        List<Path> lowers = new ArrayList<>(dirs);
        // overlay needs two lowers without an upper
        while (lowers.size() < 2) lowers.add(root.resolve("empty"));
        Mount abs = overlay(lowers, null, null, null);
        return abs.data().length() <= MOUNT_DATA_MAX ? abs : overlay(lowers, null, null, root);
    }

    private Mount overlay(List<Path> lowers, Path upper, Path work, Path relativeTo) {
        List<String> parts = new ArrayList<>();
        for (Path p : lowers) parts.add(rel(p, relativeTo));
        List<String> opts = new ArrayList<>();
        opts.add("index=off");
        opts.add("lowerdir=" + String.join(":", parts));
        if (upper != null) {
            opts.add("upperdir=" + rel(upper, relativeTo));
            opts.add("workdir=" + rel(work, relativeTo));
        }
        return new Mount("overlay", "overlay", opts, relativeTo);
    }

    private static String rel(Path p, Path relativeTo) {
        return relativeTo == null ? p.toString() : relativeTo.relativize(p).toString();
    }

    /**
     * Mounts {@code m} on {@code target} (created if missing). Relative mounts run {@code mount(8)} from the
     * {@link Mount#relativeTo} directory, since the JVM cannot chdir one thread (moby's mountFrom does the same).
     */
    public static void mount(Mount m, Path target) {
        try {
            Files.createDirectories(target);
            if (m.relativeTo() == null) {
                Native.mount(m.source(), target, m.type(), 0, m.data());
                return;
            }
            Process p = new ProcessBuilder("mount", "-t", m.type(), m.source(), "-o", m.data(), target.toAbsolutePath().toString())
                    .directory(m.relativeTo().toFile()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (p.waitFor() != 0) throw WharfException.internal("mount " + target + ": " + out, null);
        } catch (IOException e) {
            throw Native.wrap("mount " + target, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw WharfException.internal("interrupted", e);
        }
    }

    /** Unmounts {@code target} (lazily, so a busy mount never blocks removal); not mounted is not an error. */
    public static void unmount(Path target) {
        try {
            Native.umount(target, Native.MNT_DETACH);
        } catch (Native.ErrnoException e) {
            if (e.errno == Native.EINVAL || e.errno == Native.ENOENT) return;
            throw Native.wrap("unmount " + target, e);
        } catch (IOException e) {
            throw Native.wrap("unmount " + target, e);
        }
    }

    /** Whether something is mounted exactly at {@code target} (per /proc/self/mountinfo). */
    public static boolean isMounted(Path target) {
        try {
            String t = target.toAbsolutePath().normalize().toString();
            for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
                String[] f = line.split(" ");
                if (f.length > 4 && f[4].replace("\\040", " ").equals(t)) return true;
            }
            return false;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Removes an active snapshot and its directories; absent keys are ignored. The caller unmounts first. */
    public void remove(String key) {
        Active a;
        synchronized (this) {
            a = active.remove(key);
            if (a == null) return;
            try {
                Files.deleteIfExists(activeMeta.resolve(key + ".json"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        removeQuietly(root.resolve(Integer.toString(a.n())));
    }

    /** Chain IDs that active snapshots or other layers stand on (so must stay). */
    synchronized Set<Digest> referencedChains() {
        Set<Digest> out = new HashSet<>();
        for (Active a : active.values()) {
            for (Digest c = a.parent(); c != null; c = layers.containsKey(c) ? layers.get(c).parent() : null) out.add(c);
        }
        return out;
    }

    /**
     * Removes a committed layer when no active snapshot and no other layer stands on it. Returns whether it was
     * removed.
     */
    public boolean removeLayer(Digest chainId) {
        Layer l;
        synchronized (this) {
            l = layers.get(chainId);
            if (l == null) return false;
            if (referencedChains().contains(chainId)) return false;
            for (Layer o : layers.values()) if (chainId.equals(o.parent())) return false;
            layers.remove(chainId);
            try {
                Files.deleteIfExists(layersMeta.resolve(chainId.hex() + ".json"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        removeQuietly(root.resolve(Integer.toString(l.n())));
        return true;
    }

    /** Keys of active snapshots. */
    public synchronized List<String> activeKeys() {
        return List.copyOf(active.keySet());
    }

    /** Bytes used by a directory tree (apparent sizes of regular files), for SizeRw / df. */
    public static long usage(Path dir) {
        long[] total = {0};
        try (Stream<Path> s = Files.walk(dir)) {
            s.forEach(p -> {
                if (Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    try {
                        total[0] += Files.size(p);
                    } catch (IOException ignored) {
                        // vanished
                    }
                }
            });
        } catch (IOException | UncheckedIOException e) {
            return total[0];
        }
        return total[0];
    }

    private static void removeQuietly(Path p) {
        try {
            Archive.removeAll(p);
        } catch (IOException e) {
            // leftovers are collected at the next start
        }
    }
}
