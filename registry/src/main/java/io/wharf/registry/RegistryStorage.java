package io.wharf.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.wharf.common.Json;
import io.wharf.common.WharfException;
import io.wharf.oci.Digest;
import io.wharf.oci.MediaTypes;
import io.wharf.registry.storage.StorageDriver;
import io.wharf.registry.storage.StorageDriver.PathNotFoundException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.regex.Pattern;

/**
 * Blobs, manifests, tags, uploads and referrers of all repositories, laid out on a {@link StorageDriver} like
 * distribution's registry:
 * <pre>
 * blobs/sha256/ab/&lt;hex&gt;/data                                  content, shared by all repositories
 * repositories/&lt;name&gt;/_layers/sha256/&lt;hex&gt;/link                  blob belongs to the repository
 * repositories/&lt;name&gt;/_manifests/revisions/sha256/&lt;hex&gt;/link      manifest belongs to the repository
 * repositories/&lt;name&gt;/_manifests/tags/&lt;tag&gt;/current/link          tag -> manifest digest
 * repositories/&lt;name&gt;/_referrers/sha256/&lt;subject hex&gt;/&lt;alg&gt;-&lt;hex&gt;  manifest with that subject
 * _uploads/&lt;uuid&gt;/data, startedat, repo                          upload sessions, apart from content
 * </pre>
 * Content becomes visible only by an atomic rename after its digest was checked, and links are written after the
 * content they name, so a crash leaves at worst unreferenced content (which {@link GarbageCollector} removes).
 */
public final class RegistryStorage {
    /** The manifest media types this registry stores (distribution-spec: OCI; Docker v2 schema 2 for docker). */
    public static final Set<String> MANIFEST_TYPES = Set.of(MediaTypes.OCI_MANIFEST, MediaTypes.OCI_INDEX,
            MediaTypes.DOCKER_MANIFEST, MediaTypes.DOCKER_MANIFEST_LIST);
    /** distribution-spec: registries SHOULD accept manifests of at least 4 MiB. */
    public static final int MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

    private static final Pattern UUID_RE = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

    final StorageDriver driver;
    private final Clock clock;
    /** Writers that make content referenced hold the read side; garbage collection holds the write side. */
    final ReentrantReadWriteLock gcLock = new ReentrantReadWriteLock();
    private final Map<String, UploadState> uploads = new ConcurrentHashMap<>();
    /** Manifests by digest: immutable, so caching them needs no invalidation except by GC. */
    private final Map<Digest, StoredManifest> manifestCache = new ConcurrentHashMap<>();
    private static final int MANIFEST_CACHE_ENTRIES = 4096;
    /**
     * The manifest links as read from storage, so a manifest GET reads no file: {@code repo:tag} -> the digest its
     * tag link names, {@code repo@digest} -> that digest when its revision link exists (only positive answers are
     * kept). An entry is good only while {@link #linksVersion} still has the value read before its link was: every
     * change that can remove or redirect a link (manifest PUT by tag, manifest DELETE, GC) bumps the version after
     * touching storage, so an entry read before the change is never used after it, whatever the interleaving (a
     * reader that raced the writer stored the old version with it). New links need no bump: nothing cached says
     * they are absent.
     */
    private final Map<String, LinkEntry> linkCache = new ConcurrentHashMap<>();
    private final AtomicLong linksVersion = new AtomicLong();

    private record LinkEntry(Digest digest, long version) {}

    public RegistryStorage(StorageDriver driver, Clock clock) {
        this.driver = driver;
        this.clock = clock;
    }

    public StorageDriver driver() {
        return driver;
    }

    // ---- paths ----------------------------------------------------------------------------------------------

    static String blobDir(Digest d) {
        return "blobs/" + d.algorithm() + "/" + d.hex().substring(0, 2) + "/" + d.hex();
    }

    static String blobData(Digest d) {
        return blobDir(d) + "/data";
    }

