package io.wharf.engine.distribution;

import com.fasterxml.jackson.core.type.TypeReference;
import io.wharf.common.AtomicFiles;
import io.wharf.common.Json;
import io.wharf.oci.Digest;
import io.wharf.oci.Reference;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * Which repositories are known to hold a blob (moby's "v2 metadata" service): filled by pulls and pushes, read by
 * pushes to offer a cross-repository mount ({@code ?mount=&from=}) instead of an upload. Kept in one JSON file;
 * at most {@link #MAX_SOURCES} repositories per blob, the most recent first.
 */
final class BlobSources {
    static final int MAX_SOURCES = 5;

    private final Path file;
    private final Map<String, List<String>> sources = new LinkedHashMap<>();

    BlobSources(Path file) {
        this.file = file;
        try {
            if (Files.exists(file)) sources.putAll(Json.MAPPER.readValue(Files.readAllBytes(file), new TypeReference<Map<String, List<String>>>() {}));
        } catch (IOException e) {
            // a damaged hint file only costs mounts: start empty
            org.slf4j.LoggerFactory.getLogger(BlobSources.class).warn("ignoring unreadable {}: {}", file, e.toString());
        }
    }

    /** Records that {@code repo} (its registry host and path) holds {@code blob}. */
    void add(Digest blob, Reference repo) {
        addAll(List.of(blob), repo);
    }

    /** Records that {@code repo} holds every one of {@code blobs}; one file write. */
    synchronized void addAll(List<Digest> blobs, Reference repo) {
        String name = repo.domain() + "/" + repo.path();
        boolean changed = false;
        for (Digest blob : blobs) {
            String key = blob.toString();
            List<String> old = sources.getOrDefault(key, List.of());
            if (!old.isEmpty() && old.getFirst().equals(name)) continue;
            LinkedHashSet<String> s = new LinkedHashSet<>();
            s.add(name);
            s.addAll(old);
            List<String> l = new ArrayList<>(s);
            sources.put(key, List.copyOf(l.subList(0, Math.min(l.size(), MAX_SOURCES))));
            changed = true;
        }
        if (!changed) return;
        try {
            AtomicFiles.writeJson(file, sources);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Repository paths on {@code target}'s registry, other than {@code target} itself, known to hold {@code blob}. */
    synchronized List<String> mountCandidates(Digest blob, Reference target) {
        List<String> out = new ArrayList<>();
        for (String s : sources.getOrDefault(blob.toString(), List.of())) {
            int slash = s.indexOf('/');
            String domain = s.substring(0, slash), path = s.substring(slash + 1);
            if (domain.equals(target.domain()) && !path.equals(target.path())) out.add(path);
        }
        return out;
    }
}
