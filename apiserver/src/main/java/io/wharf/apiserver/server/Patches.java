package io.wharf.apiserver.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.wharf.common.Json;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The three patch formats of PATCH (kubectl-wire.md section 6): RFC 6902 JSON patch, RFC 7386 JSON merge patch and
 * Kubernetes' strategic merge patch with its directives ($patch, $retainKeys, $setElementOrder, $deleteFromPrimitiveList).
 * Pure functions on Jackson trees: the inputs are not changed. Errors are 400/422-style {@link ApiException}s.
 */
public final class Patches {
    private Patches() {}

    // ---- RFC 7386 ----

    public static JsonNode mergePatch(JsonNode target, JsonNode patch) {
        if (!patch.isObject()) return patch.deepCopy();
        ObjectNode out = target != null && target.isObject() ? ((ObjectNode) target).deepCopy() : Json.MAPPER.createObjectNode();
        for (Iterator<Map.Entry<String, JsonNode>> it = patch.fields(); it.hasNext(); ) {
            var e = it.next();
            if (e.getValue().isNull()) out.remove(e.getKey());
            else out.set(e.getKey(), mergePatch(out.get(e.getKey()), e.getValue()));
        }
        return out;
    }

    // ---- RFC 6902 ----

    public static JsonNode jsonPatch(JsonNode target, JsonNode ops) {
        if (!ops.isArray()) throw ApiException.badRequest("json patch must be an array of operations");
        JsonNode doc = target.deepCopy();
        for (JsonNode op : ops) {
            String kind = op.path("op").asText("");
            String path = requireText(op, "path");
            switch (kind) {
                case "add" -> doc = add(doc, pointer(path), required(op, "value").deepCopy());
                case "remove" -> doc = remove(doc, pointer(path));
                case "replace" -> { doc = remove(doc, pointer(path)); doc = add(doc, pointer(path), required(op, "value").deepCopy()); }
                case "move" -> {
                    List<String> from = pointer(requireText(op, "from"));
                    JsonNode v = get(doc, from);
                    doc = remove(doc, from);
                    doc = add(doc, pointer(path), v);
                }
                case "copy" -> doc = add(doc, pointer(path), get(doc, pointer(requireText(op, "from"))).deepCopy());
                case "test" -> {
                    if (!get(doc, pointer(path)).equals(required(op, "value")))
                        throw new ApiException(io.wharf.common.ErrorKind.INVALID_ARGUMENT, 422, "Invalid",
                                "the server rejected our request due to an error in our request: testing value at " + path + " failed", null);
                }
                default -> throw ApiException.badRequest("unexpected json patch operation \"" + kind + "\"");
            }
        }
        return doc;
    }

    private static String requireText(JsonNode op, String f) {
        JsonNode v = op.get(f);
        if (v == null || !v.isTextual()) throw ApiException.badRequest("json patch operation is missing \"" + f + "\"");
        return v.asText();
    }

    private static JsonNode required(JsonNode op, String f) {
        JsonNode v = op.get(f);
        if (v == null) throw ApiException.badRequest("json patch operation is missing \"" + f + "\"");
        return v;
    }

    static List<String> pointer(String p) {
        if (p.isEmpty()) return List.of();
        if (!p.startsWith("/")) throw ApiException.badRequest("invalid JSON pointer \"" + p + "\"");
        List<String> out = new ArrayList<>();
        for (String s : p.substring(1).split("/", -1)) out.add(s.replace("~1", "/").replace("~0", "~"));
        return out;
    }

    private static JsonNode get(JsonNode doc, List<String> path) {
        JsonNode n = doc;
        for (String s : path) {
            if (n.isObject()) n = n.get(s);
            else if (n.isArray()) n = n.get(index(s, n.size(), false));
            else n = null;
            if (n == null) throw missing(path);
        }
        return n;
    }

    private static ApiException missing(List<String> path) {
        return new ApiException(io.wharf.common.ErrorKind.INVALID_ARGUMENT, 422, "Invalid",
                "the server rejected our request due to an error in our request: doc is missing path: \"/" + String.join("/", path) + "\"", null);
    }

    private static int index(String s, int size, boolean forAdd) {
        if (forAdd && s.equals("-")) return size;
        try {
            int i = Integer.parseInt(s);
            if (i < 0 || i > size || (!forAdd && i == size)) throw ApiException.badRequest("array index out of bounds: " + s);
            return i;
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("invalid array index \"" + s + "\"");
        }
    }

    private static JsonNode add(JsonNode doc, List<String> path, JsonNode value) {
        if (path.isEmpty()) return value;
        JsonNode parent = get(doc, path.subList(0, path.size() - 1));
        String last = path.getLast();
        if (parent instanceof ObjectNode o) o.set(last, value);
        else if (parent instanceof ArrayNode a) a.insert(index(last, a.size(), true), value);
        else throw missing(path);
        return doc;
    }

    private static JsonNode remove(JsonNode doc, List<String> path) {
        if (path.isEmpty()) return Json.MAPPER.nullNode();
        JsonNode parent = get(doc, path.subList(0, path.size() - 1));
        String last = path.getLast();
        if (parent instanceof ObjectNode o) {
            if (!o.has(last)) throw missing(path);
            o.remove(last);
        } else if (parent instanceof ArrayNode a) a.remove(index(last, a.size(), false));
        else throw missing(path);
        return doc;
    }

    // ---- strategic merge patch ----

