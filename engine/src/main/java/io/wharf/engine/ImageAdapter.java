package io.wharf.engine;

import io.wharf.common.WharfException;
import io.wharf.image.Change;
import io.wharf.image.ContainerUsage;
import io.wharf.image.ImageService;
import io.wharf.oci.Digest;
import io.wharf.image.CommitOptions;
import io.wharf.image.DeleteItem;
import io.wharf.image.HistoryItem;
import io.wharf.image.Image;
import io.wharf.image.ImageFilter;
import io.wharf.image.ImportOptions;
import io.wharf.image.PruneReport;
import io.wharf.oci.ImageConfig;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * What the engine needs from the image module, in one place: resolve a name to an image (ID + config), a
 * container's writable rootfs (an overlay snapshot on top of the image's layers), and the image store operations
 * behind the /images endpoints.
 */
final class ImageAdapter {
    /** An image resolved for a container: "sha256:..." ID and its config. */
    record Resolved(String id, ImageConfig config) {}

    private final Path rootfsDir;
    private final ImageService service;
    private Containers containers;

    ImageAdapter(Path root, Events events) {
        this.rootfsDir = root.resolve("rootfs");
        this.service = new ImageService(root);
    }

    void containers(Containers c) {
        this.containers = c;
    }

    ImageService service() {
        return service;
    }

    /** docker's rule input: which containers use an image (running or not). */
    ContainerUsage usage() {
        return id -> {
            List<ContainerUsage.User> out = new ArrayList<>();
            if (containers != null) for (Container c : containers.usersOfImage(id.toString())) out.add(new ContainerUsage.User(c.id, c.state.running));
            return out;
        };
    }

    Resolved resolve(String ref) {
        Image i = get(ref);
        return new Resolved(i.id().toString(), i.config());
    }

    /** NOT_FOUND "No such image: ref". */
    Image get(String ref) {
        return service.get(ref);
    }

    /** Prepares (idempotently) and mounts the container's rootfs snapshot; returns the mounted directory. */
    Path mountRootfs(String containerId, String imageId) {
        if (!service.snapshotter().exists(containerId)) service.prepare(containerId, Digest.parse(imageId));
        Path target = rootfsDir.resolve(containerId);
        try {
            java.nio.file.Files.createDirectories(target);
        } catch (java.io.IOException e) {
            throw WharfException.internal("cannot create " + target + ": " + e.getMessage(), e);
        }
        return service.mount(containerId, target);
    }

    void unmountRootfs(String containerId) {
        Path target = rootfsDir.resolve(containerId);
        service.unmount(target);
        try {
            java.nio.file.Files.deleteIfExists(target);
        } catch (java.io.IOException ignored) {
            // still busy: removed at the next removal attempt
        }
    }

    void removeRootfs(String containerId) {
        if (service.snapshotter().exists(containerId)) service.remove(containerId);
    }

    List<Change> changes(String containerId) {
        if (!service.snapshotter().exists(containerId)) return List.of();
        return service.changes(containerId);
    }

    void export(String containerId, String imageId, OutputStream out) {
        if (!service.snapshotter().exists(containerId)) service.prepare(containerId, Digest.parse(imageId));
        service.export(containerId, out);
    }

    /** Bytes in the container's writable layer (docker's SizeRw); 0 when it has none yet. */
    long sizeRw(String containerId) {
        try {
            return service.snapshotter().exists(containerId) ? service.sizeRw(containerId) : 0;
        } catch (RuntimeException e) {
            return 0;
        }
    }

    int count() {
        return list(ImageFilter.NONE).size();
    }

    List<Image> list(ImageFilter filter) {
        return service.list(filter);
    }

    List<HistoryItem> history(String ref) {
        return service.history(ref);
    }

    void tag(String ref, String target) {
        service.tag(ref, target);
    }

    List<DeleteItem> remove(String ref, boolean force, boolean prune) {
        // a --rm container answered as removed may still hold its snapshot on the image: let it go first, before
        // the image service takes its locks (the container's cleanup needs them too)
        if (containers != null) containers.awaitCleanups();
        return service.delete(ref, force, prune, usage());
    }

    PruneReport prune(ImageFilter filter) {
        if (containers != null) containers.awaitCleanups(); // as in remove
        return service.prune(filter, usage());
    }

    void save(List<String> refs, OutputStream out) {
        service.save(refs, out);
    }

    /** Loads a docker-save tar; reports each "Loaded image: x" / "Loaded image ID: sha256:..." line. */
    void load(InputStream tar, Consumer<String> loaded) {
        for (String l : service.load(tar)) loaded.accept(l);
    }

    String importTar(InputStream tar, ImportOptions opts) {
        return service.importImage(tar, opts).toString();
    }

    String commit(String containerId, String imageId, CommitOptions opts) {
        if (!service.snapshotter().exists(containerId)) service.prepare(containerId, Digest.parse(imageId));
        return service.commit(containerId, Digest.parse(imageId), opts).toString();
    }

    /** docker images / system df entries. */
    List<Map<String, Object>> summaries(Containers cs) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Image i : list(ImageFilter.NONE)) out.add(summary(i, cs));
        return out;
    }

    /**
     * For system df: each image's summary with SharedSize (its layers that other images use too), and the size of
     * all distinct layers, as dockerd computes them; the CLI's RECLAIMABLE needs SharedSize != -1.
     */
    record DiskUsage(List<Map<String, Object>> images, long layersSize) {}

    DiskUsage diskUsage(Containers cs) {
        List<Image> all = list(ImageFilter.NONE);
        Map<io.wharf.oci.Digest, Long> sizes = service.layerSizes();
        Map<io.wharf.oci.Digest, Integer> uses = new java.util.HashMap<>();
        for (Image i : all) for (var ch : new java.util.HashSet<>(i.chainIds())) uses.merge(ch, 1, Integer::sum);
        long layers = 0;
        for (var ch : uses.keySet()) layers += sizes.getOrDefault(ch, 0L);
        List<Map<String, Object>> out = new ArrayList<>();
        for (Image i : all) {
            Map<String, Object> m = summary(i, cs);
            long shared = 0;
            for (var ch : new java.util.HashSet<>(i.chainIds())) if (uses.getOrDefault(ch, 0) > 1) shared += sizes.getOrDefault(ch, 0L);
            m.put("SharedSize", shared);
            out.add(m);
        }
        return new DiskUsage(out, layers);
    }

    static Map<String, Object> summary(Image i, Containers cs) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("Containers", cs == null ? -1 : cs.usersOfImage(i.id().toString()).size());
        m.put("Created", i.created() == null ? 0 : i.created().getEpochSecond());
        m.put("Id", i.id().toString());
        Map<String, String> labels = i.config().configOrEmpty().labels();
        m.put("Labels", labels == null ? Map.of() : labels);
        m.put("ParentId", i.parent() == null ? "" : i.parent().toString());
        m.put("RepoDigests", i.repoDigests());
        m.put("RepoTags", i.repoTags());
        m.put("SharedSize", -1);
        m.put("Size", i.size());
        return m;
    }
}