    static String repo(RepositoryName n) {
        return "repositories/" + n.value();
    }

    static String layerLink(RepositoryName n, Digest d) {
        return repo(n) + "/_layers/" + d.algorithm() + "/" + d.hex() + "/link";
    }

    static String revisionLink(RepositoryName n, Digest d) {
        return repo(n) + "/_manifests/revisions/" + d.algorithm() + "/" + d.hex() + "/link";
    }

    static String tagsDir(RepositoryName n) {
        return repo(n) + "/_manifests/tags";
    }

    static String tagLink(RepositoryName n, String tag) {
        return tagsDir(n) + "/" + tag + "/current/link";
    }

    static String referrersDir(RepositoryName n, Digest subject) {
        return repo(n) + "/_referrers/" + subject.algorithm() + "/" + subject.hex();
    }

    static String uploadDir(String uuid) {
        return "_uploads/" + uuid;
    }

    // ---- small helpers --------------------------------------------------------------------------------------

    private boolean exists(String path) {
        try {
            driver.stat(path);
            return true;
        } catch (PathNotFoundException e) {
            return false;
        } catch (IOException e) {
            throw io(e);
        }
    }

    private static Optional<Digest> readLink(StorageDriver driver, String path) {
        try {
            return Optional.of(Digest.parse(new String(driver.getContent(path), StandardCharsets.US_ASCII).trim()));
        } catch (PathNotFoundException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw io(e);
        }
    }

    private void putLink(String path, Digest d) {
        try {
            driver.putContent(path, d.toString().getBytes(StandardCharsets.US_ASCII));
        } catch (IOException e) {
            throw io(e);
        }
    }

    private void deleteQuietly(String path) {
        try {
            driver.delete(path);
        } catch (PathNotFoundException ignored) {
            // already gone
        } catch (IOException e) {
            throw io(e);
        }
    }

    static WharfException io(IOException e) {
        return WharfException.internal("registry storage: " + e.getMessage(), e);
    }

    public boolean repositoryExists(RepositoryName n) {
        return exists(repo(n));
    }

    // ---- blobs ----------------------------------------------------------------------------------------------

    /** Size of a blob the repository holds (as a layer/config, or as a manifest); BLOB_UNKNOWN otherwise. */
    public long statBlob(RepositoryName n, Digest d) {
        if (!exists(layerLink(n, d)) && !exists(revisionLink(n, d))) {
            throw new RegistryException(ErrorCode.BLOB_UNKNOWN, null, d.toString());
        }
        try {
            return driver.stat(blobData(d)).size();
        } catch (PathNotFoundException e) {
            throw new RegistryException(ErrorCode.BLOB_UNKNOWN, null, d.toString());
        } catch (IOException e) {
            throw io(e);
        }
    }

    /** The storage path of a blob's bytes (for {@link StorageDriver#localFile} or {@link StorageDriver#reader}). */
    public String blobPath(Digest d) {
        return blobData(d);
    }

    /** Unlinks a blob from a repository (distribution's blob DELETE); its bytes go at the next GC. */
    public void deleteBlob(RepositoryName n, Digest d) {
        String link = layerLink(n, d);
        if (!exists(link)) throw new RegistryException(ErrorCode.BLOB_UNKNOWN, null, d.toString());
        deleteQuietly(link.substring(0, link.length() - "/link".length()));
    }

    /** Cross-repository mount: links {@code from}'s blob into {@code n}; false when {@code from} lacks it. */
    public boolean mount(RepositoryName n, RepositoryName from, Digest d) {
        if (!exists(layerLink(from, d))) return false;
        gcLock.readLock().lock();
        try {
            if (!exists(blobData(d))) return false;
            putLink(layerLink(n, d), d);
            return true;
        } finally {
            gcLock.readLock().unlock();
        }
    }

    // ---- uploads --------------------------------------------------------------------------------------------