    /**
     * Applies a strategic merge patch. {@code mergeKeys} maps a field path (names from the root, list indices left out)
     * to the merge key of the list there, or null for an atomic list (replaced whole).
     */
    public static JsonNode strategicMerge(JsonNode original, JsonNode patch, Function<List<String>, String> mergeKeys) {
        if (!patch.isObject()) throw ApiException.badRequest("strategic merge patch must be a JSON object");
        JsonNode r = mergeMap(original != null && original.isObject() ? (ObjectNode) original.deepCopy() : Json.MAPPER.createObjectNode(),
                (ObjectNode) patch, new ArrayList<>(), mergeKeys);
        return r == null ? Json.MAPPER.createObjectNode() : r;
    }

    private static ObjectNode mergeMap(ObjectNode orig, ObjectNode patch, List<String> path, Function<List<String>, String> keys) {
        JsonNode directive = patch.get("$patch");
        if (directive != null) {
            switch (directive.asText()) {
                case "replace" -> { ObjectNode c = patch.deepCopy(); stripDirectives(c); return c; }
                case "delete" -> { return null; }
                case "merge" -> { }
                default -> throw ApiException.badRequest("Unknown patch type: " + directive.asText());
            }
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = patch.fields(); it.hasNext(); ) {
            var e = it.next();
            String k = e.getKey();
            JsonNode v = e.getValue();
            if (k.equals("$patch") || k.equals("$retainKeys") || k.startsWith("$setElementOrder/")) continue;
            if (k.startsWith("$deleteFromPrimitiveList/")) {
                String field = k.substring("$deleteFromPrimitiveList/".length());
                if (orig.get(field) instanceof ArrayNode a && v.isArray()) {
                    Set<JsonNode> del = new HashSet<>();
                    v.forEach(del::add);
                    for (int i = a.size() - 1; i >= 0; i--) if (del.contains(a.get(i))) a.remove(i);
                }
                continue;
            }
            if (v.isNull()) { orig.remove(k); continue; }
            path.add(k);
            JsonNode cur = orig.get(k);
            if (v.isObject() && cur != null && cur.isObject()) {
                ObjectNode m = mergeMap((ObjectNode) cur, (ObjectNode) v, path, keys);
                if (m == null) orig.remove(k); else orig.set(k, m);
            } else if (v.isObject()) {
                ObjectNode m = mergeMap(Json.MAPPER.createObjectNode(), (ObjectNode) v, path, keys);
                if (m == null) orig.remove(k); else orig.set(k, m);
            } else if (v.isArray()) {
                String mk = keys.apply(List.copyOf(path));
                if (mk != null) orig.set(k, mergeList(cur instanceof ArrayNode a ? a : Json.MAPPER.createArrayNode(), (ArrayNode) v, mk, path, keys));
                else { ArrayNode c = v.deepCopy(); c.forEach(x -> { if (x instanceof ObjectNode o) stripDirectives(o); }); orig.set(k, c); }
            } else {
                orig.set(k, v.deepCopy());
            }
            path.removeLast();
        }
        JsonNode retain = patch.get("$retainKeys");
        if (retain != null && retain.isArray()) {
            Set<String> keep = new HashSet<>();
            retain.forEach(x -> keep.add(x.asText()));
            orig.retain(keep);
        }
        return orig;
    }

    private static ArrayNode mergeList(ArrayNode orig, ArrayNode patch, String mergeKey, List<String> path, Function<List<String>, String> keys) {
        for (JsonNode p : patch) {
            if (p.isObject() && "replace".equals(p.path("$patch").asText(null)) && p.size() == 1) {
                ArrayNode c = Json.MAPPER.createArrayNode();
                for (JsonNode q : patch) if (!(q.isObject() && q.has("$patch"))) c.add(q.deepCopy());
                return c;
            }
        }
        for (JsonNode p : patch) {
            if (!p.isObject()) {
                if (!contains(orig, p)) orig.add(p.deepCopy());
                continue;
            }
            JsonNode key = p.get(mergeKey);
            int found = -1;
            if (key != null) for (int i = 0; i < orig.size(); i++) if (key.equals(orig.get(i).get(mergeKey))) { found = i; break; }
            if ("delete".equals(p.path("$patch").asText(null))) {
                if (found >= 0) orig.remove(found);
                continue;
            }
            if (found >= 0) {
                ObjectNode m = mergeMap((ObjectNode) orig.get(found), (ObjectNode) p, path, keys);
                if (m == null) orig.remove(found); else orig.set(found, m);
            } else {
                ObjectNode c = mergeMap(Json.MAPPER.createObjectNode(), (ObjectNode) p, path, keys);
                if (c != null) orig.add(c);
            }
        }
        return orig;
    }

    private static boolean contains(ArrayNode a, JsonNode v) {
        for (JsonNode x : a) if (x.equals(v)) return true;
        return false;
    }

    private static void stripDirectives(ObjectNode o) {
        o.remove("$patch");
        o.remove("$retainKeys");
        List<String> drop = new ArrayList<>();
        o.fieldNames().forEachRemaining(f -> { if (f.startsWith("$setElementOrder/") || f.startsWith("$deleteFromPrimitiveList/")) drop.add(f); });
        drop.forEach(o::remove);
        for (JsonNode c : o) {
            if (c instanceof ObjectNode co) stripDirectives(co);
            else if (c instanceof ArrayNode ca) ca.forEach(x -> { if (x instanceof ObjectNode xo) stripDirectives(xo); });
        }
    }
}
