package io.wharf.image;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.wharf.common.AtomicFiles;
import io.wharf.common.Json;
import io.wharf.common.WharfException;
import io.wharf.oci.Descriptor;
import io.wharf.oci.Digest;
import io.wharf.oci.ImageConfig;
import io.wharf.oci.Platform;
import io.wharf.oci.Reference;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Images, as dockerd's image service: records and references (tags and repo digests) over a {@link ContentStore}
 * and a {@link Snapshotter}, plus import, commit, save, load, export and container root filesystems.
 *
 * <p>On disk under {@code root} (default {@code /var/lib/wharf}): {@code content/} (blobs: configs, uncompressed
 * layer tars named by diff ID, manifests and compressed layers from registries), {@code snapshots/},
 * {@code images/meta/<id-hex>.json} (one per image: parent, times, owned blobs), {@code images/refs.json}
 * (full reference → image ID), {@code tmp/}. Every metadata write is atomic (AtomicFiles), so a {@code kill -9}
 * leaves the old or the new state; an image whose meta exists always has its config and layers in place, because
 * they are written first.
 *
 * <p>Thread-safe. Metadata changes hold one lock; layer extraction and tar streaming run outside it.
 */
public final class ImageService {
    public static final Path DEFAULT_ROOT = Path.of("/var/lib/wharf");
    /** sha256 of the 1024 zero bytes Go's tar writer emits for an empty archive: docker's "empty layer". */
    public static final Digest EMPTY_LAYER = Digest.sha256(new byte[1024]);

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Meta(Digest id, Digest parent, Instant created, Instant lastTagTime, List<Digest> blobs) {
        Meta {
            blobs = blobs == null ? List.of() : List.copyOf(blobs);
        }

        Meta withLastTagTime(Instant t) {
            return new Meta(id, parent, created, t, blobs);
        }

        Meta withBlobs(List<Digest> b) {
            return new Meta(id, parent, created, lastTagTime, b);
        }
    }

    record RefsFile(Map<String, Digest> refs) {}

    record CompressedFile(Map<Digest, Descriptor> layers) {}

    /**
     * What a registry push needs, all present in the content store: the config blob, one compressed blob per layer
     * and the manifest bytes naming them (Docker v2 schema 2 when every layer is gzip, else OCI).
     */
    public record PushBundle(Descriptor config, List<Descriptor> layers, byte[] manifest, Digest manifestDigest, String mediaType) {}

    private final Path root;
    private final Clock clock;
    private final ContentStore content;
    private final Snapshotter snapshotter;
    private final Path metaDir;
    private final Path refsFile;
    private final Path tmp;
    private final Object lock = new Object();
    private final Map<Digest, Meta> metas = new HashMap<>();
    private final Map<Digest, ImageConfig> configs = new HashMap<>();
    private final TreeMap<String, Digest> refs = new TreeMap<>();
    /** Built Image views, dropped on every metadata change (docker ps / images resolve names often). */
    private final Map<Digest, Image> views = new HashMap<>();
    private final Map<String, Reference> parsedRefs = new HashMap<>();
    /** diff ID → the compressed blob that carries it (pulled, or made for a push). */
    private final Map<Digest, Descriptor> compressed = new HashMap<>();
    private final Path compressedFile;

    public ImageService(Path root) {
        this(root, Clock.systemUTC());
    }

