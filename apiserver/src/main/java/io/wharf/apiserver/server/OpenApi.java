package io.wharf.apiserver.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.wharf.apiserver.KindsProvider;
import io.wharf.apiserver.ResourceRegistry;
import io.wharf.apiserver.ResourceType;
import io.wharf.common.Json;

import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * /openapi/v3: the index and one self-contained OpenAPI 3.0 document per group version. Paths are written here from
 * the registry (every PATCH carries x-kubernetes-group-version-kind and the fieldValidation parameter, which is what
 * kubectl's validation looks for, kubectl-wire.md section 4); component schemas come from the kinds package. Kinds with no
 * schema get a minimal one so that `kubectl explain` still finds them. Also checks objects for unknown fields
 * (fieldValidation=Strict/Warn).
 */
public final class OpenApi {
    private final ResourceRegistry registry;
    private final KindsProvider kinds;
    private final String serverVersion;
    private final Map<String, byte[]> docs = new ConcurrentHashMap<>();
    private final Map<String, String> hashes = new ConcurrentHashMap<>();
    private final Map<String, Map<String, ObjectNode>> checkSchemas = new ConcurrentHashMap<>();

    public OpenApi(ResourceRegistry registry, KindsProvider kinds, String serverVersion) {
        this.registry = registry;
        this.kinds = kinds;
        this.serverVersion = serverVersion;
    }

    public static String gvPath(String group, String version) {
        return group.isEmpty() ? "api/" + version : "apis/" + group + "/" + version;
    }

    public ObjectNode index() {
        ObjectNode o = Json.MAPPER.createObjectNode();
        ObjectNode paths = o.putObject("paths");
        for (var g : registry.groupVersions().entrySet())
            for (String v : g.getValue()) {
                String p = gvPath(g.getKey(), v);
                document(g.getKey(), v);
                paths.putObject(p).put("serverRelativeURL", "/openapi/v3/" + p + "?hash=" + hashes.get(p));
            }
        return o;
    }

    /** The document at /openapi/v3/{api/v1 | apis/g/v}, or null. */
    public byte[] document(String path) {
        for (var g : registry.groupVersions().entrySet())
            for (String v : g.getValue())
                if (gvPath(g.getKey(), v).equals(path)) return document(g.getKey(), v);
        return null;
    }

    private byte[] document(String group, String version) {
        String p = gvPath(group, version);
        return docs.computeIfAbsent(p, k -> {
            byte[] b = Json.bytes(build(group, version));
            try {
                hashes.put(p, HexFormat.of().formatHex(MessageDigest.getInstance("SHA-512").digest(b)).substring(0, 128).toUpperCase());
            } catch (java.security.NoSuchAlgorithmException e) {
                hashes.put(p, Integer.toHexString(java.util.Arrays.hashCode(b)));
            }
            return b;
        });
    }

    /**
     * The component schemas of one group version's document, fresh (they become part of it), with a minimal schema for
     * each served kind the kinds package has none for. Not kept: the document is, as bytes.
     */
    Map<String, ObjectNode> schemas(String group, String version) {
        Map<String, ObjectNode> m = new HashMap<>();
        if (kinds != null) {
            try {
                m.putAll(kinds.openApiSchemas(group.isEmpty() ? version : group + "/" + version));
            } catch (RuntimeException e) {
                org.slf4j.LoggerFactory.getLogger(OpenApi.class).warn("openApiSchemas({}/{}) failed: {}", group, version, e.toString());
            }
        }
        for (ResourceRegistry.Entry e : registry.of(group, version)) {
            if (schemaNameOf(m, e.type()) == null) m.put(fallbackName(e.type()), minimalSchema(e.type()));
        }
        return m;
    }

    /**
     * The schemas unknown-field checks walk: the kinds package's shared, description-free ones (read-only). A kind
     * without one is not checked, as with the minimal schema of the document, which keeps unknown fields.
     */
    private Map<String, ObjectNode> checkSchemas(String group, String version) {
        return checkSchemas.computeIfAbsent(gvPath(group, version), k -> {
            if (kinds == null) return Map.of();
            try {
                return kinds.openApiCheckSchemas(group.isEmpty() ? version : group + "/" + version);
            } catch (RuntimeException e) {
                org.slf4j.LoggerFactory.getLogger(OpenApi.class).warn("openApiCheckSchemas({}/{}) failed: {}", group, version, e.toString());
                return Map.of();
            }
        });
    }

    private static String fallbackName(ResourceType t) {
        return "io.wharf." + (t.group().isEmpty() ? "core" : t.group()) + "." + t.version() + "." + t.kind();
    }

    /** The schema name whose x-kubernetes-group-version-kind is the type's, or null. */
    static String schemaNameOf(Map<String, ObjectNode> m, ResourceType t) {
        for (var e : m.entrySet())
            for (JsonNode gvk : e.getValue().path("x-kubernetes-group-version-kind"))
                if (gvk.path("group").asText().equals(t.group()) && gvk.path("version").asText().equals(t.version())
                        && gvk.path("kind").asText().equals(t.kind())) return e.getKey();
        return null;
    }

    private static ObjectNode minimalSchema(ResourceType t) {
        ObjectNode s = Json.MAPPER.createObjectNode();
        s.put("description", t.kind() + " (" + t.apiVersion() + ")");
        s.put("type", "object");
        ObjectNode props = s.putObject("properties");
        props.putObject("apiVersion").put("type", "string").put("description", "APIVersion defines the versioned schema of this representation of an object.");
        props.putObject("kind").put("type", "string").put("description", "Kind is a string value representing the REST resource this object represents.");
        props.putObject("metadata").put("type", "object").put("description", "Standard object's metadata.").put("x-kubernetes-preserve-unknown-fields", true);
        props.putObject("spec").put("type", "object").put("x-kubernetes-preserve-unknown-fields", true);
        props.putObject("status").put("type", "object").put("x-kubernetes-preserve-unknown-fields", true);
        s.put("x-kubernetes-preserve-unknown-fields", true);
        s.putArray("x-kubernetes-group-version-kind").addObject().put("group", t.group()).put("kind", t.kind()).put("version", t.version());
        return s;
    }

    private ObjectNode build(String group, String version) {
        Map<String, ObjectNode> sch = schemas(group, version);
        ObjectNode doc = Json.MAPPER.createObjectNode();
        doc.put("openapi", "3.0.0");
        doc.putObject("info").put("title", "Kubernetes").put("version", serverVersion);
        ObjectNode paths = doc.putObject("paths");
        String base = "/" + gvPath(group, version);
        for (ResourceRegistry.Entry e : registry.of(group, version)) {
            ResourceType t = e.type();
            String ref = "#/components/schemas/" + schemaNameOf(sch, t);
            String coll = base + (t.namespaced() ? "/namespaces/{namespace}/" : "/") + t.plural();
            String item = coll + "/{name}";
            ObjectNode c = paths.putObject(coll);
            if (t.verbs().contains("list")) op(c, "get", "list" + t.kind(), t, ref, false);
            if (t.verbs().contains("create")) op(c, "post", "create" + t.kind(), t, ref, true);
            if (t.verbs().contains("deletecollection")) op(c, "delete", "deletecollection" + t.kind(), t, ref, false);
            ObjectNode i = paths.putObject(item);
            if (t.verbs().contains("get")) op(i, "get", "read" + t.kind(), t, ref, false);
            if (t.verbs().contains("update")) op(i, "put", "replace" + t.kind(), t, ref, true);
            if (t.verbs().contains("patch")) op(i, "patch", "patch" + t.kind(), t, ref, true);
            if (t.verbs().contains("delete")) op(i, "delete", "delete" + t.kind(), t, ref, false);
            for (ResourceType.Subresource s : t.subresources()) {
                if (!s.name().equals("status") && !s.name().equals("scale")) continue;
                ObjectNode sp = paths.putObject(item + "/" + s.name());
                op(sp, "get", "read" + t.kind() + cap(s.name()), t, ref, false);
                op(sp, "put", "replace" + t.kind() + cap(s.name()), t, ref, true);
                op(sp, "patch", "patch" + t.kind() + cap(s.name()), t, ref, true);
            }
        }
        ObjectNode comps = doc.putObject("components").putObject("schemas");
        sch.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(x -> comps.set(x.getKey(), x.getValue()));
        return doc;
    }

    private static String cap(String s) {
        return Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }

    private static void op(ObjectNode path, String method, String id, ResourceType t, String ref, boolean write) {
        ObjectNode o = path.putObject(method);
        o.put("operationId", id);
        o.putArray("tags").add(t.group().isEmpty() ? "core_" + t.version() : t.group().replace('.', '_') + "_" + t.version());
        ArrayNode params = o.putArray("parameters");
        if (write) {
            params.addObject().put("name", "dryRun").put("in", "query").putObject("schema").put("type", "string").put("uniqueItems", true);
            params.addObject().put("name", "fieldManager").put("in", "query").putObject("schema").put("type", "string").put("uniqueItems", true);
            params.addObject().put("name", "fieldValidation").put("in", "query")
                    .put("description", "fieldValidation instructs the server on how to handle objects in the request containing unknown or duplicate fields. Valid values are: Ignore, Warn, Strict.")
                    .putObject("schema").put("type", "string").put("uniqueItems", true);
            if (method.equals("patch"))
                params.addObject().put("name", "force").put("in", "query").putObject("schema").put("type", "boolean").put("uniqueItems", true);
            ObjectNode body = o.putObject("requestBody");
            body.put("required", true);
            ObjectNode content = body.putObject("content");
            String mt = method.equals("patch") ? "application/merge-patch+json" : "*/*";
            content.putObject(mt).putObject("schema").put("$ref", ref);
        }
        ObjectNode resp = o.putObject("responses").putObject("200");
        resp.put("description", "OK");
        resp.putObject("content").putObject("application/json").putObject("schema").put("$ref", ref);
        ObjectNode gvk = o.putObject("x-kubernetes-group-version-kind");
        gvk.put("group", t.group()).put("version", t.version()).put("kind", t.kind());
        o.put("x-kubernetes-action", switch (method) {
            case "get" -> id.startsWith("list") ? "list" : "get";
            case "post" -> "post";
            case "put" -> "put";
            case "patch" -> "patch";
            default -> id.startsWith("deletecollection") ? "deletecollection" : "delete";
        });
    }

    // ---- unknown field detection ----

    /** Paths of fields the schema does not know ("spec.foo", "spec.containers[0].bar"); empty without schemas. */
    public List<String> unknownFields(ResourceType t, JsonNode obj) {
        Map<String, ObjectNode> sch = checkSchemas(t.group(), t.version());
        String name = schemaNameOf(sch, t);
        List<String> out = new ArrayList<>();
        if (name != null) walk(sch, sch.get(name), obj, "", out, 0);
        return out;
    }

    private static JsonNode resolve(Map<String, ObjectNode> sch, JsonNode s) {
        for (int i = 0; i < 10 && s != null; i++) {
            String ref = s.path("$ref").asText(null);
            if (ref == null && s.path("allOf").isArray() && s.path("allOf").size() == 1) ref = s.path("allOf").get(0).path("$ref").asText(null);
            if (ref == null) return s;
            s = sch.get(ref.substring(ref.lastIndexOf('/') + 1));
        }
        return s;
    }

    private static void walk(Map<String, ObjectNode> sch, JsonNode schema, JsonNode v, String path, List<String> out, int depth) {
        schema = resolve(sch, schema);
        if (schema == null || depth > 64 || schema.path("x-kubernetes-preserve-unknown-fields").asBoolean(false)) return;
        if (v.isObject()) {
            JsonNode props = schema.path("properties");
            JsonNode addl = schema.get("additionalProperties");
            if (!props.isObject() && addl == null) return;
            for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
                var e = it.next();
                String p = path.isEmpty() ? e.getKey() : path + "." + e.getKey();
                JsonNode ps = props.get(e.getKey());
                if (ps != null) walk(sch, ps, e.getValue(), p, out, depth + 1);
                else if (addl != null && addl.isObject()) walk(sch, addl, e.getValue(), p, out, depth + 1);
                else if (addl == null || !addl.asBoolean(true)) out.add(p);
            }
        } else if (v.isArray() && schema.has("items")) {
            for (int i = 0; i < v.size(); i++) walk(sch, schema.get("items"), v.get(i), path + "[" + i + "]", out, depth + 1);
        }
    }
}
