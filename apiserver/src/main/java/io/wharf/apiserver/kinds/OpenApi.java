package io.wharf.apiserver.kinds;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.wharf.common.Json;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The OpenAPI v3 component schemas of the served kinds, shipped as {@code openapi/definitions.json} (built by the
 * test-scope OpenApiGenerator from the upstream descriptions in the official Kubernetes Java client's models, see there),
 * and the strategic-merge-patch metadata read from them.
 *
 * <p>Loaded on first use (not at server start), then kept: about 300 definitions.
 */
public final class OpenApi {
    private OpenApi() {}

    static final String PREFIX = "#/components/schemas/";

    private record Bundle(Map<String, ObjectNode> definitions, Map<String, List<String>> roots) {}

    private static volatile Bundle bundle;
    private static final Map<String, Map<String, ObjectNode>> BY_GV = new ConcurrentHashMap<>();

    private static Bundle bundle() {
        Bundle b = bundle;
        if (b != null) return b;
        synchronized (OpenApi.class) {
            if (bundle != null) return bundle;
            try (InputStream in = OpenApi.class.getResourceAsStream("openapi/definitions.json")) {
                if (in == null) throw new IllegalStateException("openapi/definitions.json missing from the classpath");
                JsonNode doc = Json.MAPPER.readTree(in);
                Map<String, ObjectNode> defs = new HashMap<>();
                doc.get("definitions").fields().forEachRemaining(e -> defs.put(e.getKey(), (ObjectNode) e.getValue()));
                Map<String, List<String>> roots = new HashMap<>();
                doc.get("roots").fields().forEachRemaining(e -> {
                    List<String> l = new ArrayList<>();
                    e.getValue().forEach(v -> l.add(v.asText()));
                    roots.put(e.getKey(), List.copyOf(l));
                });
                bundle = new Bundle(Map.copyOf(defs), Map.copyOf(roots));
                return bundle;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** Group versions with schemas: "v1", "apps/v1", ... */
    public static List<String> groupVersions() { return List.copyOf(bundle().roots().keySet()); }

    /**
     * The schemas of one group version: its kinds (and list kinds) plus every definition they reference, keyed by
     * definition name. Fresh copies: the caller may change them. Empty for an unknown group version.
     */
    public static Map<String, ObjectNode> schemas(String groupVersion) {
        Map<String, ObjectNode> closure = BY_GV.computeIfAbsent(groupVersion, OpenApi::closure);
        Map<String, ObjectNode> copy = new LinkedHashMap<>();
        closure.forEach((k, v) -> copy.put(k, v.deepCopy()));
        return copy;
    }

    private static Map<String, ObjectNode> closure(String gv) {
        Bundle b = bundle();
        List<String> roots = b.roots().get(gv);
        Map<String, ObjectNode> out = new java.util.TreeMap<>();
        if (roots == null) return out;
        Deque<String> todo = new ArrayDeque<>(roots);
        while (!todo.isEmpty()) {
            String name = todo.pop();
            if (out.containsKey(name)) continue;
            ObjectNode def = b.definitions().get(name);
            if (def == null) continue;
            out.put(name, def);
            collectRefs(def, todo);
        }
        return out;
    }

    private static void collectRefs(JsonNode n, Deque<String> todo) {
        if (n.isObject()) {
            JsonNode ref = n.get("$ref");
            if (ref != null && ref.isTextual() && ref.asText().startsWith(PREFIX)) todo.push(ref.asText().substring(PREFIX.length()));
            n.forEach(c -> collectRefs(c, todo));
        } else if (n.isArray()) n.forEach(c -> collectRefs(c, todo));
    }

    /** One definition by name (read-only view), or null. */
    public static ObjectNode definition(String name) { return bundle().definitions().get(name); }

    /** The definition name of a kind ("apps/v1", "Deployment" -> "io.k8s.api.apps.v1.Deployment"), or null. */
    public static String definitionOf(String apiVersion, String kind) {
        List<String> roots = bundle().roots().get(apiVersion);
        if (roots == null) return null;
        for (String r : roots) {
            JsonNode gvks = bundle().definitions().get(r).get("x-kubernetes-group-version-kind");
            if (gvks != null) for (JsonNode g : gvks) if (g.path("kind").asText().equals(kind)) return r;
        }
        return null;
    }

    /**
     * Strategic-merge-patch metadata of the field at {@code path} (JSON field names from the object root, list indices
     * and map keys left out), as the upstream schema carries it.
     *
     * @param mergeKey x-kubernetes-patch-merge-key, null when the list is replaced whole
     * @param strategy x-kubernetes-patch-strategy ("merge", "retainKeys", "merge,retainKeys"), null when absent
     * @param listType x-kubernetes-list-type ("map", "set", "atomic"), null when absent
     * @param mapKeys  x-kubernetes-list-map-keys, empty when absent
     */
    public record PatchMeta(String mergeKey, String strategy, String listType, List<String> mapKeys) {
        public PatchMeta {
            mapKeys = mapKeys == null ? List.of() : List.copyOf(mapKeys);
        }
    }

    /** Answers for paths that exist (bounded by the schemas; unknown paths are not kept, so clients cannot grow it). */
    private static final Map<List<String>, PatchMeta> PATCH_META = new ConcurrentHashMap<>();

    /** The patch metadata of a field of a kind, or null when the kind or the path is unknown. */
    public static PatchMeta patchMeta(String apiVersion, String kind, List<String> path) {
        List<String> key = new ArrayList<>(path.size() + 2);
        key.add(apiVersion);
        key.add(kind);
        key.addAll(path);
        PatchMeta cached = PATCH_META.get(key);
        if (cached != null) return cached;
        PatchMeta pm = lookupPatchMeta(apiVersion, kind, path);
        if (pm != null) PATCH_META.put(List.copyOf(key), pm);
        return pm;
    }

    private static PatchMeta lookupPatchMeta(String apiVersion, String kind, List<String> path) {
        String def = definitionOf(apiVersion, kind);
        if (def == null) return null;
        JsonNode cur = bundle().definitions().get(def);
        JsonNode prop = null;
        for (String seg : path) {
            cur = resolve(cur);
            if (cur == null) return null;
            JsonNode props = cur.get("properties");
            if (props != null && props.has(seg)) prop = props.get(seg);
            else if (cur.has("additionalProperties")) {
                // a map key (labels, data, resources.limits...): step into the values
                prop = cur.get("additionalProperties");
            } else return null;
            cur = prop;
        }
        if (prop == null) return null;
        List<String> keys = new ArrayList<>();
        prop.path("x-kubernetes-list-map-keys").forEach(k -> keys.add(k.asText()));
        return new PatchMeta(text(prop, "x-kubernetes-patch-merge-key"), text(prop, "x-kubernetes-patch-strategy"),
                text(prop, "x-kubernetes-list-type"), keys);
    }

    private static String text(JsonNode n, String f) {
        JsonNode v = n.get(f);
        return v == null || v.isNull() ? null : v.asText();
    }

    /** Follows allOf/$ref and array items to the object schema the next path segment is looked up in. */
    private static JsonNode resolve(JsonNode s) {
        for (int guard = 0; guard < 8 && s != null; guard++) {
            if (s.has("allOf")) s = s.get("allOf").path(0);
            else if (s.has("$ref")) s = bundle().definitions().get(s.get("$ref").asText().substring(PREFIX.length()));
            else if ("array".equals(s.path("type").asText()) && s.has("items")) s = s.get("items");
            else return s;
        }
        return s;
    }
}