    /** An open upload session. Its digest state lives in memory and is rebuilt from the data when missing. */
    static final class UploadState {
        final String uuid;
        final RepositoryName name;
        final ReentrantLock lock = new ReentrantLock();
        MessageDigest md;
        long hashed = -1;

        UploadState(String uuid, RepositoryName name) {
            this.uuid = uuid;
            this.name = name;
        }
    }

    public record UploadStatus(String uuid, long size) {}

    public UploadStatus startUpload(RepositoryName n) {
        String uuid = UUID.randomUUID().toString();
        String dir = uploadDir(uuid);
        try {
            // no fsync here: a session lost in a crash is simply started again by the client, and a torn repo file
            // reads as an unknown session
            try (var w = driver.writer(dir + "/repo", false)) {
                w.write(ByteBuffer.wrap(n.value().getBytes(StandardCharsets.UTF_8)));
            }
            try (var w = driver.writer(dir + "/startedat", false)) {
                w.write(ByteBuffer.wrap(clock.instant().toString().getBytes(StandardCharsets.US_ASCII)));
            }
            driver.writer(dir + "/data", false).close();
        } catch (IOException e) {
            throw io(e);
        }
        UploadState st = new UploadState(uuid, n);
        st.md = Digest.newSha256();
        st.hashed = 0;
        uploads.put(uuid, st);
        return new UploadStatus(uuid, 0);
    }

    private UploadState session(RepositoryName n, String uuid) {
        if (!UUID_RE.matcher(uuid).matches()) throw new RegistryException(ErrorCode.BLOB_UPLOAD_UNKNOWN, null, uuid);
        UploadState st = uploads.get(uuid);
        if (st == null) {
            // after a restart: the session survives on disk
            String owner;
            try {
                owner = new String(driver.getContent(uploadDir(uuid) + "/repo"), StandardCharsets.UTF_8);
            } catch (PathNotFoundException e) {
                throw new RegistryException(ErrorCode.BLOB_UPLOAD_UNKNOWN, null, uuid);
            } catch (IOException e) {
                throw io(e);
            }
            RepositoryName ownerName;
            try {
                ownerName = RepositoryName.parse(owner);
            } catch (RegistryException e) {
                throw new RegistryException(ErrorCode.BLOB_UPLOAD_UNKNOWN, null, uuid);
            }
            st = uploads.computeIfAbsent(uuid, u -> new UploadState(u, ownerName));
        }
        if (!st.name.equals(n)) throw new RegistryException(ErrorCode.BLOB_UPLOAD_UNKNOWN, null, uuid);
        return st;
    }

    private long dataSize(UploadState st) {
        try {
            return driver.stat(uploadDir(st.uuid) + "/data").size();
        } catch (PathNotFoundException e) {
            uploads.remove(st.uuid);
            throw new RegistryException(ErrorCode.BLOB_UPLOAD_UNKNOWN, null, st.uuid);
        } catch (IOException e) {
            throw io(e);
        }
    }

    public UploadStatus uploadStatus(RepositoryName n, String uuid) {
        UploadState st = session(n, uuid);
        st.lock.lock();
        try {
            return new UploadStatus(uuid, dataSize(st));
        } finally {
            st.lock.unlock();
        }
    }

    /** A source of request body bytes; {@code null} at the end. Buffers are only valid until the next call. */
    public interface Body {
        ByteBuffer next() throws IOException;

        static Body of(byte[] bytes) {
            return new Body() {
                boolean done;

                @Override
                public ByteBuffer next() {
                    if (done) return null;
                    done = true;
                    return ByteBuffer.wrap(bytes);
                }
            };
        }
    }

