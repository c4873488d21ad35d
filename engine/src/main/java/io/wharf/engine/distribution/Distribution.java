package io.wharf.engine.distribution;

import io.wharf.common.ErrorKind;
import io.wharf.common.WharfException;
import io.wharf.image.ContentStore;
import io.wharf.image.Image;
import io.wharf.image.ImageFilter;
import io.wharf.image.ImageService;
import io.wharf.image.Snapshotter;
import io.wharf.oci.Descriptor;
import io.wharf.oci.Digest;
import io.wharf.oci.ImageConfig;
import io.wharf.oci.Manifest;
import io.wharf.oci.Platform;
import io.wharf.oci.Reference;
import io.wharf.registry.client.RegistryClient;

import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.http.HttpConnectTimeoutException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.function.LongConsumer;

/**
 * {@code docker pull}, {@code docker push} and {@code docker login} on the engine side, as moby's
 * {@code distribution} package does them, over {@link RegistryClient} and {@link ImageService}.
 *
 * <p>Pull: resolve the reference (a manifest list or OCI index is followed to the platform's entry, linux/amd64 by
 * default), then stop if the image (its config digest) is already here; otherwise layers whose chain is already
 * unpacked are "Already exists", the others are downloaded in parallel (at most {@code max-concurrent-downloads},
 * virtual threads) straight into the content store with digest verification, and unpacked bottom-up as soon as each
 * one and the one below it are ready. The lowest missing layer (usually the big base) is unpacked in the same pass
 * as its download ({@link #streamLayer}): socket → sha256 + content-store write → gunzip → sha256 → tar extraction,
 * kept only when both digests match. No uncompressed copy of a layer is stored. Compressed blobs already in the
 * content store are never fetched again.
 *
 * <p>Push: HEAD each layer first ("Layer already exists"), then try a cross-repository mount from repositories of
 * the same registry the blob is known to be in ("Mounted from x"), else upload it ("Pushed"), in parallel up to
 * {@code max-concurrent-uploads}; then the config and a Docker v2 schema 2 manifest (gzip layers), as dockerd does.
 *
 * <p>Errors thrown before the first message reach the client as an HTTP status; afterwards the API layer sends them
 * in-band. Thread-safe.
 */
public final class Distribution {
    /** Docker's default when pulling on an amd64 Linux host. */
    public static final Platform DEFAULT_PLATFORM = Platform.of("linux", "amd64", null);

    private final ImageService images;
    private final DaemonConfig config;
    private final BlobSources sources;

    /**
     * @param stateDir where the blob → repository hints for cross-repository mounts are kept (e.g.
     *                 {@code /var/lib/wharf/distribution})
     */
    public Distribution(ImageService images, DaemonConfig config, Path stateDir) {
        this.images = images;
        this.config = config;
        this.sources = new BlobSources(stateDir.resolve("blob-sources.json"));
    }

    public DaemonConfig config() {
        return config;
    }

    /** The outcome of pulling one tag or digest. */
    public record PullResult(Reference reference, Digest imageId, Digest digest, boolean updated) {}

    /** The outcome of pushing one tag (the aux message of the stream). */
    public record PushResult(String tag, Digest digest, long size) {}

    private RegistryClient client(String host, AuthConfig auth) {
        return new RegistryClient(config.clientOptions(host, auth.credentials()));
    }

    // ================================================================ pull

    /**
     * Pulls {@code ref}: a tag, a digest, or (neither) every tag of the repository ({@code docker pull -a}).
     * Ends the stream with docker's "Status: ..." line.
     */
    public List<PullResult> pull(Reference ref, Platform platform, AuthConfig auth, MessageSink out) throws InterruptedException {
        Platform p = platform == null ? DEFAULT_PLATFORM : platform;
        // name:tag@digest pulls the digest; the tag is only decoration (as in moby)
        if (ref.digest() != null && ref.tag() != null) ref = ref.repository().withDigest(ref.digest());
        try (RegistryClient client = client(ref.registryHost(), auth)) {
            if (ref.tag() != null || ref.digest() != null) {
                PullResult r = pullOne(client, ref, p, out);
                out.send(JsonMessage.status("Status: " + (r.updated() ? "Downloaded newer image for " : "Image is up to date for ") + ref.familiarString()));
                return List.of(r);
            }
            List<String> tags;
            try {
                tags = client.tags(ref);
            } catch (WharfException e) {
                throw pullError(e, ref);
            } catch (IOException e) {
                throw connectionError(client, ref.registryHost(), e);
            }
            if (tags.isEmpty()) throw WharfException.notFound("repository %s not found: no tags", ref.familiarName());
            List<PullResult> results = new ArrayList<>();
            boolean updated = false;
            for (String t : tags) {
                PullResult r = pullOne(client, ref.withTag(t), p, out);
                results.add(r);
                updated |= r.updated();
            }
            out.send(JsonMessage.status("Status: " + (updated ? "Downloaded newer image for " : "Image is up to date for ") + ref.familiarName()));
            return results;
        }
    }

