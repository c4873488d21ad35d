package io.wharf.apiserver.kinds;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
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
 * <p>Loaded on first use (not at server start), then kept: about 300 definitions, in two forms. Writes (fieldValidation,
 * whose default is Warn, so every write by the controllers too) and strategic merge patches need only the structure,
 * which {@link #checkSchemas} and {@link #patchMeta} read from a copy with just {@link #STRUCTURE_KEYWORDS}: the
 * "description" texts alone are three quarters of the file (~420 of 565 KB). The full definitions are read only when a
 * client asks for an /openapi/v3 document ({@link #schemas}).
 */
public final class OpenApi {
    private OpenApi() {}

    static final String PREFIX = "#/components/schemas/";

    private record Bundle(Map<String, ObjectNode> definitions, Map<String, List<String>> roots) {}

    private static volatile Bundle full;
    private static volatile Bundle structure;
    private static final Map<String, Map<String, ObjectNode>> BY_GV = new ConcurrentHashMap<>();
    private static final Map<String, Map<String, ObjectNode>> STRUCTURE_BY_GV = new ConcurrentHashMap<>();

    /** The definitions with their descriptions: for the /openapi/v3 documents only. */
    private static Bundle bundle() {
        Bundle b = full;
        if (b != null) return b;
        synchronized (OpenApi.class) {
            if (full == null) full = load(false);
            return full;
        }
    }

    /** The definitions with only what validation and patch metadata read. */
    private static Bundle structure() {
        Bundle b = structure;
        if (b != null) return b;
        synchronized (OpenApi.class) {
            if (structure == null) structure = load(true);
            return structure;
        }
    }

    private static Bundle load(boolean structureOnly) {
        try (InputStream in = OpenApi.class.getResourceAsStream("openapi/definitions.json")) {
            if (in == null) throw new IllegalStateException("openapi/definitions.json missing from the classpath");
            JsonNode doc;
            try (JsonParser p = Json.MAPPER.getFactory().createParser(in)) {
                p.nextToken();
                doc = new TreeReader(structureOnly).read(p);
            }
            Map<String, ObjectNode> defs = new HashMap<>();
            doc.get("definitions").fields().forEachRemaining(e -> defs.put(e.getKey(), (ObjectNode) e.getValue()));
            Map<String, List<String>> roots = new HashMap<>();
            doc.get("roots").fields().forEachRemaining(e -> {
                List<String> l = new ArrayList<>();
                e.getValue().forEach(v -> l.add(v.asText()));
                roots.put(e.getKey(), List.copyOf(l));
            });
            return new Bundle(Map.copyOf(defs), Map.copyOf(roots));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The schema keywords the request path reads: unknown-field checks, patch metadata, finding a kind's schema. */
    static final java.util.Set<String> STRUCTURE_KEYWORDS = java.util.Set.of("properties", "additionalProperties", "items", "allOf",
            "$ref", "type", "x-kubernetes-preserve-unknown-fields", "x-kubernetes-patch-merge-key", "x-kubernetes-patch-strategy",
            "x-kubernetes-list-type", "x-kubernetes-list-map-keys", "x-kubernetes-group-version-kind");

    /** Where the reader is: any JSON, a schema, or a map of names to schemas (definitions, properties). */
    private enum At { ANY, SCHEMA, SCHEMA_MAP }

    /**
     * Builds a Jackson tree like readTree does, keeping in each schema only {@link #STRUCTURE_KEYWORDS} when asked
     * (descriptions, defaults, formats, required lists go; names in properties maps stay, even "description", a field
     * PriorityClass has), and sharing one TextNode per distinct string ("string", "object", "#/components/schemas/...
     * ObjectMeta" recur hundreds of times; the nodes are never changed).
     */
    private static final class TreeReader {
        private final boolean structureOnly;
        private final Map<String, TextNode> texts = new HashMap<>();

        TreeReader(boolean structureOnly) { this.structureOnly = structureOnly; }

        JsonNode read(JsonParser p) throws IOException { return read(p, At.ANY, true); }

        private JsonNode read(JsonParser p, At at, boolean top) throws IOException {
            JsonNodeFactory f = JsonNodeFactory.instance;
            JsonToken t = p.currentToken();
            if (t == null) throw new IOException("unexpected end of openapi/definitions.json");
            switch (t) {
                case START_OBJECT -> {
                    // sized to fit: most schema objects have one to three keys, and a default LinkedHashMap's table has 16
                    List<String> names = new ArrayList<>(4);
                    List<JsonNode> values = new ArrayList<>(4);
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        String name = p.currentName();
                        p.nextToken();
                        At child = At.ANY;
                        if (structureOnly) {
                            switch (at) {
                                case ANY -> child = top && name.equals("definitions") ? At.SCHEMA_MAP : At.ANY;
                                case SCHEMA_MAP -> child = At.SCHEMA;
                                case SCHEMA -> {
                                    if (!STRUCTURE_KEYWORDS.contains(name)) {
                                        p.skipChildren();
                                        continue;
                                    }
                                    child = switch (name) {
                                        case "properties" -> At.SCHEMA_MAP;
                                        case "additionalProperties", "items", "allOf" -> At.SCHEMA;
                                        default -> At.ANY;
                                    };
                                }
                            }
                        }
                        names.add(name);
                        values.add(read(p, child, false));
                    }
                    Map<String, JsonNode> kids = new LinkedHashMap<>(Math.max(1, names.size()), 1.0f);
                    for (int i = 0; i < names.size(); i++) kids.put(names.get(i), values.get(i));
                    return new ObjectNode(f, kids);
                }
                case START_ARRAY -> {
                    ArrayNode a = f.arrayNode();
                    while (p.nextToken() != JsonToken.END_ARRAY) a.add(read(p, at == At.SCHEMA ? At.SCHEMA : At.ANY, false));
                    return a;
                }
                case VALUE_STRING -> {
                    return texts.computeIfAbsent(p.getText(), TextNode::valueOf);
                }
                case VALUE_NUMBER_INT -> {
                    return switch (p.getNumberType()) {
                        case INT -> f.numberNode(p.getIntValue());
                        case LONG -> f.numberNode(p.getLongValue());
                        default -> f.numberNode(p.getBigIntegerValue());
                    };
                }
                case VALUE_NUMBER_FLOAT -> { return f.numberNode(p.getDoubleValue()); }
                case VALUE_TRUE -> { return BooleanNode.TRUE; }
                case VALUE_FALSE -> { return BooleanNode.FALSE; }
                case VALUE_NULL -> { return NullNode.instance; }
                default -> throw new IOException("unexpected " + t + " in openapi/definitions.json");
            }
        }
    }

    /** Group versions with schemas: "v1", "apps/v1", ... */
    public static List<String> groupVersions() { return List.copyOf(structure().roots().keySet()); }

    /**
     * The schemas of one group version: its kinds (and list kinds) plus every definition they reference, keyed by
     * definition name. Fresh copies: the caller may change them. Empty for an unknown group version.
     */
    public static Map<String, ObjectNode> schemas(String groupVersion) {
        Map<String, ObjectNode> closure = BY_GV.computeIfAbsent(groupVersion, gv -> closure(bundle(), gv));
        Map<String, ObjectNode> copy = new LinkedHashMap<>();
        closure.forEach((k, v) -> copy.put(k, v.deepCopy()));
        return copy;
    }

    /**
     * Like {@link #schemas} but with only {@link #STRUCTURE_KEYWORDS} in each schema, and shared: read-only, the caller
     * must not change them. For checking objects against the schemas on the request path.
     */
    public static Map<String, ObjectNode> checkSchemas(String groupVersion) {
        return STRUCTURE_BY_GV.computeIfAbsent(groupVersion, gv -> java.util.Collections.unmodifiableMap(closure(structure(), gv)));
    }

    private static Map<String, ObjectNode> closure(Bundle b, String gv) {
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
        Bundle b = structure();
        List<String> roots = b.roots().get(apiVersion);
        if (roots == null) return null;
        for (String r : roots) {
            JsonNode gvks = b.definitions().get(r).get("x-kubernetes-group-version-kind");
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
        JsonNode cur = structure().definitions().get(def);
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
            else if (s.has("$ref")) s = structure().definitions().get(s.get("$ref").asText().substring(PREFIX.length()));
            else if ("array".equals(s.path("type").asText()) && s.has("items")) s = s.get("items");
            else return s;
        }
        return s;
    }
}