    /**
     * Appends a chunk. {@code rangeStart}, when present, must equal the bytes stored so far (else 416, as the spec's
     * "Pushing a blob in chunks" requires). Bytes that arrived before a dropped connection stay, so the client
     * resumes from the offset GET reports.
     */
    public UploadStatus append(RepositoryName n, String uuid, Long rangeStart, Long expectedLength, Body body) throws IOException {
        UploadState st = session(n, uuid);
        st.lock.lock();
        try {
            long size = dataSize(st);
            if (rangeStart != null && rangeStart != size) {
                throw new RegistryException(ErrorCode.BLOB_UPLOAD_INVALID, "chunk out of order: upload has " + size + " bytes", null, 416);
            }
            long written = write(st, size, body);
            if (expectedLength != null && written != expectedLength) {
                throw new RegistryException(ErrorCode.SIZE_INVALID, "chunk has " + written + " bytes, expected " + expectedLength);
            }
            return new UploadStatus(uuid, st.hashed);
        } finally {
            st.lock.unlock();
        }
    }

    private long write(UploadState st, long size, Body body) throws IOException {
        String data = uploadDir(st.uuid) + "/data";
        if (st.md == null || st.hashed != size) rehash(st, data);
        long written = 0;
        try (var w = driver.writer(data, true)) {
            ByteBuffer b;
            while ((b = body.next()) != null) {
                int n = b.remaining();
                st.md.update(b.duplicate());
                w.write(b);
                st.hashed += n;
                written += n;
            }
        } catch (IOException | RuntimeException e) {
            // the file may hold part of the chunk: resync the hash from what is really stored at the next call
            st.md = null;
            throw e;
        }
        return written;
    }

    /** Rebuilds the digest state from the stored bytes (after a restart or a failed write). */
    private void rehash(UploadState st, String data) throws IOException {
        MessageDigest md = Digest.newSha256();
        long n = 0;
        try (InputStream in = driver.reader(data, 0)) {
            byte[] buf = new byte[256 * 1024];
            int r;
            while ((r = in.read(buf)) > 0) {
                md.update(buf, 0, r);
                n += r;
            }
        }
        st.md = md;
        st.hashed = n;
    }

    /**
     * Completes an upload: appends the final chunk, checks the digest, and only then publishes the bytes as a blob
     * of the repository. On a digest mismatch the session and its bytes are removed and nothing is stored.
     */
    public Digest complete(RepositoryName n, String uuid, Digest expected, Long rangeStart, Body body) throws IOException {
        if (!expected.algorithm().equals("sha256")) {
            throw new RegistryException(ErrorCode.DIGEST_INVALID, "only sha256 digests are supported for uploads", expected.toString());
        }
        UploadState st = session(n, uuid);
        st.lock.lock();
        try {
            long size = dataSize(st);
            if (rangeStart != null && rangeStart != size) {
                throw new RegistryException(ErrorCode.BLOB_UPLOAD_INVALID, "chunk out of order: upload has " + size + " bytes", null, 416);
            }
            write(st, size, body);
            String data = uploadDir(uuid) + "/data";
            if (st.hashed != dataSize(st)) rehash(st, data);
            Digest actual = Digest.ofSha256(st.md);
            if (!actual.equals(expected)) {
                cancelLocked(st);
                throw new RegistryException(ErrorCode.DIGEST_INVALID, null, "expected " + expected + ", content is " + actual);
            }
            try (var w = driver.writer(data, true)) {
                w.commit(); // durable before it becomes visible under its digest
            }
            gcLock.readLock().lock();
            try {
                if (exists(blobData(expected))) {
                    deleteQuietly(data);
                } else {
                    driver.move(data, blobData(expected));
                }
                putLink(layerLink(n, expected), expected);
            } finally {
                gcLock.readLock().unlock();
            }
            cancelLocked(st);
            return expected;
        } finally {
            st.lock.unlock();
        }
    }

    public void cancelUpload(RepositoryName n, String uuid) {
        UploadState st = session(n, uuid);
        st.lock.lock();
        try {
            dataSize(st);
            cancelLocked(st);
        } finally {
            st.lock.unlock();
        }
    }