    private PullResult pullOne(RegistryClient client, Reference ref, Platform platform, MessageSink out) throws InterruptedException {
        long t0 = System.nanoTime();
        RegistryClient.Resolved resolved;
        try {
            resolved = client.resolve(ref, platform);
        } catch (WharfException e) {
            throw pullError(e, ref);
        } catch (IOException e) {
            throw connectionError(client, ref.registryHost(), e);
        }
        Digest top = resolved.index() != null ? resolved.index().digest() : resolved.manifest().digest();
        out.send(new JsonMessage("Pulling from " + ref.path(), null, ref.tag() != null ? ref.tag() : ref.digest().toString(), null, null));
        Manifest m = resolved.parsed();
        Reference repo = ref.repository();
        Digest configDigest = m.config().digest();
        Optional<Image> present = images.find(configDigest.toString());
        Digest id;
        long t1 = System.nanoTime();
        try {
            id = present.isPresent() ? present.get().id() : fetchImage(client, repo, resolved, out);
        } catch (IOException e) {
            throw connectionError(client, ref.registryHost(), e);
        }
        long t2 = System.nanoTime();
        sources.addAll(m.layers().stream().map(Descriptor::digest).toList(), repo);
        boolean updated;
        if (ref.tag() != null) {
            Optional<Image> before = images.find(ref.toString());
            updated = before.isEmpty() || !before.get().id().equals(id);
            images.tagImage(id, ref.toString());
        } else {
            // moby: a digest pull "updates" when that name@digest did not already name this image
            Optional<Image> before = images.find(ref.toString());
            updated = before.isEmpty() || !before.get().id().equals(id);
        }
        images.addRepoDigest(id, repo.withDigest(top));
        out.send(JsonMessage.status("Digest: " + top));
        long t3 = System.nanoTime();
        LOG.debug("pull {}: manifest {} ms, image {} ms, tags and hints {} ms", ref, (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000, (t3 - t2) / 1_000_000);
        return new PullResult(ref, id, top, updated);
    }

    /** Fetches the config and missing layers, unpacks them and registers the image; returns its ID. */
    private Digest fetchImage(RegistryClient client, Reference repo, RegistryClient.Resolved resolved, MessageSink out)
            throws IOException, InterruptedException {
        long tf = System.nanoTime();
        Manifest m = resolved.parsed();
        ContentStore content = images.content();
        byte[] configBytes;
        if (content.exists(m.config().digest())) {
            configBytes = content.read(m.config().digest());
        } else {
            ByteArrayOutputStream b = new ByteArrayOutputStream((int) Math.min(m.config().size(), 1 << 20));
            if (m.config().size() > 8 << 20) throw WharfException.invalid("image config of %d bytes is too large", m.config().size());
            client.fetchBlob(repo, m.config(), b, RegistryClient.Progress.NONE);
            configBytes = b.toByteArray();
        }
        long tc = System.nanoTime();
        List<Digest> diffIds = ImageConfig.parse(configBytes).diffIds();
        List<Descriptor> layers = m.layers();
        if (diffIds.size() != layers.size()) throw WharfException.invalid("layers from manifest don't match image configuration");
        List<Digest> chains = Snapshotter.chainIds(diffIds);
        boolean[] have = new boolean[layers.size()];
        for (int i = 0; i < layers.size(); i++) {
            have[i] = images.snapshotter().layer(chains.get(i)).isPresent();
            out.send(JsonMessage.layer(layers.get(i).digest().shortHex(), have[i] ? "Already exists" : "Pulling fs layer"));
        }
        Semaphore slots = new Semaphore(config.maxConcurrentDownloads());
        Map<Digest, Future<?>> downloads = new LinkedHashMap<>();
        // the lowest missing layer (often the biggest: the base) is unpacked while it downloads; its parent is ready
        int first = 0;
        while (first < layers.size() && have[first]) first++;
        Future<Digest> streamed = null;
        try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
            try {
                if (first < layers.size()) {
                    Descriptor d = layers.get(first);
                    Digest diffId = diffIds.get(first);
                    Digest parent = first == 0 ? null : chains.get(first - 1);
                    if (!content.exists(d.digest()) && !content.exists(diffId)) {
                        streamed = ex.submit(() -> streamLayer(ex, client, repo, d, diffId, parent, slots, out));
                        downloads.put(d.digest(), streamed);
                    }
                }
                for (int i = 0; i < layers.size(); i++) {
                    if (have[i]) continue;
                    Descriptor d = layers.get(i);
                    Digest diffId = diffIds.get(i);
                    downloads.computeIfAbsent(d.digest(), k -> ex.submit(() -> {
                        download(client, repo, d, diffId, slots, out);
                        return null;
                    }));
                }
                Digest parent = null;
                for (int i = 0; i < layers.size(); i++) {
                    if (have[i]) {
                        parent = chains.get(i);
                        continue;
                    }
                    Descriptor d = layers.get(i);
                    if (i == first && streamed != null) {
                        parent = awaitValue(streamed);
                        continue;
                    }
                    await(downloads.get(d.digest()));
                    parent = extract(parent, d, diffIds.get(i), out);
                }
            } finally {
                // on failure: stop the other downloads (their partial ingests are discarded)
                ex.shutdownNow();
            }
        }
        long tl = System.nanoTime();
        List<Digest> owned = new ArrayList<>();
        owned.add(content.write(resolved.manifest().bytes()));
        if (resolved.index() != null) owned.add(content.write(resolved.index().bytes()));
        Digest id = images.register(configBytes, null, owned);
        if (!id.equals(m.config().digest())) throw WharfException.invalid("image config digest mismatch: got %s", id);
        LOG.debug("image {}: config {} ms, layers {} ms, register {} ms", id.shortHex(), (tc - tf) / 1_000_000, (tl - tc) / 1_000_000,
                (System.nanoTime() - tl) / 1_000_000);
        return id;
    }

