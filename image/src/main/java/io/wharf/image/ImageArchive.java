package io.wharf.image;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.wharf.common.Json;
import io.wharf.common.WharfException;
import io.wharf.oci.Descriptor;
import io.wharf.oci.Digest;
import io.wharf.oci.ImageConfig;
import io.wharf.oci.Index;
import io.wharf.oci.Manifest;
import io.wharf.oci.MediaTypes;
import io.wharf.oci.Platform;
import io.wharf.oci.Reference;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code docker save} and {@code docker load} (moby image/tarexport).
 *
 * <p>Save writes dockerd ≥25's layout, which is both an OCI image layout and the legacy {@code manifest.json}
 * format: {@code blobs/sha256/<config>}, one uncompressed tar per layer named by its diff ID, an OCI manifest per
 * image, {@code index.json} (with {@code io.containerd.image.name} / {@code org.opencontainers.image.ref.name}
 * annotations per tag), {@code manifest.json}, {@code oci-layout} and {@code repositories}. It streams blob files
 * straight from the content store; nothing is built in memory but the small JSON files. All mtimes are 0.
 *
 * <p>Load reads every layout docker has written: {@code manifest.json} pointing at {@code blobs/sha256/…} (≥25) or
 * {@code <v1id>/layer.tar} (≤24, possibly symlinked), and, without manifest.json, an OCI layout's index.json.
 * Layers may be gzip/zstd/xz compressed; each must decompress to its config's diff ID.
 */
final class ImageArchive {
    private ImageArchive() {}

    @JsonInclude(JsonInclude.Include.ALWAYS)
    record ManifestEntry(@JsonProperty("Config") String config, @JsonProperty("RepoTags") List<String> repoTags,
                         @JsonProperty("Layers") List<String> layers) {}

    private record Selected(Digest id, List<Reference> tags) {}

    static void save(ImageService svc, List<String> names, OutputStream out) {
        if (names.isEmpty()) throw WharfException.invalid("no images specified");
        Map<Digest, List<Reference>> images = new LinkedHashMap<>();
        for (String name : names) {
            Image img = svc.get(name);
            List<Reference> tags = new ArrayList<>();
            if (!Reference.looksLikeId(name) || !(img.id().hex().startsWith(name) || img.id().toString().startsWith(name))) {
                Reference r = Reference.parse(name);
                if (!r.isTagged() && !r.isCanonical()) {
                    for (Reference t : svc.tagsOfRepository(r)) {
                        Digest tid = svc.idOfReference(t);
                        images.computeIfAbsent(tid, k -> new ArrayList<>()).add(t);
                    }
                    if (images.containsKey(img.id())) continue;
                } else if (r.isTagged()) {
                    tags.add(r.repository().withTag(r.tag()));
                }
            }
            List<Reference> have = images.computeIfAbsent(img.id(), k -> new ArrayList<>());
            for (Reference t : tags) if (!have.contains(t)) have.add(t);
        }
        ContentStore cs = svc.content();
        Set<Digest> written = new HashSet<>();
        List<Descriptor> indexEntries = new ArrayList<>();
        List<ManifestEntry> manifestJson = new ArrayList<>();
        Map<String, Map<String, String>> repositories = new LinkedHashMap<>();
        try (TarArchiveOutputStream tar = Archive.newTarOut(out)) {
            dir(tar, "blobs/");
            dir(tar, "blobs/sha256/");
            for (var e : images.entrySet()) {
                Image img = svc.get(e.getKey());
                blob(tar, cs, img.id(), written);
                List<Descriptor> layers = new ArrayList<>();
                List<String> layerPaths = new ArrayList<>();
                for (Digest d : img.diffIds()) {
                    if (!cs.exists(d)) svc.ensureUncompressed(d); // pulled layers keep only their compressed blob
                    if (!cs.exists(d)) throw WharfException.precondition("layer %s of image %s is missing from the content store", d, img.id().shortHex());
                    blob(tar, cs, d, written);
                    layers.add(Descriptor.of(MediaTypes.OCI_LAYER_TAR, d, cs.size(d)));
                    layerPaths.add("blobs/sha256/" + d.hex());
                }
                byte[] cfg = cs.read(img.id());
                Manifest m = Manifest.oci(Descriptor.of(MediaTypes.OCI_CONFIG, img.id(), cfg.length), layers);
                byte[] mb = m.toBytes();
                Digest md = Digest.sha256(mb);
                if (written.add(md)) file(tar, "blobs/sha256/" + md.hex(), mb);
                Descriptor md0 = Descriptor.of(MediaTypes.OCI_MANIFEST, md, mb.length);
                List<String> repoTags = new ArrayList<>();
                if (e.getValue().isEmpty()) {
                    indexEntries.add(md0);
                }
                for (Reference t : e.getValue()) {
                    indexEntries.add(md0.withAnnotations(Map.of(Descriptor.ANNOTATION_CONTAINERD_IMAGE_NAME, t.toString(),
                            Descriptor.ANNOTATION_REF_NAME, t.tag())));
                    repoTags.add(t.familiarString());
                    if (!img.diffIds().isEmpty()) {
                        repositories.computeIfAbsent(t.familiarName(), k -> new LinkedHashMap<>()).put(t.tag(), img.diffIds().getLast().hex());
                    }
                }
                manifestJson.add(new ManifestEntry("blobs/sha256/" + img.id().hex(), repoTags.isEmpty() ? null : repoTags, layerPaths));
            }
            file(tar, "index.json", Index.oci(indexEntries).toBytes());
            file(tar, "manifest.json", Json.MAPPER.writeValueAsBytes(manifestJson));
            file(tar, "oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}".getBytes(StandardCharsets.UTF_8));
            if (!repositories.isEmpty()) file(tar, "repositories", Json.MAPPER.writeValueAsBytes(repositories));
            tar.finish();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void dir(TarArchiveOutputStream tar, String name) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name);
        e.setMode(0755);
        e.setUserName("");
        e.setGroupName("");
        e.setModTime(FileTime.fromMillis(0));
        tar.putArchiveEntry(e);
        tar.closeArchiveEntry();
    }