    private void cancelLocked(UploadState st) {
        uploads.remove(st.uuid);
        deleteQuietly(uploadDir(st.uuid));
    }

    /** Monolithic upload (POST ?digest=): the whole blob in one request, verified before it is stored. */
    public Digest putBlob(RepositoryName n, Digest expected, Long expectedLength, Body body) throws IOException {
        UploadStatus up = startUpload(n);
        try {
            append(n, up.uuid(), null, expectedLength, body);
            return complete(n, up.uuid(), expected, null, Body.of(new byte[0]));
        } catch (IOException | RuntimeException e) {
            try {
                cancelLocked(session(n, up.uuid()));
            } catch (RegistryException ignored) {
                // already removed by complete()
            }
            throw e;
        }
    }

    // ---- manifests ------------------------------------------------------------------------------------------

    /** A stored manifest: its bytes exactly as pushed, the media type, and the parsed document. */
    public record StoredManifest(Digest digest, String mediaType, byte[] bytes, JsonNode doc) {}

    /** What a manifest names, for validation, referrers and garbage collection. */
    record ManifestRefs(List<Digest> blobs, List<Digest> manifests, Digest subject, String artifactType) {}

    static String mediaTypeOf(JsonNode doc) {
        String mt = doc.path("mediaType").asText("");
        if (!mt.isEmpty()) return mt;
        if (doc.has("manifests")) return MediaTypes.OCI_INDEX;
        if (doc.has("config") || doc.has("layers")) return MediaTypes.OCI_MANIFEST;
        return "";
    }

    static ManifestRefs refsOf(String mediaType, JsonNode doc) {
        List<Digest> blobs = new ArrayList<>();
        List<Digest> manifests = new ArrayList<>();
        String artifactType = doc.path("artifactType").asText(null);
        switch (mediaType) {
            case MediaTypes.OCI_MANIFEST, MediaTypes.DOCKER_MANIFEST -> {
                JsonNode config = doc.get("config");
                if (config == null || !config.isObject()) throw invalid("manifest has no config descriptor");
                blobs.add(descriptorDigest(config));
                if (artifactType == null) artifactType = config.path("mediaType").asText(null);
                JsonNode layers = doc.get("layers");
                if (layers != null && !layers.isArray()) throw invalid("layers is not an array");
                if (layers == null && mediaType.equals(MediaTypes.DOCKER_MANIFEST)) throw invalid("manifest has no layers");
                if (layers != null) {
                    for (JsonNode l : layers) {
                        Digest d = descriptorDigest(l);
                        // foreign (non-distributable) layers live elsewhere: their blobs need not be here
                        if (!l.has("urls")) blobs.add(d);
                    }
                }
            }
            case MediaTypes.OCI_INDEX, MediaTypes.DOCKER_MANIFEST_LIST -> {
                JsonNode ms = doc.get("manifests");
                if (ms == null || !ms.isArray()) throw invalid("index has no manifests array");
                for (JsonNode m : ms) manifests.add(descriptorDigest(m));
            }
            default -> throw new RegistryException(ErrorCode.MANIFEST_INVALID, "unsupported manifest media type", mediaType);
        }
        Digest subject = doc.has("subject") ? descriptorDigest(doc.get("subject")) : null;
        return new ManifestRefs(blobs, manifests, subject, artifactType);
    }

    private static Digest descriptorDigest(JsonNode desc) {
        if (desc == null || !desc.isObject() || !desc.path("digest").isTextual() || !desc.path("size").canConvertToLong()) {
            throw invalid("invalid descriptor: " + desc);
        }
        try {
            return Digest.parse(desc.get("digest").asText());
        } catch (WharfException e) {
            throw invalid("invalid descriptor digest: " + desc.get("digest").asText());
        }
    }

    private static RegistryException invalid(String why) {
        return new RegistryException(ErrorCode.MANIFEST_INVALID, "manifest invalid", why);
    }