    private static void await(Future<?> f) throws IOException, InterruptedException {
        awaitValue(f);
    }

    private static <T> T awaitValue(Future<T> f) throws IOException, InterruptedException {
        try {
            return f.get();
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof IOException io) throw io;
            if (c instanceof InterruptedException ie) throw ie;
            if (c instanceof RuntimeException re) throw re;
            throw WharfException.internal(String.valueOf(c), c);
        }
    }

    private static final int DOWNLOAD_ATTEMPTS = 3;

    /** Downloads one layer blob into the content store, unless the content is already here. */
    private void download(RegistryClient client, Reference repo, Descriptor d, Digest diffId, Semaphore slots, MessageSink out)
            throws IOException, InterruptedException {
        String id = d.digest().shortHex();
        ContentStore content = images.content();
        if (content.exists(d.digest()) || content.exists(diffId)) {
            out.send(JsonMessage.layer(id, "Download complete"));
            return;
        }
        if (!slots.tryAcquire()) {
            out.send(JsonMessage.layer(id, "Waiting"));
            slots.acquire();
        }
        try {
            for (int attempt = 1; ; attempt++) {
                try (ContentStore.Writer w = content.writer()) {
                    Throttle t = new Throttle();
                    client.fetchBlob(repo, d, w, (done, total) -> {
                        if (t.due(done)) out.send(JsonMessage.progress(id, "Downloading", done, total));
                    });
                    out.send(JsonMessage.layer(id, "Verifying Checksum"));
                    w.commit(d.digest(), d.size());
                    break;
                } catch (WharfException e) {
                    throw verificationError(e, d);
                } catch (IOException e) {
                    // moby retries a failed layer download, announcing it on the layer's line
                    if (attempt >= DOWNLOAD_ATTEMPTS) throw e;
                    out.send(JsonMessage.layer(id, "Retrying in " + attempt + " second" + (attempt == 1 ? "" : "s")));
                    Thread.sleep(1000L * attempt);
                }
            }
        } finally {
            slots.release();
        }
        out.send(JsonMessage.layer(id, "Download complete"));
    }

    /** Buffers circulating between a layer's download and its unpacking (8 x 256 KiB). */
    private static final int PIPE_CHUNKS = 8, PIPE_CHUNK_SIZE = 256 * 1024;

    /**
     * One pass over a layer: the download is hashed and written to the content store (ingest) and, through a
     * {@link ChunkPipe}, decompressed, hashed and extracted into a new snapshot at the same time. The snapshot becomes
     * visible only after both digests matched (the diff ID at the end of the tar, the compressed digest when the
     * download commits: see {@link ImageService#applyLayerStream}); on a mismatch neither blob nor snapshot is kept.
     * The uncompressed tar is not stored. If the transfer itself fails, falls back to the plain download (with its
     * retries) and unpack. Returns the layer's chain ID.
     */
    private Digest streamLayer(ExecutorService ex, RegistryClient client, Reference repo, Descriptor d, Digest diffId, Digest parent,
                               Semaphore slots, MessageSink out) throws IOException, InterruptedException {
        String id = d.digest().shortHex();
        ContentStore content = images.content();
        if (!slots.tryAcquire()) {
            out.send(JsonMessage.layer(id, "Waiting"));
            slots.acquire();
        }
        boolean released = false;
        try {
            long t0 = System.nanoTime();
            ChunkPipe pipe = new ChunkPipe(PIPE_CHUNKS, PIPE_CHUNK_SIZE);
            // the download's outcome (blob committed, or why not), awaited by the unpacking before the layer is kept
            java.util.concurrent.CompletableFuture<Void> verdict = new java.util.concurrent.CompletableFuture<>();
            long[] unpackedAt = {0};
            Future<Snapshotter.Layer> unpack = ex.submit(() -> withChainLock(Snapshotter.chainId(parent, diffId), () -> {
                try (InputStream in = pipe.input) {
                    Snapshotter.Layer l;
                    try {
                        l = images.applyLayerStream(parent, in, diffId, () -> {
                            unpackedAt[0] = System.nanoTime();
                            in.transferTo(java.io.OutputStream.nullOutputStream()); // gzip padding after the tar's end
                            awaitVerdict(verdict);
                        });
                    } catch (InterruptedException e) {
                        throw new java.io.InterruptedIOException("interrupted");
                    }
                    in.transferTo(java.io.OutputStream.nullOutputStream()); // the layer already existed: let the download finish
                    return l;
                }
            }));
            IOException transferFailed = null;
            long downloadedAt = 0, committedAt = 0;
            try (ContentStore.Writer w = content.writer()) {
                Throttle t = new Throttle();
                try {
                    try (InputStream body = client.openBlob(repo, d)) {
                        long done = 0;
                        while (true) {
                            byte[] buf = pipe.take();
                            int k = body.read(buf);
                            if (k < 0) {
                                pipe.giveBack(buf);
                                break;
                            }
                            w.write(buf, 0, k); // hashed and written before the buffer changes hands
                            pipe.send(buf, k);
                            done += k;
                            if (t.due(done)) out.send(JsonMessage.progress(id, "Downloading", done, d.size()));
                        }
                    }
                    pipe.finish();
                    downloadedAt = System.nanoTime();
                    out.send(JsonMessage.layer(id, "Verifying Checksum"));
                    w.commit(d.digest(), d.size());
                    committedAt = System.nanoTime();
                    verdict.complete(null);
                } catch (IOException e) {
                    pipe.abort();
                    verdict.completeExceptionally(e);
                    transferFailed = e;
                } catch (RuntimeException e) {
                    pipe.abort();
                    verdict.completeExceptionally(e);
                    try {
                        unpack.get();
                    } catch (ExecutionException ignored) {
                        // the download's error is the one to report; the unpacking kept nothing
                    }
                    throw verificationError(e, d);
                } finally {
                    if (!verdict.isDone()) {
                        // an Error or interrupt on the way out: never leave the unpacking waiting for a verdict
                        pipe.abort();
                        verdict.completeExceptionally(new java.io.InterruptedIOException("the download of " + id + " stopped"));
                    }
                }
            }
            Snapshotter.Layer layer;
            try {
                layer = unpack.get();
            } catch (ExecutionException e) {
                Throwable c = e.getCause();
                if (transferFailed != null) {
                    // the transfer broke (network, or the unpacking gave up on bad bytes): the plain path retries the
                    // download with verification, then unpacks from the content store, and reports what is wrong
                    slots.release();
                    released = true;
                    download(client, repo, d, diffId, slots, out);
                    return extract(parent, d, diffId, out);
                }
                if (c instanceof RuntimeException re) throw re;
                if (c instanceof IOException io) throw io;
                throw WharfException.internal(String.valueOf(c), c);
            }
            if (transferFailed != null) throw transferFailed;
            out.send(JsonMessage.layer(id, "Download complete"));
            images.linkCompressed(diffId, Descriptor.of(d.mediaType(), d.digest(), d.size()));
            out.send(JsonMessage.layer(id, "Pull complete"));
            long end = System.nanoTime();
            LOG.debug("layer {} ({} bytes): downloaded in {} ms, blob committed (fsync) +{} ms, unpacked at {} ms, layer kept at {} ms",
                    id, d.size(), (downloadedAt - t0) / 1_000_000, (committedAt - downloadedAt) / 1_000_000,
                    (unpackedAt[0] - t0) / 1_000_000, (end - t0) / 1_000_000);
            return layer.chainId();
        } finally {
            if (!released) slots.release();
        }
    }

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Distribution.class);

    /** Waits for the download's outcome; its failure (as thrown) fails the caller. */
    private static void awaitVerdict(java.util.concurrent.CompletableFuture<Void> verdict) throws IOException, InterruptedException {
        try {
            verdict.get();
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof IOException io) throw io;
            if (c instanceof RuntimeException re) throw re;
            throw WharfException.internal(String.valueOf(c), c);
        }
    }

    private static RuntimeException verificationError(RuntimeException e, Descriptor d) {
        if (e instanceof WharfException w && w.kind() == ErrorKind.INVALID_ARGUMENT && w.getMessage() != null
                && (w.getMessage().contains("digest mismatch") || w.getMessage().contains("got ") || w.getMessage().contains("larger than"))) {
            return new WharfException(ErrorKind.INVALID_ARGUMENT, "filesystem layer verification failed for digest " + d.digest(), e);
        }
        return e;
    }

    @FunctionalInterface
    private interface LockedWork<T> {
        T run() throws IOException;
    }

    private <T> T withChainLock(Digest chain, LockedWork<T> work) throws IOException {
        java.util.concurrent.locks.ReentrantLock lock = unpacking.computeIfAbsent(chain, k -> new java.util.concurrent.locks.ReentrantLock());
        lock.lock();
        try {
            return work.run();
        } finally {
            lock.unlock();
            unpacking.remove(chain, lock);
        }
    }

    /** One lock per layer chain being unpacked, so that concurrent pulls of images sharing layers unpack each once. */
    private final java.util.concurrent.ConcurrentHashMap<Digest, java.util.concurrent.locks.ReentrantLock> unpacking = new java.util.concurrent.ConcurrentHashMap<>();

    /** Unpacks a downloaded layer on top of {@code parent}; returns its chain ID. */
    private Digest extract(Digest parent, Descriptor d, Digest diffId, MessageSink out) {
        try {
            return withChainLock(Snapshotter.chainId(parent, diffId), () -> extractLocked(parent, d, diffId, out));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private Digest extractLocked(Digest parent, Descriptor d, Digest diffId, MessageSink out) {
        String id = d.digest().shortHex();
        ContentStore content = images.content();
        boolean haveBlob = content.exists(d.digest());
        Snapshotter.Layer l;
        if (haveBlob) {
            Throttle t = new Throttle();
            try (InputStream in = new CountingInputStream(content.open(d.digest()), n -> {
                if (t.due(n)) out.send(JsonMessage.progress(id, "Extracting", n, d.size()));
            })) {
                // the blob was verified when it was stored: one pass, no uncompressed copy (see applyLayerStream)
                l = images.applyLayerStream(parent, in, diffId, null);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw WharfException.internal("interrupted unpacking a layer", e);
            }
            images.linkCompressed(diffId, Descriptor.of(d.mediaType(), d.digest(), d.size()));
        } else {
            // only the uncompressed layer is here (kept from an earlier image): unpackLayer takes it by diff ID
            l = images.unpackLayer(parent, InputStream.nullInputStream(), diffId);
        }
        out.send(JsonMessage.layer(id, "Pull complete"));
        return l.chainId();
    }

    /** Which failures of a manifest fetch become docker's pull errors (moby distribution/errors.go). */
    static WharfException pullError(WharfException e, Reference ref) {
        String msg = e.getMessage() == null ? "" : e.getMessage();
        String cause = registryCause(msg);
        switch (e.kind()) {
            case UNAUTHENTICATED, PERMISSION_DENIED -> {
                return new WharfException(ErrorKind.NOT_FOUND, "pull access denied for " + ref.familiarName()
                        + ", repository does not exist or may require 'docker login': "
                        + (cause != null ? cause : "denied: requested access to the resource is denied"), e);
            }
            case NOT_FOUND -> {
                if (cause != null && cause.startsWith("name unknown")) {
                    return new WharfException(ErrorKind.NOT_FOUND, "repository " + ref.familiarName() + " not found: " + cause, e);
                }
                if (cause != null && cause.startsWith("manifest unknown") && !msg.startsWith("manifest for ")) {
                    return new WharfException(ErrorKind.NOT_FOUND, "manifest for " + ref.familiarString() + " not found: " + cause, e);
                }
                return e;
            }
            default -> {
                return e;
            }
        }
    }

    private static final String[] REGISTRY_CODES = {"unauthorized: ", "denied: ", "name unknown: ", "manifest unknown: ", "name invalid: "};

    /** The registry's own words ({@code code: message}) inside a client error, or null. */
    private static String registryCause(String msg) {
        int best = -1;
        for (String code : REGISTRY_CODES) {
            int i = msg.indexOf(code);
            if (i >= 0 && (best < 0 || i < best)) best = i;
        }
        return best < 0 ? null : msg.substring(best);
    }

    /** A transport failure worded as docker's Go HTTP client does. */
    static WharfException connectionError(RegistryClient client, String host, IOException e) {
        String scheme = client.isInsecure(host) ? "http" : "https";
        String what = e instanceof ConnectException ? "dial tcp " + host + ": connect: connection refused"
                : e instanceof HttpConnectTimeoutException ? "dial tcp " + host + ": i/o timeout"
                : e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return new WharfException(ErrorKind.UNAVAILABLE, "Get \"" + scheme + "://" + host + "/v2/\": " + what, e);
    }

    // ================================================================ push

    /**
     * Pushes {@code name}'s tag {@code tag}, or all of its local tags when {@code tag} is null, as {@code docker push}.
     * The first message ("The push refers to repository [...]") is sent before anything is checked, as dockerd
     * does, so every later failure is in-band.
     */
    public List<PushResult> push(Reference name, String tag, AuthConfig auth, MessageSink out) throws InterruptedException {
        Reference repo = name.repository();
        if (name.tag() != null && (tag == null || tag.isEmpty())) tag = name.tag();
        if (name.digest() != null) throw WharfException.invalid("cannot push a digest reference");
        out.send(JsonMessage.status("The push refers to repository [" + repo.name() + "]"));
        Map<String, Digest> tags = localTags(repo);
        if (tags.isEmpty()) throw WharfException.notFound("An image does not exist locally with the tag: %s", repo.familiarName());
        if (tag != null && !tag.isEmpty()) {
            Digest id = tags.get(tag);
            if (id == null) throw WharfException.notFound("tag does not exist: %s", repo.withTag(tag).familiarString());
            tags = Map.of(tag, id);
        }
        List<PushResult> results = new ArrayList<>();
        try (RegistryClient client = client(repo.registryHost(), auth)) {
            for (Map.Entry<String, Digest> e : tags.entrySet()) {
                try {
                    results.add(pushTag(client, repo, e.getKey(), e.getValue(), out));
                } catch (IOException io) {
                    throw connectionError(client, repo.registryHost(), io);
                } catch (WharfException w) {
                    throw pushError(w);
                }
            }
        }
        return results;
    }

    /** The local tags of {@code repo}, sorted, each with its image. */
    private Map<String, Digest> localTags(Reference repo) {
        Map<String, Digest> out = new TreeMap<>();
        for (Image img : images.list(ImageFilter.NONE)) {
            for (String t : img.repoTags()) {
                try {
                    Reference r = Reference.parse(t);
                    if (r.tag() != null && r.repository().equals(repo)) out.put(r.tag(), img.id());
                } catch (WharfException ignored) {
                    // not a reference we could push
                }
            }
        }
        return out;
    }

    private PushResult pushTag(RegistryClient client, Reference repo, String tag, Digest imageId, MessageSink out)
            throws IOException, InterruptedException {
        List<Digest> diffIds = images.get(imageId).diffIds();
        // dockerd lists layers top first, named by their diff ID; "Preparing" covers compressing them (pushBundle)
        Map<Digest, Integer> unique = new LinkedHashMap<>();
        for (int i = diffIds.size() - 1; i >= 0; i--) unique.putIfAbsent(diffIds.get(i), i);
        for (int i : unique.values()) out.send(JsonMessage.layer(diffIds.get(i).shortHex(), "Preparing"));
        ImageService.PushBundle bundle = images.pushBundle(imageId);
        ContentStore content = images.content();
        Semaphore slots = new Semaphore(config.maxConcurrentUploads());
        try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> uploads = new ArrayList<>();
            for (int i : unique.values()) {
                Descriptor d = bundle.layers().get(i);
                String id = diffIds.get(i).shortHex();
                uploads.add(ex.submit(() -> {
                    uploadLayer(client, repo, d, id, slots, out);
                    return null;
                }));
            }
            try {
                for (Future<?> f : uploads) await(f);
            } finally {
                ex.shutdownNow();
            }
        }
        client.pushBlob(repo, bundle.config(), RegistryClient.BlobSource.of(content.path(bundle.config().digest())), List.of(),
                RegistryClient.Progress.NONE);
        Digest digest = client.pushManifest(repo.withTag(tag), bundle.mediaType(), bundle.manifest());
        long size = bundle.manifest().length;
        images.addRepoDigest(imageId, repo.withDigest(digest));
        out.send(JsonMessage.status(tag + ": digest: " + digest + " size: " + size));
        Map<String, Object> aux = new LinkedHashMap<>();
        aux.put("Tag", tag);
        aux.put("Digest", digest.toString());
        aux.put("Size", size);
        out.send(JsonMessage.aux(aux));
        return new PushResult(tag, digest, size);
    }

    private void uploadLayer(RegistryClient client, Reference repo, Descriptor d, String id, Semaphore slots, MessageSink out)
            throws IOException, InterruptedException {
        if (!slots.tryAcquire()) {
            out.send(JsonMessage.layer(id, "Waiting"));
            slots.acquire();
        }
        try {
            List<String> candidates = sources.mountCandidates(d.digest(), repo);
            Throttle t = new Throttle();
            // a HEAD hit or a mount report done == total once: only real upload progress is shown
            RegistryClient.PushOutcome o = client.pushBlob(repo, d, RegistryClient.BlobSource.of(images.content().path(d.digest())),
                    candidates, (done, total) -> {
                        if (done < total && t.due(done)) out.send(JsonMessage.progress(id, "Pushing", done, total));
                    });
            out.send(JsonMessage.layer(id, switch (o) {
                case EXISTS -> "Layer already exists";
                case MOUNTED -> "Mounted from " + candidates.getFirst();
                case UPLOADED -> "Pushed";
            }));
            sources.add(d.digest(), repo);
        } finally {
            slots.release();
        }
    }

    private static WharfException pushError(WharfException e) {
        String msg = e.getMessage() == null ? "" : e.getMessage();
        if (e.kind() == ErrorKind.UNAUTHENTICATED || e.kind() == ErrorKind.PERMISSION_DENIED) {
            String cause = registryCause(msg);
            return new WharfException(e.kind(), cause != null ? cause : e.kind() == ErrorKind.UNAUTHENTICATED
                    ? "unauthorized: authentication required" : "denied: requested access to the resource is denied", e);
        }
        return e;
    }

    // ================================================================ distribution inspect

    /** {@code GET /distribution/{name}/json}: what the reference points at in the registry, and its platforms. */
    public record DistributionInspect(Descriptor descriptor, List<Platform> platforms) {}

    public DistributionInspect inspect(Reference ref, AuthConfig auth) throws InterruptedException {
        Reference r = ref.withDefaultTag();
        try (RegistryClient client = client(r.registryHost(), auth)) {
            try {
                RegistryClient.ManifestResponse top = client.getManifest(r);
                List<Platform> platforms = new ArrayList<>();
                if (io.wharf.oci.MediaTypes.isIndex(top.mediaType())) {
                    for (Descriptor d : io.wharf.oci.Index.parse(top.bytes()).manifests()) if (d.platform() != null) platforms.add(d.platform());
                } else {
                    Manifest m = Manifest.parse(top.bytes());
                    ByteArrayOutputStream b = new ByteArrayOutputStream();
                    if (m.config().size() > 8 << 20) throw WharfException.invalid("image config is too large");
                    client.fetchBlob(r.repository(), m.config(), b, RegistryClient.Progress.NONE);
                    ImageConfig c = ImageConfig.parse(b.toByteArray());
                    platforms.add(Platform.of(c.os() == null ? "linux" : c.os(), c.architecture() == null ? "amd64" : c.architecture(), c.variant()));
                }
                return new DistributionInspect(top.descriptor(), platforms);
            } catch (WharfException e) {
                throw pullError(e, r);
            } catch (IOException e) {
                throw connectionError(client, r.registryHost(), e);
            }
        }
    }

    // ================================================================ search

    /** One {@code docker search} result. */
    public record SearchResult(String name, String description, int starCount, boolean official, boolean automated) {}

    /**
     * {@code docker search HOST/term}: registries of the v2 API have no search endpoint, so the repositories of
     * {@code HOST}'s catalog whose name contains {@code term} are listed (the way one would grep {@code _catalog}).
     * Docker Hub's v1 search service is not reachable from here: UNAVAILABLE.
     */
    public List<SearchResult> search(String term, int limit, AuthConfig auth) throws InterruptedException {
        int slash = term.indexOf('/');
        String first = slash < 0 ? "" : term.substring(0, slash);
        boolean hasHost = slash > 0 && (first.contains(".") || first.contains(":") || first.equals("localhost"));
        if (!hasHost || first.equals("docker.io") || first.equals("index.docker.io")) {
            throw WharfException.unavailable("searching Docker Hub is not supported by this engine; search a registry by its address, e.g. docker search 127.0.0.1:5000/%s", term);
        }
        String q = term.substring(slash + 1).toLowerCase(java.util.Locale.ROOT);
        try (RegistryClient client = client(first, auth)) {
            List<SearchResult> out = new ArrayList<>();
            for (String repo : client.catalog(first)) {
                if (!repo.contains(q)) continue;
                out.add(new SearchResult(first + "/" + repo, "", 0, false, false));
                if (limit > 0 && out.size() >= limit) break;
            }
            return out;
        } catch (IOException e) {
            throw WharfException.unavailable("searching %s: %s", first, e.getMessage() == null ? e.toString() : e.getMessage());
        }
    }

    // ================================================================ login

    /** The registry host a {@code docker login} server address names; Docker Hub for empty or its index URL. */
    static String loginHost(String serverAddress) {
        String s = serverAddress == null ? "" : serverAddress.trim();
        int scheme = s.indexOf("://");
        if (scheme >= 0) s = s.substring(scheme + 3);
        int slash = s.indexOf('/');
        if (slash >= 0) s = s.substring(0, slash);
        if (s.isEmpty() || s.equals("docker.io") || s.equals("index.docker.io") || s.equals("registry-1.docker.io")) {
            return "registry-1.docker.io";
        }
        return s;
    }

    /**
     * {@code POST /auth}: checks the credentials against the registry's {@code /v2/}. Failures read like dockerd's:
     * {@code login attempt to http://h/v2/ failed with status: 401 Unauthorized} (basic auth), or the token
     * service's {@code unauthorized: ...}.
     */
    public void login(AuthConfig auth) throws InterruptedException {
        String host = loginHost(auth.serverAddress());
        try (RegistryClient client = client(host, auth)) {
            try {
                client.login(host);
            } catch (WharfException e) {
                if (e.kind() != ErrorKind.UNAUTHENTICATED && e.kind() != ErrorKind.PERMISSION_DENIED) throw e;
                String scheme = client.isInsecure(host) ? "http" : "https";
                String msg = e.getMessage() == null ? "" : e.getMessage();
                if (msg.startsWith("unauthorized: authentication required for")) {
                    // the token service refused the credentials
                    throw new WharfException(ErrorKind.UNAUTHENTICATED, "Get \"" + scheme + "://" + host + "/v2/\": unauthorized: incorrect username or password", e);
                }
                int code = e.kind() == ErrorKind.UNAUTHENTICATED ? 401 : 403;
                throw new WharfException(ErrorKind.UNAUTHENTICATED, "login attempt to " + scheme + "://" + host + "/v2/ failed with status: "
                        + code + (code == 401 ? " Unauthorized" : " Forbidden"), e);
            } catch (IOException e) {
                throw connectionError(client, host, e);
            }
        }
    }

    // ================================================================ helpers

    /** Limits progress messages to one per 512 KiB or 100 ms, as moby's progress reader does. */
    private static final class Throttle {
        private long lastBytes = -1;
        private long lastNanos;

        boolean due(long done) {
            long now = System.nanoTime();
            if (lastBytes < 0 || done - lastBytes >= 512 * 1024 || now - lastNanos >= 100_000_000L) {
                lastBytes = done;
                lastNanos = now;
                return true;
            }
            return false;
        }
    }

    private static final class CountingInputStream extends FilterInputStream {
        private final LongConsumer progress;
        private long n;

        CountingInputStream(InputStream in, LongConsumer progress) {
            super(in);
            this.progress = progress;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) progress.accept(++n);
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int k = super.read(b, off, len);
            if (k > 0) progress.accept(n += k);
            return k;
        }
    }
}
