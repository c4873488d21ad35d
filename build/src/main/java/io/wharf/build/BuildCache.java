package io.wharf.build;

import com.fasterxml.jackson.core.type.TypeReference;
import io.wharf.common.AtomicFiles;
import io.wharf.common.Json;
import io.wharf.oci.Digest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The per-instruction build cache: key (parent image ID + the instruction as executed, with expanded values, build
 * args and, for COPY/ADD, the hash of the copied content without mtimes) → resulting image ID. Kept in one JSON file
 * written atomically after each new entry, so it survives restarts. A hit is valid only while the image exists
 * (the caller checks), so {@code docker rmi} invalidates it without bookkeeping here.
 */
final class BuildCache {
    private final Path file;
    private final Map<String, String> entries = new LinkedHashMap<>();

    BuildCache(Path file) {
        this.file = file;
        if (Files.exists(file)) {
            try {
                Map<String, String> m = Json.MAPPER.readValue(Files.readAllBytes(file), new TypeReference<LinkedHashMap<String, String>>() {});
                if (m != null) entries.putAll(m);
            } catch (IOException e) {
                // a damaged cache is only a slower build
            }
        }
    }

    /** Drops entries whose image is gone (deleted or pruned), so the file does not grow without bound. */
    synchronized void retainImages(java.util.function.Predicate<Digest> exists) {
        int before = entries.size();
        entries.values().removeIf(v -> !exists.test(Digest.parse(v)));
        if (entries.size() == before) return;
        try {
            AtomicFiles.write(file, Json.bytes(entries));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String key(Digest parent, String text) {
        return Digest.sha256(((parent == null ? "scratch" : parent.toString()) + "\n" + text).getBytes(StandardCharsets.UTF_8)).hex();
    }

    synchronized Digest get(String key) {
        String v = entries.get(key);
        return v == null ? null : Digest.parse(v);
    }

    synchronized void put(String key, Digest image) {
        if (image.toString().equals(entries.get(key))) return;
        entries.put(key, image.toString());
        try {
            AtomicFiles.write(file, Json.bytes(entries));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