    /** The outcome of a manifest PUT. */
    public record PutManifestResult(Digest digest, Digest subject) {}

    /**
     * Stores a manifest under {@code ref}: checks size, JSON, media type, the digest (for a by-digest PUT) and
     * that every blob and child manifest it names is in the repository; then stores the bytes, the revision link,
     * the referrer link and the tag — in that order, so a crash never leaves a tag to a missing manifest.
     */
    public PutManifestResult putManifest(RepositoryName n, ManifestRef ref, String contentType, byte[] bytes) {
        if (bytes.length > MAX_MANIFEST_BYTES) {
            throw new RegistryException(ErrorCode.MANIFEST_INVALID, "manifest too big", "limit is " + MAX_MANIFEST_BYTES + " bytes", 413);
        }
        Digest digest = Digest.sha256(bytes);
        if (ref instanceof ManifestRef.ByDigest(Digest want) && !want.equals(digest)) {
            throw new RegistryException(ErrorCode.DIGEST_INVALID, null, "expected " + want + ", content is " + digest);
        }
        JsonNode doc;
        try {
            doc = Json.MAPPER.readTree(bytes);
        } catch (IOException e) {
            throw invalid("malformed JSON");
        }
        if (doc == null || !doc.isObject()) throw invalid("not a JSON object");
        if (doc.path("schemaVersion").asInt(-1) != 2) throw invalid("schemaVersion must be 2");
        String bodyType = doc.path("mediaType").asText("");
        String ct = contentType == null ? "" : contentType.split(";", 2)[0].trim();
        String mediaType;
        if (!bodyType.isEmpty()) {
            if (MANIFEST_TYPES.contains(ct) && !ct.equals(bodyType)) {
                throw invalid("mediaType " + bodyType + " does not match Content-Type " + ct);
            }
            mediaType = bodyType;
        } else {
            mediaType = MANIFEST_TYPES.contains(ct) ? ct : mediaTypeOf(doc);
        }
        ManifestRefs refs = refsOf(mediaType, doc);
        gcLock.readLock().lock();
        try {
            List<String> missing = new ArrayList<>();
            for (Digest b : refs.blobs()) {
                if (!exists(layerLink(n, b)) || !exists(blobData(b))) missing.add(b.toString());
            }
            for (Digest m : refs.manifests()) {
                if (!exists(revisionLink(n, m)) || !exists(blobData(m))) missing.add(m.toString());
            }
            if (!missing.isEmpty()) {
                throw new RegistryException(ErrorCode.MANIFEST_BLOB_UNKNOWN, null, missing.size() == 1 ? missing.getFirst() : missing);
            }
            if (!exists(blobData(digest))) {
                driver.putContent(blobData(digest), bytes);
            }
            putLink(revisionLink(n, digest), digest);
            if (refs.subject() != null) {
                putLink(referrersDir(n, refs.subject()) + "/" + digest.algorithm() + "-" + digest.hex(), digest);
            }
            if (ref instanceof ManifestRef.Tag(String tag)) {
                try {
                    putLink(tagLink(n, tag), digest);
                } finally {
                    linksChanged(); // even after a failure: the link may have changed before it
                }
            }
        } catch (IOException e) {
            throw io(e);
        } finally {
            gcLock.readLock().unlock();
        }
        cache(new StoredManifest(digest, mediaType, bytes, doc));
        return new PutManifestResult(digest, refs.subject());
    }

    private void cache(StoredManifest m) {
        if (manifestCache.size() >= MANIFEST_CACHE_ENTRIES) manifestCache.clear();
        manifestCache.put(m.digest(), m);
    }