    public ImageService(Path root, Clock clock) {
        String jnu = System.getProperty("sun.jnu.encoding", "");
        if (!jnu.equalsIgnoreCase("UTF-8")) {
            // file names in layers are bytes, mostly UTF-8; without a UTF-8 locale the JDK cannot name them
            org.slf4j.LoggerFactory.getLogger(ImageService.class).warn(
                    "file name encoding is {}, not UTF-8: layers with non-ASCII file names will fail. Start the JVM with LC_ALL=C.UTF-8", jnu);
        }
        this.root = root.toAbsolutePath();
        this.clock = clock;
        this.content = new ContentStore(this.root.resolve("content"));
        this.snapshotter = new Snapshotter(this.root.resolve("snapshots"));
        this.metaDir = this.root.resolve("images/meta");
        this.refsFile = this.root.resolve("images/refs.json");
        this.compressedFile = this.root.resolve("images/compressed.json");
        this.tmp = this.root.resolve("tmp");
        try {
            Files.createDirectories(metaDir);
            lockRoot(this.root.resolve("images/.lock"));
            Files.createDirectories(tmp);
            try (Stream<Path> s = Files.list(tmp)) {
                for (Path p : s.toList()) {
                    // a view left mounted by a crash: detach it before deleting, never delete through it
                    Snapshotter.unmount(p.resolve("merged"));
                    if (Snapshotter.isMounted(p.resolve("merged"))) continue;
                    Archive.removeAll(p);
                }
            }
            load();
            collectOrphanLayers();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Channels of held root locks, kept open for the life of the process. */
    private static final Map<Path, java.nio.channels.FileChannel> LOCKS = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * One process per root: start-up cleans temp dirs and orphan layers, which would break another process's
     * in-flight pull or load. Several instances in one process are tolerated (tests reopen a root to check
     * durability), though they should share one.
     */
    private static void lockRoot(Path lockFile) throws IOException {
        Path key = lockFile.toAbsolutePath().normalize();
        if (LOCKS.containsKey(key)) return;
        java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(key, java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.WRITE);
        java.nio.channels.FileLock l;
        try {
            l = ch.tryLock();
        } catch (java.nio.channels.OverlappingFileLockException e) {
            ch.close();
            return;
        }
        if (l == null) {
            ch.close();
            throw WharfException.unavailable("the image store %s is in use by another process", key.getParent().getParent());
        }
        if (LOCKS.putIfAbsent(key, ch) != null) ch.close();
    }

    /**
     * At start (when no pull can be in flight): drops layers that no image and no container snapshot stands on,
     * left by pulls, loads or builds that died half-way.
     */
    private void collectOrphanLayers() {
        Set<Digest> used = new HashSet<>();
        for (Meta m : metas.values()) used.addAll(Snapshotter.chainIds(config(m.id()).diffIds()));
        boolean again = true;
        while (again) {
            again = false;
            for (Snapshotter.Layer l : snapshotter.layers()) {
                if (!used.contains(l.chainId()) && snapshotter.removeLayer(l.chainId())) again = true;
            }
        }
    }

    private void load() throws IOException {
        if (Files.exists(compressedFile)) {
            CompressedFile cf = Json.MAPPER.readValue(Files.readAllBytes(compressedFile), CompressedFile.class);
            if (cf.layers() != null) compressed.putAll(cf.layers());
        }
        try (Stream<Path> s = Files.list(metaDir)) {
            for (Path p : s.filter(p -> p.toString().endsWith(".json")).toList()) {
                Meta m = Json.MAPPER.readValue(Files.readAllBytes(p), Meta.class);
                if (!content.exists(m.id())) continue; // config lost: the image cannot be used
                metas.put(m.id(), m);
            }
        }
        if (Files.exists(refsFile)) {
            RefsFile rf = Json.MAPPER.readValue(Files.readAllBytes(refsFile), RefsFile.class);
            if (rf.refs() != null) {
                rf.refs().forEach((k, v) -> {
                    if (metas.containsKey(v)) refs.put(k, v);
                });
            }
        }
    }

    public Path root() {
        return root;
    }

    public ContentStore content() {
        return content;
    }

    public Snapshotter snapshotter() {
        return snapshotter;
    }

    // ================================================================ lookups

    /** The image a name, reference or (short) ID names, after moby's GetImage; NOT_FOUND "No such image: x". */
    public Image get(String nameOrId) {
        return find(nameOrId).orElseThrow(() -> WharfException.notFound("No such image: %s", displayName(nameOrId)));
    }

    private static String displayName(String nameOrId) {
        try {
            if (!Reference.looksLikeId(nameOrId)) return Reference.parse(nameOrId).withDefaultTag().familiarString();
        } catch (WharfException ignored) {
            // keep as typed
        }
        return nameOrId;
    }

    public Optional<Image> find(String nameOrId) {
        synchronized (lock) {
            Digest id = resolveId(nameOrId);
            return id == null ? Optional.empty() : Optional.of(toImage(metas.get(id)));
        }
    }

    public Image get(Digest id) {
        synchronized (lock) {
            Meta m = metas.get(id);
            if (m == null) throw WharfException.notFound("No such image: %s", id);
            return toImage(m);
        }
    }

    /** The exact config bytes (the image ID is their sha256). */
    public byte[] configBytes(Digest id) {
        return content.read(id);
    }

    private Digest resolveId(String s) {
        if (s == null || s.isEmpty()) return null;
        if (s.startsWith("sha256:") && s.length() == 71) {
            try {
                Digest d = Digest.parse(s);
                return metas.containsKey(d) ? d : null;
            } catch (WharfException e) {
                return null;
            }
        }
        try {
            if (!(s.length() == 64 && Reference.looksLikeId(s))) {
                Reference r = Reference.parse(s).withDefaultTag();
                Digest id = refs.get(r.toString());
                if (id != null) return id;
            }
        } catch (WharfException ignored) {
            // not a reference; maybe an ID prefix
        }
        if (Reference.looksLikeId(s)) {
            String hex = s.startsWith("sha256:") ? s.substring(7) : s;
            Digest found = null;
            for (Digest d : metas.keySet()) {
                if (d.hex().startsWith(hex)) {
                    if (found != null) throw WharfException.invalid("multiple IDs found with provided prefix: %s", s);
                    found = d;
                }
            }
            return found;
        }
        return null;
    }

    private static boolean isIdPrefix(Digest id, String s) {
        return id.hex().startsWith(s) || id.toString().startsWith(s);
    }

    private ImageConfig config(Digest id) {
        return configs.computeIfAbsent(id, d -> ImageConfig.parse(content.read(d)));
    }

    private List<Reference> referencesTo(Digest id) {
        List<Reference> out = new ArrayList<>();
        refs.forEach((k, v) -> {
            if (v.equals(id)) out.add(parsedRefs.computeIfAbsent(k, Reference::parse));
        });
        return out;
    }

    private Image toImage(Meta m) {
        Image cached = views.get(m.id());
        if (cached != null) return cached;
        Image img = buildImage(m);
        views.put(m.id(), img);
        return img;
    }

    private Image buildImage(Meta m) {
        ImageConfig c = config(m.id());
        List<String> tags = new ArrayList<>();
        List<String> digests = new ArrayList<>();
        for (Reference r : referencesTo(m.id())) {
            if (r.isCanonical()) digests.add(r.familiarString());
            else tags.add(r.familiarString());
        }
        tags.sort(null);
        digests.sort(null);
        List<Digest> chains = Snapshotter.chainIds(c.diffIds());
        long size = 0;
        for (Digest ch : chains) size += snapshotter.layer(ch).map(Snapshotter.Layer::size).orElse(0L);
        Instant created = c.createdAt() != null ? c.createdAt() : m.created();
        return new Image(m.id(), c, tags, digests, m.parent(), created, size, m.lastTagTime(), chains);
    }

    /** The unpacked size of each layer by chain ID (what {@code docker system df} adds up and shares out). */
    public Map<Digest, Long> layerSizes() {
        synchronized (lock) {
            Map<Digest, Long> out = new HashMap<>();
            for (Snapshotter.Layer l : snapshotter.layers()) out.put(l.chainId(), l.size());
            return out;
        }
    }

    /** {@code docker images}: newest first. */
    public List<Image> list(ImageFilter f) {
        synchronized (lock) {
            Instant before = f.before() == null ? null : get(f.before()).created();
            Instant since = f.since() == null ? null : get(f.since()).created();
            List<Pattern> refPatterns = f.references().stream().map(ImageService::goPathMatch).toList();
            Set<Digest> parents = new HashSet<>();
            for (Meta m : metas.values()) if (m.parent() != null) parents.add(m.parent());
            List<Image> out = new ArrayList<>();
            for (Meta m : metas.values()) {
                Image img = toImage(m);
                if (!f.all() && img.dangling() && parents.contains(img.id())) continue;
                if (f.dangling() != null && f.dangling() != img.dangling()) continue;
                if (!labelsMatch(img, f.labels())) continue;
                if (before != null && !img.created().isBefore(before)) continue;
                if (since != null && !img.created().isAfter(since)) continue;
                if (f.until() != null && !img.created().isBefore(f.until())) continue;
                if (!refPatterns.isEmpty() && !referenceMatches(img, refPatterns)) continue;
                out.add(img);
            }
            out.sort(Comparator.comparing(Image::created).reversed().thenComparing(i -> i.id().toString()));
            return out;
        }
    }

    private static boolean labelsMatch(Image img, List<String> labels) {
        Map<String, String> have = img.config().configOrEmpty().labels();
        for (String l : labels) {
            int eq = l.indexOf('=');
            String k = eq < 0 ? l : l.substring(0, eq);
            if (have == null || !have.containsKey(k)) return false;
            if (eq >= 0 && !l.substring(eq + 1).equals(have.get(k))) return false;
        }
        return true;
    }

    private boolean referenceMatches(Image img, List<Pattern> patterns) {
        for (Reference r : referencesTo(img.id())) {
            for (Pattern p : patterns) {
                if (p.matcher(r.familiarString()).matches() || p.matcher(r.familiarName()).matches()) return true;
            }
        }
        return false;
    }

    /**
     * Whether a familiar reference as an image lists it ({@code nginx:alpine}, {@code host:5000/x:1},
     * {@code x@sha256:…}) matches one of the {@code reference} filter patterns. dockerd shows only the matching
     * RepoTags/RepoDigests of a listed image when that filter is given, so {@code docker images nginx:alpine} prints one row.
     */
    public static boolean referenceMatches(String familiar, List<String> patterns) {
        int at = familiar.indexOf('@');
        int slash = familiar.lastIndexOf('/');
        int colon = familiar.lastIndexOf(':');
        String name = at >= 0 ? familiar.substring(0, at) : colon > slash ? familiar.substring(0, colon) : familiar;
        for (String g : patterns) {
            Pattern p = goPathMatch(g);
            if (p.matcher(familiar).matches() || p.matcher(name).matches()) return true;
        }
        return false;
    }

    /** Go's path.Match as a regex: {@code *} and {@code ?} do not cross {@code /}; {@code [...]} classes; {@code \} escapes. */
    static Pattern goPathMatch(String glob) {
        StringBuilder re = new StringBuilder();
        for (int i = 0; i < glob.length(); i++) {
            char c = glob.charAt(i);
            switch (c) {
                case '*' -> re.append("[^/]*");
                case '?' -> re.append("[^/]");
                case '\\' -> {
                    if (i + 1 < glob.length()) re.append(Pattern.quote(String.valueOf(glob.charAt(++i))));
                }
                case '[' -> {
                    int end = glob.indexOf(']', i + 1);
                    if (end < 0) {
                        re.append("\\[");
                    } else {
                        String cls = glob.substring(i + 1, end);
                        if (cls.startsWith("^")) cls = "^" + cls.substring(1).replace("\\", "\\\\").replace("[", "\\[");
                        else cls = cls.replace("\\", "\\\\").replace("[", "\\[");
                        re.append('[').append(cls).append(']');
                        i = end;
                    }
                }
                default -> re.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return Pattern.compile(re.toString());
    }

    /** {@code docker history}, newest first (moby's ImageHistory). */
    public List<HistoryItem> history(String nameOrId) {
        synchronized (lock) {
            Image img = get(nameOrId);
            ImageConfig c = img.config();
            List<Digest> chains = img.chainIds();
            List<HistoryItem> rows = new ArrayList<>();
            int layer = 0;
            List<ImageConfig.History> hist = c.history() == null ? List.of() : c.history();
            for (ImageConfig.History h : hist) {
                long size = 0;
                if (!h.isEmptyLayer()) {
                    if (layer < chains.size()) size = snapshotter.layer(chains.get(layer)).map(Snapshotter.Layer::size).orElse(0L);
                    layer++;
                }
                rows.addFirst(new HistoryItem("<missing>", h.createdAt(), h.createdBy() == null ? "" : h.createdBy(), List.of(), size,
                        h.comment() == null ? "" : h.comment()));
            }
            // fill IDs and tags by walking local parents, one per row from the top (as moby does)
            Digest id = img.id();
            List<HistoryItem> out = new ArrayList<>();
            for (HistoryItem r : rows) {
                if (id != null) {
                    Image at = metas.containsKey(id) ? toImage(metas.get(id)) : null;
                    out.add(new HistoryItem(id.toString(), r.created(), r.createdBy(), at == null ? List.of() : at.repoTags(), r.size(), r.comment()));
                    id = at == null ? null : at.parent();
                } else {
                    out.add(r);
                }
            }
            return out;
        }
    }

    // ================================================================ references

    /**
     * {@code docker tag source target}: target is repo[:tag] (default {@code latest}); a digest is refused. A tag
     * that pointed at another image moves (that image may become dangling).
     */
    public void tag(String source, String target) {
        Reference r = Reference.parse(target);
        if (r.isCanonical()) throw WharfException.invalid("refusing to create a tag with a digest reference");
        synchronized (lock) {
            Image img = get(source);
            addRef(r.withDefaultTag(), img.id());
            persistRefs();
        }
    }

    /** Records a repo digest ({@code name@sha256:…}, from a pull or push) for an image. */
    public void addRepoDigest(Digest imageId, Reference canonical) {
        if (!canonical.isCanonical()) throw WharfException.invalid("%s has no digest", canonical);
        synchronized (lock) {
            if (!metas.containsKey(imageId)) throw WharfException.notFound("No such image: %s", imageId);
            refs.put(canonical.repository().withDigest(canonical.digest()).toString(), imageId);
            persistRefs();
        }
    }

    /** Adds a tag; returns the image it took the tag from (null if none or the same). Caller persists refs. */
    private Digest addRef(Reference r, Digest id) {
        Digest prev = refs.put(r.toString(), id);
        Meta m = metas.get(id);
        if (m != null && !r.isCanonical()) {
            m = m.withLastTagTime(clock.instant());
            metas.put(id, m);
            writeMeta(m);
        }
        return prev == null || prev.equals(id) ? null : prev;
    }

    private void persistRefs() {
        views.clear();
        try {
            AtomicFiles.writeJson(refsFile, new RefsFile(new LinkedHashMap<>(refs)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void writeMeta(Meta m) {
        views.clear();
        try {
            AtomicFiles.writeJson(metaDir.resolve(m.id().hex() + ".json"), m);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ================================================================ delete / prune

    private static final int CONFLICT_CHILD = 1, CONFLICT_RUNNING = 2, CONFLICT_ACTIVE_REF = 4, CONFLICT_STOPPED = 8;
    private static final int CONFLICT_HARD = CONFLICT_CHILD | CONFLICT_RUNNING;
    private static final int CONFLICT_SOFT = CONFLICT_ACTIVE_REF | CONFLICT_STOPPED;

    private record DeleteConflict(Digest id, boolean hard, boolean used, String message) {
        WharfException exception() {
            return WharfException.conflict("conflict: unable to delete %s (%s) - %s", id.shortHex(),
                    hard ? "cannot be forced" : "must be forced", message);
        }
    }

    /**
     * {@code docker rmi} with dockerd's rules (daemon/images/image_delete.go): a name removes that reference and
     * deletes the image only when it was the last one; an ID removes a single repository's references, else needs
     * force. CONFLICT ("conflict: unable to delete … (must be forced) - image is being used by stopped container …")
     * when a container uses it (running: even with force), or child images exist. With {@code prune}, untagged
     * parents are deleted too.
     */
    public List<DeleteItem> delete(String nameOrId, boolean force, boolean prune, ContainerUsage usage) {
        synchronized (lock) {
            Image img = get(nameOrId);
            Digest id = img.id();
            List<DeleteItem> records = new ArrayList<>();
            List<Reference> repoRefs = referencesTo(id);
            boolean removedRepositoryRef = false;
            try {
                if (!isIdPrefix(id, nameOrId)) {
                    if (!force && repoRefs.size() == 1) {
                        List<ContainerUsage.User> users = usage.containersUsing(id);
                        if (!users.isEmpty()) {
                            throw WharfException.conflict("conflict: unable to remove repository reference \"%s\" (must force) - container %s is using its referenced image %s",
                                    nameOrId, shortId(users.getFirst().containerId()), id.shortHex());
                        }
                    }
                    Reference parsed = Reference.parse(nameOrId).withDefaultTag();
                    refs.remove(parsed.toString());
                    records.add(DeleteItem.untagged(parsed.familiarString()));
                    repoRefs = referencesTo(id);
                    if (!parsed.isCanonical()) {
                        boolean foundTag = repoRefs.stream().anyMatch(r -> !r.isCanonical() && r.name().equals(parsed.name()));
                        if (!foundTag) {
                            for (Reference r : repoRefs) {
                                if (r.isCanonical() && r.name().equals(parsed.name())) {
                                    refs.remove(r.toString());
                                    records.add(DeleteItem.untagged(r.familiarString()));
                                }
                            }
                        }
                    }
                    if (!referencesTo(id).isEmpty()) return records;
                    removedRepositoryRef = true;
                } else if (isSingleReference(repoRefs)) {
                    int mask = CONFLICT_HARD;
                    if (!force) mask |= CONFLICT_SOFT & ~CONFLICT_ACTIVE_REF;
                    DeleteConflict c = checkConflict(id, mask, usage);
                    if (c != null) throw c.exception();
                    for (Reference r : repoRefs) {
                        refs.remove(r.toString());
                        records.add(DeleteItem.untagged(r.familiarString()));
                    }
                }
                deleteHelper(id, records, force, prune, removedRepositoryRef, usage);
                return records;
            } finally {
                persistRefs();
            }
        }
    }

    private static String shortId(String id) {
        return id.length() > 12 ? id.substring(0, 12) : id;
    }

    private static boolean isSingleReference(List<Reference> repoRefs) {
        if (repoRefs.size() <= 1) return repoRefs.size() == 1;
        Reference single = null;
        Set<String> canonical = new HashSet<>();
        for (Reference r : repoRefs) {
            if (r.isCanonical()) canonical.add(r.name());
            else if (single == null) single = r;
            else return false;
        }
        if (single == null) single = repoRefs.getFirst();
        return canonical.size() == 1 && canonical.contains(single.name());
    }

    private DeleteConflict checkConflict(Digest id, int mask, ContainerUsage usage) {
        if ((mask & CONFLICT_CHILD) != 0 && metas.values().stream().anyMatch(m -> id.equals(m.parent()))) {
            return new DeleteConflict(id, true, false, "image has dependent child images");
        }
        List<ContainerUsage.User> users = (mask & (CONFLICT_RUNNING | CONFLICT_STOPPED)) != 0 ? usage.containersUsing(id) : List.of();
        if ((mask & CONFLICT_RUNNING) != 0) {
            for (ContainerUsage.User u : users) {
                if (u.running()) return new DeleteConflict(id, true, true, "image is being used by running container " + shortId(u.containerId()));
            }
        }
        if ((mask & CONFLICT_ACTIVE_REF) != 0 && !referencesTo(id).isEmpty()) {
            return new DeleteConflict(id, false, false, "image is referenced in multiple repositories");
        }
        if ((mask & CONFLICT_STOPPED) != 0) {
            for (ContainerUsage.User u : users) {
                if (!u.running()) return new DeleteConflict(id, false, true, "image is being used by stopped container " + shortId(u.containerId()));
            }
        }
        return null;
    }

    private void deleteHelper(Digest id, List<DeleteItem> records, boolean force, boolean prune, boolean quiet, ContainerUsage usage) {
        int mask = CONFLICT_HARD;
        if (!force) mask |= CONFLICT_SOFT;
        DeleteConflict c = checkConflict(id, mask, usage);
        if (c != null) {
            boolean dangling = referencesTo(id).isEmpty();
            if (quiet && (!dangling || c.used())) return;
            throw c.exception();
        }
        Meta m = metas.get(id);
        for (Reference r : referencesTo(id)) {
            refs.remove(r.toString());
            records.add(DeleteItem.untagged(r.familiarString()));
        }
        records.add(DeleteItem.deleted(id.toString()));
        records.addAll(removeImage(m));
        if (!prune || m.parent() == null || !metas.containsKey(m.parent())) return;
        deleteHelper(m.parent(), records, false, true, true, usage);
    }

    /** Drops an image record and whatever layers and blobs no other image needs. */
    private List<DeleteItem> removeImage(Meta m) {
        ImageConfig c = config(m.id());
        metas.remove(m.id());
        configs.remove(m.id());
        views.clear();
        try {
            Files.deleteIfExists(metaDir.resolve(m.id().hex() + ".json"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Set<Digest> usedChains = new HashSet<>();
        Set<Digest> usedBlobs = new HashSet<>();
        for (Meta o : metas.values()) {
            ImageConfig oc = config(o.id());
            usedChains.addAll(Snapshotter.chainIds(oc.diffIds()));
            usedBlobs.addAll(oc.diffIds());
            usedBlobs.addAll(o.blobs());
            usedBlobs.add(o.id());
        }
        List<DeleteItem> out = new ArrayList<>();
        List<Digest> chains = Snapshotter.chainIds(c.diffIds());
        for (int i = chains.size() - 1; i >= 0; i--) {
            Digest ch = chains.get(i);
            if (usedChains.contains(ch)) continue;
            if (snapshotter.removeLayer(ch)) out.add(DeleteItem.deleted(ch.toString()));
        }
        if (!usedBlobs.contains(m.id())) content.delete(m.id());
        boolean compressedChanged = false;
        for (Digest d : c.diffIds()) {
            if (usedBlobs.contains(d)) continue;
            content.delete(d);
            Descriptor z = compressed.remove(d);
            if (z != null) {
                compressedChanged = true;
                if (!usedBlobs.contains(z.digest())) content.delete(z.digest());
            }
        }
        if (compressedChanged) persistCompressed();
        for (Digest d : m.blobs()) if (!usedBlobs.contains(d)) content.delete(d);
        return out;
    }

    /**
     * {@code docker image prune} (moby's ImagesPrune): with {@code filter.dangling() != FALSE} only dangling images
     * without children; with {@code dangling=false} ({@code -a}) every image no container uses. Label and until
     * filters apply. Space reclaimed counts removed layers.
     */
    public PruneReport prune(ImageFilter filter, ContainerUsage usage) {
        synchronized (lock) {
            boolean danglingOnly = !Boolean.FALSE.equals(filter.dangling());
            Set<Digest> parents = new HashSet<>();
            for (Meta m : metas.values()) if (m.parent() != null) parents.add(m.parent());
            List<Digest> candidates = new ArrayList<>();
            for (Meta m : List.copyOf(metas.values())) {
                if (danglingOnly && parents.contains(m.id())) continue;
                Image img = toImage(m);
                if (filter.until() != null && !img.created().isBefore(filter.until())) continue;
                if (!labelsMatch(img, filter.labels())) continue;
                candidates.add(m.id());
            }
            Map<Digest, Long> layerSizes = new HashMap<>();
            for (Snapshotter.Layer l : snapshotter.layers()) layerSizes.put(l.chainId(), l.size());
            List<DeleteItem> deleted = new ArrayList<>();
            for (Digest id : candidates) {
                if (!metas.containsKey(id) || !usage.containersUsing(id).isEmpty()) continue;
                List<Reference> rs = referencesTo(id);
                try {
                    if (!rs.isEmpty()) {
                        boolean hasTag = rs.stream().anyMatch(r -> !r.isCanonical());
                        if (danglingOnly && hasTag) continue;
                        for (Reference r : rs) {
                            if (!metas.containsKey(id)) break;
                            deleted.addAll(delete(r.toString(), false, true, usage));
                        }
                    } else {
                        deleted.addAll(delete(id.hex(), false, true, usage));
                    }
                } catch (WharfException e) {
                    if (e.kind() != io.wharf.common.ErrorKind.CONFLICT) throw e;
                }
            }
            long space = 0;
            for (DeleteItem d : deleted) {
                if (d.deleted() != null) space += layerSizes.getOrDefault(Digest.parse(d.deleted()), 0L);
            }
            return new PruneReport(deleted, space);
        }
    }

    // ================================================================ creating images

    /**
     * Stores an uncompressed or compressed layer stream as the layer above {@code parentChain}: the uncompressed tar
     * goes to the content store (named by its diff ID), then is extracted into a snapshot. When {@code expectedDiffId}
     * is given the content must match it (INVALID_ARGUMENT otherwise, nothing kept). Returns the layer.
     */
    public Snapshotter.Layer unpackLayer(Digest parentChain, InputStream layer, Digest expectedDiffId) {
        Digest diffId;
        if (expectedDiffId != null && content.exists(expectedDiffId)) {
            diffId = expectedDiffId; // already verified when it was stored; skip reading the stream
        } else {
            try (InputStream in = Compression.decompress(layer)) {
                diffId = content.write(in, expectedDiffId, -1);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        Optional<Snapshotter.Layer> have = snapshotter.layer(Snapshotter.chainId(parentChain, diffId));
        if (have.isPresent()) return have.get();
        try (InputStream in = content.open(diffId)) {
            return snapshotter.applyLayer(parentChain, diffId, in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A pull's single pass over a layer: the (compressed or plain) stream is decompressed and extracted straight into
     * a new snapshot above {@code parentChain}, the uncompressed tar hashed on the way: it must be {@code diffId}.
     * Unlike {@link #unpackLayer} the uncompressed tar is not kept in the content store (that cost a second write,
     * fsync, re-read and hash of the whole layer); {@link #ensureUncompressed} makes it from the compressed blob if
     * {@code docker save} needs it. The layer becomes visible only when the tar matched and {@code gate} passed
     * (e.g. the compressed digest verified by the download); otherwise nothing is kept: IOException,
     * InterruptedException or RuntimeException as the gate threw, INVALID_ARGUMENT for a bad tar or diff ID.
     * An existing layer is returned as is, without reading the stream (the caller drains or closes it).
     */
    public Snapshotter.Layer applyLayerStream(Digest parentChain, InputStream layer, Digest diffId, Snapshotter.CommitGate gate)
            throws IOException, InterruptedException {
        Optional<Snapshotter.Layer> have = snapshotter.layer(Snapshotter.chainId(parentChain, diffId));
        if (have.isPresent()) return have.get();
        try (InputStream in = Compression.decompress(layer)) {
            return snapshotter.applyLayer(parentChain, diffId, in, gate);
        } catch (Snapshotter.GateException e) {
            Throwable c = e.getCause();
            if (c instanceof IOException io) throw io;
            if (c instanceof InterruptedException ie) throw ie;
            if (c instanceof RuntimeException re) throw re;
            throw e;
        }
    }

    /**
     * Makes sure the uncompressed tar of layer {@code diffId} is in the content store (docker save writes it;
     * pulled layers keep only their compressed blob, see {@link #applyLayerStream}): decompressed from the
     * remembered compressed blob and verified against {@code diffId}. FAILED_PRECONDITION when neither is here.
     */
    public void ensureUncompressed(Digest diffId) {
        if (content.exists(diffId)) return;
        Descriptor z;
        synchronized (lock) {
            z = compressed.get(diffId);
        }
        if (z == null || !content.exists(z.digest())) {
            throw WharfException.precondition("layer %s is missing from the content store", diffId);
        }
        try (InputStream in = Compression.decompress(content.open(z.digest()))) {
            content.write(in, diffId, -1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Registers an image whose config is {@code configBytes} and whose layers (config {@code rootfs.diff_ids}) are
     * already unpacked (see {@link #unpackLayer}). {@code blobs} are extra content digests the image owns (a pulled
     * manifest, compressed layers) and that are deleted with it. Returns the image ID. Idempotent.
     */
    public Digest register(byte[] configBytes, Digest parent, List<Digest> blobs) {
        ImageConfig c = ImageConfig.parse(configBytes);
        List<Digest> chains = Snapshotter.chainIds(c.diffIds());
        for (Digest ch : chains) {
            if (snapshotter.layer(ch).isEmpty()) throw WharfException.precondition("layer %s of the image is not unpacked", ch);
        }
        Digest id = content.write(configBytes);
        synchronized (lock) {
            Meta m = metas.get(id);
            if (m == null) {
                m = new Meta(id, parent != null && metas.containsKey(parent) ? parent : null, clock.instant(), null, blobs);
            } else if (blobs != null && !blobs.isEmpty()) {
                Set<Digest> all = new java.util.LinkedHashSet<>(m.blobs());
                all.addAll(blobs);
                m = m.withBlobs(List.copyOf(all));
            }
            metas.put(id, m);
            writeMeta(m);
        }
        return id;
    }

    /**
     * Tags {@code id} as {@code reference} (repo[:tag]); returns the ID of the image that lost the tag, or null.
     */
    public Digest tagImage(Digest id, String reference) {
        Reference r = Reference.parse(reference);
        if (r.isCanonical()) throw WharfException.invalid("refusing to create a tag with a digest reference");
        synchronized (lock) {
            if (!metas.containsKey(id)) throw WharfException.notFound("No such image: %s", id);
            Digest prev = addRef(r.withDefaultTag(), id);
            persistRefs();
            return prev;
        }
    }

    /**
     * {@code docker import}: a rootfs tar (plain, gzip, xz, bzip2, zstd) becomes a one-layer image with the given
     * changes, optionally tagged. Returns the image ID.
     */
    public Digest importImage(InputStream tar, ImportOptions opts) {
        Reference ref = opts.reference() == null || opts.reference().isEmpty() ? null : Reference.parse(opts.reference());
        if (ref != null && ref.isCanonical()) throw WharfException.invalid("cannot import with a digest reference");
        ImageConfig.ContainerConfig cc = Changes.apply(ImageConfig.ContainerConfig.EMPTY, opts.changes());
        Snapshotter.Layer layer = unpackLayer(null, tar, null);
        Platform p = opts.platform() == null || opts.platform().isEmpty() ? Platform.host() : Platform.parse(opts.platform());
        String now = ImageConfig.formatTime(clock.instant());
        String msg = opts.message() == null || opts.message().isEmpty() ? "Imported from -" : opts.message();
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put("comment", msg);
        ImageConfig c = new ImageConfig(p.architecture(), p.os(), null, p.variant(), now, null, cc,
                ImageConfig.RootFs.layers(List.of(layer.diffId())),
                List.of(new ImageConfig.History(now, null, null, msg, null)), extra);
        Digest id = register(c.toBytes(), null, List.of());
        if (ref != null) tagImage(id, ref.toString());
        return id;
    }

    /**
     * {@code docker commit} and build steps: a new image from the active snapshot {@code key}'s changes on top of
     * {@code baseImage} (null: scratch). Without changes in the upper dir (or with {@code emptyLayer}) no layer is
     * added and the history entry is {@code empty_layer}, as docker does. Returns the image ID.
     */
    public Digest commit(String key, Digest baseImage, CommitOptions opts) {
        ImageConfig base = baseImage == null ? null : get(baseImage).config();
        List<Digest> diffIds = new ArrayList<>(base == null ? List.of() : base.diffIds());
        boolean empty = opts.emptyLayer();
        Instant ts = opts.timestamp() != null ? opts.timestamp() : clock.instant();
        if (!empty) {
            Path upper = snapshotter.upperDir(key);
            Digest diffId;
            try (ContentStore.Writer w = content.writer()) {
                Archive.tarTree(upper, w, new Archive.TarOptions(true, opts.reproducible() ? ts : null));
                diffId = w.commit(null, -1);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            if (diffId.equals(EMPTY_LAYER)) {
                empty = true;
            } else {
                Digest parentChain = diffIds.isEmpty() ? null : Snapshotter.chainIds(diffIds).getLast();
                try (InputStream in = content.open(diffId)) {
                    snapshotter.applyLayer(parentChain, diffId, in);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                diffIds.add(diffId);
            }
        }
        ImageConfig.ContainerConfig cc = opts.config() != null ? opts.config() : base == null ? ImageConfig.ContainerConfig.EMPTY : base.configOrEmpty();
        cc = Changes.apply(cc, opts.changes());
        String created = ImageConfig.formatTime(ts);
        List<ImageConfig.History> history = new ArrayList<>(base == null || base.history() == null ? List.of() : base.history());
        history.add(new ImageConfig.History(created, opts.createdBy(), opts.author(), opts.comment(), empty ? Boolean.TRUE : null));
        Platform host = Platform.host();
        ImageConfig c = new ImageConfig(base != null && base.architecture() != null ? base.architecture() : host.architecture(),
                base != null && base.os() != null ? base.os() : host.os(),
                base == null ? null : base.osVersion(), base == null ? null : base.variant(), created, opts.author(), cc,
                ImageConfig.RootFs.layers(diffIds), history, new LinkedHashMap<>());
        Digest id = register(c.toBytes(), baseImage, List.of());
        if (opts.reference() != null && !opts.reference().isEmpty()) tagImage(id, opts.reference());
        return id;
    }

    // ================================================================ registry support

    /**
     * Remembers that {@code blob} (a compressed layer already in the content store, e.g. just pulled) carries the
     * layer {@code diffId}, so a later push reuses it instead of recompressing.
     */
    public void linkCompressed(Digest diffId, Descriptor blob) {
        synchronized (lock) {
            compressed.put(diffId, blob);
            persistCompressed();
        }
    }

    private void persistCompressed() {
        try {
            AtomicFiles.writeJson(compressedFile, new CompressedFile(new LinkedHashMap<>(compressed)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The compressed blob of a layer: the remembered one, or a gzip made now from the uncompressed blob. */
    public Descriptor compressedLayer(Digest diffId) {
        synchronized (lock) {
            Descriptor d = compressed.get(diffId);
            if (d != null && content.exists(d.digest())) return d;
        }
        if (!content.exists(diffId)) throw WharfException.notFound("layer %s is not in the content store", diffId);
        Digest gz;
        long size;
        try (ContentStore.Writer w = content.writer(); InputStream in = content.open(diffId)) {
            java.util.zip.GZIPOutputStream z = new java.util.zip.GZIPOutputStream(new Archive.NonClosing(w), 1 << 16);
            in.transferTo(z);
            z.finish();
            z.close();
            size = w.count();
            gz = w.commit(null, -1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Descriptor d = Descriptor.of(io.wharf.oci.MediaTypes.DOCKER_LAYER_GZIP, gz, size);
        linkCompressed(diffId, d);
        return d;
    }

    /** Prepares an image for {@code docker push}; the manifest is stored in the content store and owned by the image. */
    public PushBundle pushBundle(Digest imageId) {
        Image img = get(imageId);
        byte[] cfg = content.read(img.id());
        List<Descriptor> layers = new ArrayList<>();
        boolean allGzip = true;
        for (Digest d : img.diffIds()) {
            Descriptor l = compressedLayer(d);
            layers.add(l);
            allGzip &= io.wharf.oci.MediaTypes.layerCompression(l.mediaType()) == io.wharf.oci.MediaTypes.Compression.GZIP;
        }
        io.wharf.oci.Manifest m;
        if (allGzip) {
            layers = layers.stream().map(l -> Descriptor.of(io.wharf.oci.MediaTypes.DOCKER_LAYER_GZIP, l.digest(), l.size())).toList();
            m = io.wharf.oci.Manifest.docker(Descriptor.of(io.wharf.oci.MediaTypes.DOCKER_CONFIG, img.id(), cfg.length), layers);
        } else {
            layers = layers.stream().map(l -> Descriptor.of(switch (io.wharf.oci.MediaTypes.layerCompression(l.mediaType())) {
                case GZIP -> io.wharf.oci.MediaTypes.OCI_LAYER_GZIP;
                case ZSTD -> io.wharf.oci.MediaTypes.OCI_LAYER_ZSTD;
                case NONE -> io.wharf.oci.MediaTypes.OCI_LAYER_TAR;
            }, l.digest(), l.size())).toList();
            m = io.wharf.oci.Manifest.oci(Descriptor.of(io.wharf.oci.MediaTypes.OCI_CONFIG, img.id(), cfg.length), layers);
        }
        byte[] mb = m.toBytes();
        Digest md = content.write(mb);
        // compressed layers belong to their diff ID (see linkCompressed); the manifest to the image
        register(cfg, img.parent(), List.of(md));
        return new PushBundle(m.config(), layers, mb, md, m.mediaType());
    }

    // ================================================================ save / load

    /** {@code docker save}: streams a tar in dockerd ≥25's layout (see {@link ImageArchive}). */
    public void save(List<String> names, OutputStream out) {
        ImageArchive.save(this, names, out);
    }

    /** {@code docker load}: returns the lines docker prints ("Loaded image: busybox:latest", …). */
    public List<String> load(InputStream tar) {
        return ImageArchive.load(this, tar);
    }

    /** A fresh private directory under {@code tmp/}; the caller removes it. */
    Path newTempDir(String prefix) {
        try {
            return Files.createDirectory(tmp.resolve(prefix + UUID.randomUUID()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** References of an image, full form (for save). */
    List<Reference> references(Digest id) {
        synchronized (lock) {
            return referencesTo(id);
        }
    }

    /** All tags of a repository (for {@code docker save repo}). */
    List<Reference> tagsOfRepository(Reference repo) {
        synchronized (lock) {
            List<Reference> out = new ArrayList<>();
            for (String k : refs.keySet()) {
                Reference r = Reference.parse(k);
                if (!r.isCanonical() && r.name().equals(repo.name())) out.add(r);
            }
            return out;
        }
    }

    Digest idOfReference(Reference r) {
        synchronized (lock) {
            return refs.get(r.toString());
        }
    }

    // ================================================================ container root filesystems

    /**
     * Creates the writable snapshot of container {@code containerId} on top of image {@code imageId} (null: scratch)
     * and returns its overlay mount (lowerdir = docker's init dir, then the image's layers top→bottom; upperdir;
     * workdir). The init dir holds docker's mount targets (/etc/hosts, /etc/hostname, /etc/resolv.conf, /.dockerenv,
     * /proc, /sys, /dev/pts, /dev/shm, /dev/console, /etc/mtab) when the image lacks them, so they never show in
     * diffs or commits. ALREADY_EXISTS if prepared.
     */
    public Mount prepare(String containerId, Digest imageId) {
        Digest chain = imageId == null ? null : get(imageId).chainIds().stream().reduce((a, b) -> b).orElse(null);
        return snapshotter.prepare(containerId, chain, true);
    }

    /** The overlay mount of a prepared container. */
    public Mount mounts(String containerId) {
        return snapshotter.mounts(containerId);
    }

    /** Mounts the container's rootfs at {@code target} (created if needed) unless already mounted there. */
    public Path mount(String containerId, Path target) {
        if (!Snapshotter.isMounted(target)) Snapshotter.mount(snapshotter.mounts(containerId), target);
        return target;
    }

    /** Unmounts a rootfs (lazy detach); not mounted is fine. */
    public void unmount(Path target) {
        Snapshotter.unmount(target);
    }

    /**
     * Removes a container's snapshot (unmount it first), then the layers under it that no image needs any more
     * (left by a forced image removal). Only that chain is considered, so layers a concurrent pull has unpacked but
     * not yet registered are never collected.
     */
    public void remove(String containerId) {
        if (!snapshotter.exists(containerId)) return;
        Digest parent = snapshotter.parentOf(containerId);
        snapshotter.remove(containerId);
        synchronized (lock) {
            Set<Digest> used = new HashSet<>();
            for (Meta m : metas.values()) used.addAll(Snapshotter.chainIds(config(m.id()).diffIds()));
            for (Digest c = parent; c != null && !used.contains(c); ) {
                Digest below = snapshotter.layer(c).map(Snapshotter.Layer::parent).orElse(null);
                if (!snapshotter.removeLayer(c)) break;
                c = below;
            }
        }
    }

    /** The container's writable layer directory. */
    public Path upperDir(String containerId) {
        return snapshotter.upperDir(containerId);
    }

    /** {@code SizeRw}: bytes in the container's writable layer. */
    public long sizeRw(String containerId) {
        return Snapshotter.usage(snapshotter.upperDir(containerId));
    }

    /** docker image inspect's GraphDriver.Data (overlay2 names): UpperDir is the top layer, LowerDir the rest. */
    public Map<String, String> imageGraphDriverData(Digest imageId) {
        List<Digest> chains = get(imageId).chainIds();
        Map<String, String> m = new LinkedHashMap<>();
        if (chains.isEmpty()) return m;
        List<Path> dirs = snapshotter.lowerDirs(chains.getLast());
        if (dirs.size() > 1) m.put("LowerDir", String.join(":", dirs.subList(1, dirs.size()).stream().map(Path::toString).toList()));
        m.put("UpperDir", dirs.getFirst().toString());
        return m;
    }

    /** docker inspect's GraphDriver.Data for a container (overlay2 names). */
    public Map<String, String> graphDriverData(String containerId, Path mergedDir) {
        Path upper = snapshotter.upperDir(containerId);
        List<Path> lowers = snapshotter.lowers(containerId);
        Map<String, String> m = new LinkedHashMap<>();
        if (!lowers.isEmpty()) m.put("LowerDir", String.join(":", lowers.stream().map(Path::toString).toList()));
        if (mergedDir != null) m.put("MergedDir", mergedDir.toString());
        m.put("UpperDir", upper.toString());
        m.put("WorkDir", upper.resolveSibling("work").toString());
        return m;
    }

    /**
     * {@code docker diff}: changes of the container's upper dir against its image, sorted by path. Whiteouts are
     * deletions; a path that exists in a lower layer is a modification, else an addition.
     */
    public List<Change> changes(String containerId) {
        Path upper = snapshotter.upperDir(containerId);
        List<Path> lowers = snapshotter.lowers(containerId);
        List<Change> out = new ArrayList<>();
        try {
            walkChanges(upper, "", lowers, out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        out.sort(Comparator.comparing(Change::path));
        return out;
    }

    private void walkChanges(Path dir, String rel, List<Path> lowers, List<Change> out) throws IOException {
        for (Path p : Archive.sortedChildren(dir)) {
            String r = rel + "/" + p.getFileName();
            Map<String, Object> a = Archive.unixAttrs(p);
            if (a == null) continue;
            int mode = (Integer) a.get("mode");
            if (Archive.isType(mode, 0020000) && (Long) a.get("rdev") == 0) {
                out.add(new Change(r, Change.DELETED));
                continue;
            }
            boolean inLower = false;
            for (Path l : lowers) {
                Map<String, Object> la = Archive.unixAttrs(l.resolve(r.substring(1)));
                if (la != null) {
                    int lm = (Integer) la.get("mode");
                    inLower = !(Archive.isType(lm, 0020000) && (Long) la.get("rdev") == 0);
                    break;
                }
            }
            boolean isDir = Archive.isType(mode, 0040000);
            out.add(new Change(r, inLower ? Change.MODIFIED : Change.ADDED));
            if (isDir) walkChanges(p, r, lowers, out);
        }
    }

    /**
     * {@code docker export}: the container's merged filesystem as a tar, through a read-only overlay of its upper
     * dir over the image layers (so it works whether or not the container runs, without touching its mount).
     */
    public void export(String containerId, OutputStream out) {
        List<Path> dirs = new ArrayList<>();
        dirs.add(snapshotter.upperDir(containerId));
        dirs.addAll(snapshotter.lowers(containerId));
        withReadOnlyView(dirs, merged -> Archive.tarTree(merged, out, Archive.TarOptions.PLAIN));
    }

    /** Runs {@code body} with a read-only merged view of {@code dirs} (top first) mounted. */
    void withReadOnlyView(List<Path> dirs, java.util.function.Consumer<Path> body) {
        Path dir = newTempDir("view-");
        Path merged = dir.resolve("merged");
        try {
            Snapshotter.mount(snapshotter.readOnlyView(dirs), merged);
            try {
                body.accept(merged);
            } finally {
                Snapshotter.unmount(merged);
            }
        } finally {
            try {
                Archive.removeAll(dir);
            } catch (IOException ignored) {
                // collected at the next start
            }
        }
    }
}
