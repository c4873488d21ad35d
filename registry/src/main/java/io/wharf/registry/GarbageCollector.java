package io.wharf.registry;

import io.wharf.oci.Digest;
import io.wharf.registry.storage.StorageDriver;
import io.wharf.registry.storage.StorageDriver.PathNotFoundException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Mark and sweep, after distribution's {@code registry garbage-collect}: marks every manifest a repository holds
 * (tagged or by digest), with its config, layers and index children, then deletes blobs nobody marked.
 *
 * <p>Safe while serving: reads never lock (an open blob stays readable after unlink); writers that make content
 * referenced (blob commit, mount, manifest PUT) hold {@link RegistryStorage#gcLock}'s read side, GC its write side,
 * so no manifest can start referencing a blob between mark and sweep. Blobs written or linked into a repository
 * (upload, re-push, mount) within the grace period are kept: their manifest has probably not arrived yet.
 */
public final class GarbageCollector {
    /** What one run did. */
    public record Result(int manifestsMarked, int blobsMarked, int blobsDeleted, long bytesFreed, int uploadsPurged) {}

    private final RegistryStorage storage;
    private final Clock clock;

    public GarbageCollector(RegistryStorage storage, Clock clock) {
        this.storage = storage;
        this.clock = clock;
    }

    /**
     * Runs one collection. {@code grace}: unreferenced blobs modified less than this long ago are kept.
     * {@code uploadMaxAge}: upload sessions idle longer than this are purged.
     */
    public Result run(Duration grace, Duration uploadMaxAge) throws IOException {
        StorageDriver d = storage.driver;
        storage.gcLock.writeLock().lock();
        try {
            Set<Digest> marked = new HashSet<>();
            List<String> revisionLinks = new ArrayList<>();
            List<String> layerLinks = new ArrayList<>();
            long cutoff = clock.millis() - grace.toMillis();
            try {
                d.walk("repositories", fi -> {
                    if (fi.directory() || !fi.path().endsWith("/link")) return;
                    if (fi.path().contains("/_manifests/revisions/")) {
                        revisionLinks.add(fi.path());
                    } else if (fi.path().contains("/_layers/")) {
                        layerLinks.add(fi.path());
                        // a blob linked moments ago (uploaded, re-pushed or mounted) awaits its manifest: keep it
                        if (fi.modifiedMillis() > cutoff) linkedDigest(fi.path()).ifPresent(marked::add);
                    }
                });
            } catch (PathNotFoundException e) {
                // no repositories yet
            }
            int manifests = 0;
            for (String link : revisionLinks) {
                Digest m = Digest.parse(new String(d.getContent(link), StandardCharsets.US_ASCII).trim());
                marked.add(m);
                manifests++;
                try {
                    RegistryStorage.StoredManifest sm = storage.load(m);
                    RegistryStorage.ManifestRefs refs = RegistryStorage.refsOf(sm.mediaType(), sm.doc());
                    marked.addAll(refs.blobs());
                    marked.addAll(refs.manifests());
                } catch (RegistryException e) {
                    // a revision whose bytes are gone or unreadable references nothing we can know
                }
            }
            List<String> doomed = new ArrayList<>();
            long[] bytes = {0};
            try {
                d.walk("blobs", fi -> {
                    if (fi.directory() || !fi.path().endsWith("/data")) return;
                    String[] parts = fi.path().split("/"); // blobs/<alg>/<xx>/<hex>/data
                    if (parts.length != 5) return;
                    Digest dg;
                    try {
                        dg = new Digest(parts[1], parts[3]);
                    } catch (RuntimeException e) {
                        return;
                    }
                    if (!marked.contains(dg) && fi.modifiedMillis() <= cutoff) {
                        doomed.add(RegistryStorage.blobDir(dg));
                        bytes[0] += fi.size();
                        storage.forget(dg);
                    }
                });
            } catch (PathNotFoundException e) {
                // no blobs yet
            }
            for (String dir : doomed) delete(d, dir);
            // links to blobs that are gone would only mislead a later mount or stat
            for (String link : layerLinks) {
                Optional<Digest> dg = linkedDigest(link);
                if (dg.isEmpty()) continue;
                try {
                    d.stat(RegistryStorage.blobData(dg.get()));
                } catch (PathNotFoundException e) {
                    delete(d, link.substring(0, link.length() - "/link".length()));
                }
            }
            int purged = purgeUploads(d, clock.millis() - uploadMaxAge.toMillis());
            return new Result(manifests, marked.size(), doomed.size(), bytes[0], purged);
        } finally {
            storage.gcLock.writeLock().unlock();
        }
    }

    /** The digest a {@code .../_layers/<alg>/<hex>/link} path names. */
    private static Optional<Digest> linkedDigest(String link) {
        String[] parts = link.split("/");
        try {
            return Optional.of(new Digest(parts[parts.length - 3], parts[parts.length - 2]));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    private static int purgeUploads(StorageDriver d, long cutoff) throws IOException {
        List<String> sessions;
        try {
            sessions = d.list("_uploads");
        } catch (PathNotFoundException e) {
            return 0;
        }
        int n = 0;
        for (String s : sessions) {
            long mtime;
            try {
                mtime = d.stat(s + "/data").modifiedMillis();
            } catch (PathNotFoundException e) {
                try {
                    mtime = d.stat(s).modifiedMillis();
                } catch (PathNotFoundException gone) {
                    continue; // completed or cancelled while we looked
                }
            }
            if (mtime <= cutoff) {
                delete(d, s);
                n++;
            }
        }
        return n;
    }

    private static void delete(StorageDriver d, String path) throws IOException {
        try {
            d.delete(path);
        } catch (PathNotFoundException ignored) {
            // raced with a delete
        }
    }
}