    /** Resolves a tag or digest within the repository; MANIFEST_UNKNOWN (or NAME_UNKNOWN) when absent. */
    public Digest resolve(RepositoryName n, ManifestRef ref) {
        Digest d = switch (ref) {
            case ManifestRef.Tag(String tag) -> resolveTag(n, tag);
            case ManifestRef.ByDigest(Digest dg) -> resolveDigest(n, dg);
        };
        if (d == null) {
            if (!repositoryExists(n)) throw new RegistryException(ErrorCode.NAME_UNKNOWN, null, n.value());
            throw new RegistryException(ErrorCode.MANIFEST_UNKNOWN, null, ref instanceof ManifestRef.Tag t ? t.tag() : ((ManifestRef.ByDigest) ref).digest().toString());
        }
        return d;
    }

    private static String linkKey(RepositoryName n, ManifestRef ref) {
        // ':' occurs in no repository name or tag, '@' in no repository name or digest: the keys cannot collide
        return switch (ref) {
            case ManifestRef.Tag(String tag) -> n.value() + ':' + tag;
            case ManifestRef.ByDigest(Digest d) -> n.value() + '@' + d;
        };
    }

    private Digest cachedLink(String key) {
        LinkEntry e = linkCache.get(key);
        return e != null && e.version() == linksVersion.get() ? e.digest() : null;
    }

    private Digest resolveTag(RepositoryName n, String tag) {
        String key = linkKey(n, new ManifestRef.Tag(tag));
        long version = linksVersion.get();
        Digest d = cachedLink(key);
        if (d != null) return d;
        d = readLink(driver, tagLink(n, tag)).orElse(null);
        if (d != null) cacheLink(key, d, version);
        return d;
    }

    private Digest resolveDigest(RepositoryName n, Digest dg) {
        String key = linkKey(n, new ManifestRef.ByDigest(dg));
        long version = linksVersion.get();
        if (cachedLink(key) != null) return dg;
        if (!exists(revisionLink(n, dg))) return null;
        cacheLink(key, dg, version);
        return dg;
    }

    private void cacheLink(String key, Digest d, long versionBeforeRead) {
        if (linkCache.size() >= MANIFEST_CACHE_ENTRIES) linkCache.clear();
        linkCache.put(key, new LinkEntry(d, versionBeforeRead));
    }

    /** After links on storage changed or went away: every cached link is read again. */
    private void linksChanged() {
        linksVersion.incrementAndGet();
    }

    /**
     * The manifest a GET of {@code ref} returns, when both its link and its bytes are in memory; null when storage
     * would have to be read (or the manifest does not exist). Never blocks: callable from an event loop.
     */
    StoredManifest cachedManifest(RepositoryName n, ManifestRef ref) {
        Digest d = cachedLink(linkKey(n, ref));
        return d == null ? null : manifestCache.get(d);
    }

    public StoredManifest getManifest(RepositoryName n, ManifestRef ref) {
        return load(resolve(n, ref));
    }

    /** The manifest with that digest from the blob store (cached); MANIFEST_UNKNOWN if its bytes are gone. */
    StoredManifest load(Digest d) {
        StoredManifest m = manifestCache.get(d);
        if (m != null) return m;
        byte[] bytes;
        try {
            bytes = driver.getContent(blobData(d));
        } catch (PathNotFoundException e) {
            throw new RegistryException(ErrorCode.MANIFEST_UNKNOWN, null, d.toString());
        } catch (IOException e) {
            throw io(e);
        }
        JsonNode doc;
        try {
            doc = Json.MAPPER.readTree(bytes);
        } catch (IOException e) {
            throw WharfException.internal("stored manifest " + d + " is not JSON", e);
        }
        m = new StoredManifest(d, mediaTypeOf(doc), bytes, doc);
        cache(m);
        return m;
    }

    /**
     * Deletes by digest (the revision, every tag pointing at it and its referrer entry) or by tag (just the tag,
     * as distribution-spec v1.1 allows). Bytes stay until garbage collection.
     */
    public void deleteManifest(RepositoryName n, ManifestRef ref) {
        Digest d = resolve(n, ref);
        try {
            deleteManifestLinks(n, ref, d);
        } finally {
            linksChanged();
        }
    }

