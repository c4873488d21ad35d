package io.wharf.engine;

import io.wharf.common.AtomicFiles;
import io.wharf.common.Json;
import io.wharf.common.WharfException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Docker's "local" volume driver: a volume is the directory {@code <root>/volumes/<name>/_data}, with its metadata
 * (labels, options, creation time, anonymous or not) in {@code <root>/volumes/<name>/meta.json}.
 */
public final class Volumes {
    /** One volume. */
    public record Volume(String name, Instant createdAt, Map<String, String> labels, Map<String, String> options, boolean anonymous) {
        public Volume {
            if (name == null || !Names.VALID.matcher(name).matches() || name.startsWith("/"))
                throw WharfException.invalid("create %s: \"%s\" includes invalid characters for a local volume name, only \"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed. If you intended to pass a host directory, use absolute path", name, name);
            labels = labels == null ? Map.of() : Map.copyOf(labels);
            options = options == null ? Map.of() : Map.copyOf(options);
        }
    }

    private final Path dir;

    public Volumes(Path root) {
        this.dir = root.resolve("volumes");
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Path mountpoint(String name) {
        return dir.resolve(name).resolve("_data");
    }

    /** Creates the volume, or returns the existing one of that name (docker's create is idempotent). */
    public synchronized Volume create(String name, Map<String, String> labels, Map<String, String> options, boolean anonymous) throws IOException {
        if (name == null || name.isEmpty()) {
            name = Names.newId();
            anonymous = true;
        }
        Volume existing = find(name);
        if (existing != null) return existing;
        Volume v = new Volume(name, Instant.now().truncatedTo(ChronoUnit.SECONDS), labels, options, anonymous);
        Files.createDirectories(mountpoint(name));
        AtomicFiles.writeJson(dir.resolve(name).resolve("meta.json"), v);
        return v;
    }

    public synchronized Volume find(String name) {
        if (name == null || name.contains("/") || name.startsWith(".")) return null;
        Path meta = dir.resolve(name).resolve("meta.json");
        if (!Files.exists(meta)) return null;
        try {
            return Json.MAPPER.readValue(meta.toFile(), Volume.class);
        } catch (IOException e) {
            return null;
        }
    }

    public Volume get(String name) {
        Volume v = find(name);
        if (v == null) throw WharfException.notFound("get %s: no such volume", name);
        return v;
    }

    public synchronized List<Volume> list() {
        List<Volume> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            s.sorted().forEach(p -> {
                Volume v = find(p.getFileName().toString());
                if (v != null) out.add(v);
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /** Deletes the volume's data; the caller checks that no container uses it. */
    public synchronized void remove(String name) throws IOException {
        get(name);
        deleteTree(dir.resolve(name));
    }

    public long size(String name) {
        try (Stream<Path> s = Files.walk(mountpoint(name))) {
            return s.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        } catch (IOException | UncheckedIOException e) {
            return 0;
        }
    }

    public Map<String, Object> toWire(Volume v, Map<String, Object> usage) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("CreatedAt", v.createdAt().toString());
        m.put("Driver", "local");
        m.put("Labels", v.labels());
        m.put("Mountpoint", mountpoint(v.name()).toString());
        m.put("Name", v.name());
        m.put("Options", v.options());
        m.put("Scope", "local");
        if (usage != null) m.put("UsageData", usage);
        return m;
    }

    static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) return;
        try (Stream<Path> s = Files.walk(p)) {
            for (Path x : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(x);
        }
    }
}