    private static void file(TarArchiveOutputStream tar, String name, byte[] data) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name);
        e.setMode(0644);
        e.setUserName("");
        e.setGroupName("");
        e.setSize(data.length);
        e.setModTime(FileTime.fromMillis(0));
        tar.putArchiveEntry(e);
        tar.write(data);
        tar.closeArchiveEntry();
    }

    private static void blob(TarArchiveOutputStream tar, ContentStore cs, Digest d, Set<Digest> written) throws IOException {
        if (!written.add(d)) return;
        TarArchiveEntry e = new TarArchiveEntry("blobs/sha256/" + d.hex());
        e.setMode(0644);
        e.setUserName("");
        e.setGroupName("");
        e.setSize(cs.size(d));
        e.setModTime(FileTime.fromMillis(0));
        tar.putArchiveEntry(e);
        try (InputStream in = cs.open(d)) {
            in.transferTo(tar);
        }
        tar.closeArchiveEntry();
    }

    // ---------------------------------------------------------------- load

    private static final ExtractOptions SPOOL = new ExtractOptions(false, false, false, 0, 0, false);

    static List<String> load(ImageService svc, InputStream in) {
        Path dir = svc.newTempDir("load-");
        try {
            try (InputStream raw = Compression.decompress(in)) {
                Archive.applyLayer(dir, raw, SPOOL);
            }
            Path mj = Archive.resolveInRoot(dir, "manifest.json", true);
            List<String> lines = new ArrayList<>();
            if (Files.isRegularFile(mj)) {
                ManifestEntry[] entries = Json.parse(Files.readAllBytes(mj), ManifestEntry[].class);
                if (entries == null) throw WharfException.invalid("invalid manifest.json: null");
                for (ManifestEntry e : entries) {
                    if (e == null || e.config() == null) throw WharfException.invalid("invalid manifest.json: entry without Config");
                    loadOne(svc, dir, e.config(), e.layers() == null ? List.of() : e.layers(), e.repoTags() == null ? List.of() : e.repoTags(), lines);
                }
            } else if (Files.isRegularFile(Archive.resolveInRoot(dir, "index.json", true))) {
                loadOciLayout(svc, dir, lines);
            } else {
                throw WharfException.invalid("invalid tar: neither manifest.json nor index.json found (not a docker save archive)");
            }
            return lines;
        } catch (IOException e) {
            throw new WharfException(io.wharf.common.ErrorKind.INVALID_ARGUMENT, "cannot load images: " + e.getMessage(), e);
        } finally {
            try {
                Archive.removeAll(dir);
            } catch (IOException ignored) {
                // collected at the next start
            }
        }
    }

    private static void loadOne(ImageService svc, Path dir, String configPath, List<String> layerPaths, List<String> repoTags,
                                List<String> lines) throws IOException {
        Path cp = Archive.resolveInRoot(dir, configPath, true);
        if (!Files.isRegularFile(cp)) throw WharfException.invalid("invalid tar: config %s not found", configPath);
        byte[] cfg = Files.readAllBytes(cp);
        ImageConfig c = ImageConfig.parse(cfg);
        List<Digest> diffIds = c.diffIds();
        if (diffIds.size() != layerPaths.size()) {
            throw WharfException.invalid("invalid manifest, layers length mismatch: expected %d, got %d", diffIds.size(), layerPaths.size());
        }
        Digest parent = null;
        for (int i = 0; i < layerPaths.size(); i++) {
            Path lp = Archive.resolveInRoot(dir, layerPaths.get(i), true);
            if (!Files.isRegularFile(lp)) throw WharfException.invalid("invalid tar: layer %s not found", layerPaths.get(i));
            try (InputStream li = Files.newInputStream(lp)) {
                parent = svc.unpackLayer(parent, li, diffIds.get(i)).chainId();
            } catch (WharfException e) {
                if (e.getMessage().startsWith("digest mismatch")) {
                    throw WharfException.invalid("invalid diffID for layer %d: %s", i, e.getMessage());
                }
                throw e;
            }
        }
        Digest id = svc.register(cfg, null, List.of());
        int tagged = 0;
        for (String t : repoTags) {
            Reference r = Reference.parse(t);
            if (!r.isTagged()) throw WharfException.invalid("invalid tag %s in manifest.json", t);
            tagged++;
            Digest prev = svc.tagImage(id, r.toString());
            if (prev != null) {
                lines.add("The image " + r.familiarString() + " already exists, renaming the old one with ID " + prev + " to empty string");
            }
            lines.add("Loaded image: " + r.familiarString());
        }
        if (tagged == 0) lines.add("Loaded image ID: " + id);
    }

    private static void loadOciLayout(ImageService svc, Path dir, List<String> lines) throws IOException {
        Index index = Index.parse(Files.readAllBytes(Archive.resolveInRoot(dir, "index.json", true)));
        for (Descriptor d : index.manifests()) {
            Descriptor md = d;
            if (MediaTypes.isIndex(md.mediaType())) {
                Index nested = Index.parse(readBlob(dir, md.digest()));
                md = nested.select(Platform.host()).orElseThrow(() -> WharfException.invalid("no manifest for %s in the OCI layout", Platform.host()));
            }
            if (!MediaTypes.isManifest(md.mediaType())) continue;
            Manifest m = Manifest.parse(readBlob(dir, md.digest()));
            String cfgPath = "blobs/" + m.config().digest().algorithm() + "/" + m.config().digest().hex();
            List<String> layerPaths = m.layers().stream().map(l -> "blobs/" + l.digest().algorithm() + "/" + l.digest().hex()).toList();
            String name = d.annotation(Descriptor.ANNOTATION_CONTAINERD_IMAGE_NAME);
            List<String> tags = new ArrayList<>();
            if (name != null) {
                try {
                    Reference r = Reference.parse(name);
                    if (r.isTagged()) tags.add(r.repository().withTag(r.tag()).toString());
                } catch (WharfException ignored) {
                    // unnamed
                }
            }
            loadOne(svc, dir, cfgPath, layerPaths, tags, lines);
        }
    }

    private static byte[] readBlob(Path dir, Digest d) throws IOException {
        Path p = Archive.resolveInRoot(dir, "blobs/" + d.algorithm() + "/" + d.hex(), true);
        if (!Files.isRegularFile(p)) throw WharfException.invalid("invalid OCI layout: blob %s missing", d);
        byte[] b = Files.readAllBytes(p);
        if (!Digest.sha256(b).equals(d) && d.algorithm().equals("sha256")) throw WharfException.invalid("invalid OCI layout: blob %s corrupt", d);
        return b;
    }
}