    private void deleteManifestLinks(RepositoryName n, ManifestRef ref, Digest d) {
        if (ref instanceof ManifestRef.Tag(String tag)) {
            deleteQuietly(tagsDir(n) + "/" + tag);
            return;
        }
        for (String tag : tags(n)) {
            if (readLink(driver, tagLink(n, tag)).filter(d::equals).isPresent()) deleteQuietly(tagsDir(n) + "/" + tag);
        }
        try {
            StoredManifest m = load(d);
            ManifestRefs refs = refsOf(m.mediaType(), m.doc());
            if (refs.subject() != null) {
                deleteQuietly(referrersDir(n, refs.subject()) + "/" + d.algorithm() + "-" + d.hex());
            }
        } catch (RegistryException ignored) {
            // unreadable manifest: nothing more to unlink
        }
        String link = revisionLink(n, d);
        deleteQuietly(link.substring(0, link.length() - "/link".length()));
    }

    /** The repository's tags, sorted; NAME_UNKNOWN for a repository without manifests. */
    public List<String> tags(RepositoryName n) {
        if (!exists(repo(n) + "/_manifests")) throw new RegistryException(ErrorCode.NAME_UNKNOWN, null, n.value());
        try {
            List<String> out = new ArrayList<>();
            for (String p : driver.list(tagsDir(n))) out.add(p.substring(p.lastIndexOf('/') + 1));
            out.sort(null);
            return out;
        } catch (PathNotFoundException e) {
            return List.of();
        } catch (IOException e) {
            throw io(e);
        }
    }

    /** All repositories that hold at least one manifest, sorted. */
    public List<String> catalog() {
        List<String> out = new ArrayList<>();
        try {
            collectRepositories("repositories", out);
        } catch (IOException e) {
            throw io(e);
        }
        out.sort(null);
        return out;
    }

    /** Descends only through name components (never into {@code _layers} etc., which hold most of the files). */
    private void collectRepositories(String dir, List<String> out) throws IOException {
        List<String> children;
        try {
            children = driver.list(dir);
        } catch (PathNotFoundException e) {
            return;
        }
        for (String child : children) {
            String leaf = child.substring(child.lastIndexOf('/') + 1);
            if (leaf.equals("_manifests")) {
                out.add(dir.substring("repositories/".length()));
            } else if (!leaf.startsWith("_")) {
                collectRepositories(child, out);
            }
        }
    }

    /** The referrers index (distribution-spec "Listing Referrers"), optionally filtered by artifactType. */
    public ObjectNode referrers(RepositoryName n, Digest subject, String artifactType) {
        ObjectNode idx = Json.MAPPER.createObjectNode();
        idx.put("schemaVersion", 2);
        idx.put("mediaType", MediaTypes.OCI_INDEX);
        ArrayNode list = idx.putArray("manifests");
        List<String> links;
        try {
            links = driver.list(referrersDir(n, subject));
        } catch (PathNotFoundException e) {
            return idx;
        } catch (IOException e) {
            throw io(e);
        }
        for (String link : links) {
            Optional<Digest> d = readLink(driver, link);
            if (d.isEmpty()) continue;
            StoredManifest m;
            try {
                m = load(d.get());
            } catch (RegistryException e) {
                continue;
            }
            ManifestRefs refs = refsOf(m.mediaType(), m.doc());
            if (artifactType != null && !artifactType.equals(refs.artifactType())) continue;
            ObjectNode desc = list.addObject();
            desc.put("mediaType", m.mediaType());
            desc.put("digest", m.digest().toString());
            desc.put("size", m.bytes().length);
            if (refs.artifactType() != null) desc.put("artifactType", refs.artifactType());
            if (m.doc().has("annotations")) desc.set("annotations", m.doc().get("annotations"));
        }
        return idx;
    }

    void forget(Digest d) {
        manifestCache.remove(d);
        linksChanged();
    }
}
