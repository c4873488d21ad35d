package io.wharf.apiserver;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * CONTRACT (serving core <-> io.wharf.apiserver.kinds). Every served type with its strategy. Filled once at start by
 * {@link KindsProvider#registerAll}, read-only afterwards. Registration order is discovery order; within a group,
 * register the preferred version first.
 */
public final class ResourceRegistry {

    /** A registered type and its logic. */
    public record Entry(ResourceType type, ResourceStrategy strategy) {
        public Entry {
            java.util.Objects.requireNonNull(type, "type");
            if (strategy == null) strategy = ResourceStrategy.DEFAULT;
        }
    }

    private final List<Entry> entries = new CopyOnWriteArrayList<>();

    /** Registers a type; a second registration of the same group/version/plural replaces the first. */
    public ResourceRegistry register(ResourceType type, ResourceStrategy strategy) {
        entries.removeIf(e -> e.type.group().equals(type.group()) && e.type.version().equals(type.version()) && e.type.plural().equals(type.plural()));
        entries.add(new Entry(type, strategy));
        return this;
    }

    /** Registers a type with {@link ResourceStrategy#DEFAULT}. */
    public ResourceRegistry register(ResourceType type) {
        return register(type, ResourceStrategy.DEFAULT);
    }

    public List<Entry> all() { return Collections.unmodifiableList(entries); }

    public Optional<Entry> byResource(String group, String version, String plural) {
        for (Entry e : entries)
            if (e.type.group().equals(group) && e.type.version().equals(version) && e.type.plural().equals(plural)) return Optional.of(e);
        return Optional.empty();
    }

    public Optional<Entry> byKind(String group, String version, String kind) {
        for (Entry e : entries)
            if (e.type.group().equals(group) && e.type.version().equals(version) && e.type.kind().equals(kind)) return Optional.of(e);
        return Optional.empty();
    }

    /** By an object's apiVersion ("v1", "apps/v1") and kind. */
    public Optional<Entry> byApiVersionKind(String apiVersion, String kind) {
        int slash = apiVersion.indexOf('/');
        return slash < 0 ? byKind("", apiVersion, kind) : byKind(apiVersion.substring(0, slash), apiVersion.substring(slash + 1), kind);
    }

    /** Group name -> its versions, preferred first, groups in registration order ("" = core). */
    public Map<String, List<String>> groupVersions() {
        Map<String, List<String>> m = new LinkedHashMap<>();
        for (Entry e : entries) {
            List<String> vs = m.computeIfAbsent(e.type.group(), g -> new ArrayList<>());
            if (!vs.contains(e.type.version())) vs.add(e.type.version());
        }
        return m;
    }

    /** The types of one group version, in registration order. */
    public List<Entry> of(String group, String version) {
        return entries.stream().filter(e -> e.type.group().equals(group) && e.type.version().equals(version)).toList();
    }
}
