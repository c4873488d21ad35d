package io.wharf.apiserver.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.wharf.common.ErrorKind;
import io.wharf.common.Json;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * metadata.managedFields and server-side apply, after sigs.k8s.io/structured-merge-diff, reduced: a field set is the set
 * of leaf paths of an object (FieldsV1 form: {@code f:<field>}, {@code k:{"name":"x"}} for items of keyed lists,
 * {@code .} for the item itself; lists without a merge key and scalars are leaves). Apply conflicts are detected leaf by
 * leaf: another manager owns the path and the applied value differs from the live one.
 */
public final class ManagedFields {
    private ManagedFields() {}

    private static final Set<String> IGNORED_METADATA = Set.of("managedFields", "resourceVersion", "uid", "creationTimestamp",
            "generation", "deletionTimestamp", "deletionGracePeriodSeconds", "selfLink", "name", "namespace");

    /** Leaf path (elements joined by \u0001) -> value, for the fields of {@code obj} a manager can own. */
    public static Map<String, JsonNode> leaves(JsonNode obj, Function<List<String>, String> mergeKeys) {
        Map<String, JsonNode> out = new LinkedHashMap<>();
        if (obj instanceof ObjectNode o) walk(o, new ArrayList<>(), new ArrayList<>(), out, mergeKeys, true);
        return out;
    }

    private static void walk(ObjectNode o, List<String> elems, List<String> names, Map<String, JsonNode> out,
                             Function<List<String>, String> mergeKeys, boolean root) {
        for (Iterator<Map.Entry<String, JsonNode>> it = o.fields(); it.hasNext(); ) {
            var e = it.next();
            String k = e.getKey();
            if (root && (k.equals("apiVersion") || k.equals("kind") || k.equals("status"))) continue;
            if (root && k.equals("metadata") && e.getValue() instanceof ObjectNode md) {
                ObjectNode copy = md.deepCopy();
                copy.remove(IGNORED_METADATA);
                if (copy.isEmpty()) continue;
                elems.add("f:metadata"); names.add("metadata");
                walk(copy, elems, names, out, mergeKeys, false);
                elems.removeLast(); names.removeLast();
                continue;
            }
            JsonNode v = e.getValue();
            elems.add("f:" + k); names.add(k);
            if (v instanceof ObjectNode vo && !vo.isEmpty()) {
                walk(vo, elems, names, out, mergeKeys, false);
            } else if (v instanceof ArrayNode a && !a.isEmpty() && mergeKeys.apply(List.copyOf(names)) != null && a.get(0).isObject()) {
                String mk = mergeKeys.apply(List.copyOf(names));
                for (JsonNode item : a) {
                    ObjectNode keyObj = Json.MAPPER.createObjectNode();
                    keyObj.set(mk, item.path(mk));
                    elems.add("k:" + keyObj);
                    elems.add(".");
                    out.put(String.join("\u0001", elems), keyObj);
                    elems.removeLast();
                    if (item instanceof ObjectNode io) walk(io, elems, names, out, mergeKeys, false);
                    elems.removeLast();
                }
            } else {
                out.put(String.join("\u0001", elems), v);
            }
            elems.removeLast(); names.removeLast();
        }
    }

    /** A FieldsV1 tree from a set of leaf paths. */
    public static ObjectNode toFieldsV1(Set<String> paths) {
        ObjectNode root = Json.MAPPER.createObjectNode();
        for (String p : paths) {
            ObjectNode n = root;
            for (String el : p.split("\u0001")) {
                JsonNode c = n.get(el);
                ObjectNode co;
                if (c instanceof ObjectNode existing) co = existing;
                else { co = Json.MAPPER.createObjectNode(); n.set(el, co); }
                n = co;
            }
        }
        return root;
    }

    /** The leaf paths of a FieldsV1 tree. */
    public static Set<String> fromFieldsV1(JsonNode fields) {
        Set<String> out = new LinkedHashSet<>();
        collect(fields, new ArrayList<>(), out);
        return out;
    }

    private static void collect(JsonNode n, List<String> elems, Set<String> out) {
        if (n == null || !n.isObject()) return;
        if (n.isEmpty()) { if (!elems.isEmpty()) out.add(String.join("\u0001", elems)); return; }
        for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
            var e = it.next();
            elems.add(e.getKey());
            collect(e.getValue(), elems, out);
            elems.removeLast();
        }
    }

    /** ".spec.replicas" or ".spec.containers[name=\"x\"].image", as conflict messages print paths. */
    static String display(String path) {
        StringBuilder sb = new StringBuilder();
        for (String el : path.split("\u0001")) {
            if (el.startsWith("f:")) sb.append('.').append(el.substring(2));
            else if (el.startsWith("k:")) {
                JsonNode k = Json.parse(el.substring(2).getBytes(java.nio.charset.StandardCharsets.UTF_8), JsonNode.class);
                var f = k.fields().next();
                sb.append('[').append(f.getKey()).append('=').append(f.getValue()).append(']');
            }
        }
        return sb.toString();
    }

    record Entry(String manager, String operation, String apiVersion, String subresource, Set<String> fields) {}

    static List<Entry> read(JsonNode obj) {
        List<Entry> out = new ArrayList<>();
        for (JsonNode m : obj.path("metadata").path("managedFields")) {
            out.add(new Entry(m.path("manager").asText(""), m.path("operation").asText("Update"), m.path("apiVersion").asText(""),
                    m.path("subresource").asText(""), new LinkedHashSet<>(fromFieldsV1(m.path("fieldsV1")))));
        }
        return out;
    }

    static void write(ObjectNode obj, List<Entry> entries) {
        ObjectNode md = obj.with("metadata");
        ArrayNode a = Json.MAPPER.createArrayNode();
        String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
        for (Entry e : entries) {
            if (e.fields.isEmpty()) continue;
            ObjectNode m = a.addObject();
            m.put("manager", e.manager);
            m.put("operation", e.operation);
            m.put("apiVersion", e.apiVersion);
            m.put("time", now);
            m.put("fieldsType", "FieldsV1");
            m.set("fieldsV1", toFieldsV1(e.fields));
            if (!e.subresource.isEmpty()) m.put("subresource", e.subresource);
        }
        if (a.isEmpty()) md.remove("managedFields"); else md.set("managedFields", a);
    }

    /**
     * Records a non-apply write (create, update, patch) by {@code manager}: it takes the paths whose value it set or
     * changed; others lose them.
     */
    public static void recordUpdate(ObjectNode oldObj, ObjectNode newObj, String manager, String apiVersion, String subresource,
                                    Function<List<String>, String> mergeKeys) {
        if (manager == null || manager.isEmpty()) manager = "unknown";
        Map<String, JsonNode> before = oldObj == null ? Map.of() : leaves(oldObj, mergeKeys);
        Map<String, JsonNode> after = leaves(newObj, mergeKeys);
        Set<String> changed = new LinkedHashSet<>();
        for (var e : after.entrySet()) if (!e.getValue().equals(before.get(e.getKey()))) changed.add(e.getKey());
        List<Entry> entries = read(oldObj == null ? newObj : oldObj);
        boolean found = false;
        List<Entry> out = new ArrayList<>();
        for (Entry e : entries) {
            Set<String> f = new LinkedHashSet<>(e.fields);
            f.retainAll(after.keySet());
            if (e.manager.equals(manager) && e.operation.equals("Update") && e.subresource.equals(subresource)) {
                f.addAll(changed);
                found = true;
            } else {
                f.removeAll(changed);
            }
            out.add(new Entry(e.manager, e.operation, e.manager.equals(manager) ? apiVersion : e.apiVersion, e.subresource, f));
        }
        if (!found && !changed.isEmpty()) out.add(new Entry(manager, "Update", apiVersion, subresource, changed));
        write(newObj, out);
    }

    /**
     * Server-side apply of {@code applied} onto {@code live} (null when absent) by {@code manager}. Returns the new object
     * with managedFields set. Throws 409 Conflict listing the conflicting fields unless {@code force}.
     */
    public static ObjectNode apply(ObjectNode live, ObjectNode applied, String manager, boolean force, String apiVersion,
                                   Function<List<String>, String> mergeKeys) {
        if (manager == null || manager.isEmpty())
            throw ApiException.badRequest("PATCH, application/apply-patch+yaml requests must have the fieldManager query parameter");
        ObjectNode base = live == null ? Json.MAPPER.createObjectNode() : live.deepCopy();
        Map<String, JsonNode> appliedLeaves = leaves(applied, mergeKeys);
        Map<String, JsonNode> liveLeaves = leaves(base, mergeKeys);
        List<Entry> entries = read(base);
        Set<String> prev = new LinkedHashSet<>();
        for (Entry e : entries) if (e.manager.equals(manager) && e.operation.equals("Apply")) prev.addAll(e.fields);

        Map<String, List<String>> conflicts = new LinkedHashMap<>();
        for (Entry e : entries) {
            if (e.manager.equals(manager) && e.operation.equals("Apply")) continue;
            for (String p : e.fields) {
                if (appliedLeaves.containsKey(p) && liveLeaves.containsKey(p) && !appliedLeaves.get(p).equals(liveLeaves.get(p)))
                    conflicts.computeIfAbsent(p, x -> new ArrayList<>()).add(e.manager + "\u0000" + e.apiVersion);
            }
        }
        if (!conflicts.isEmpty() && !force) throw conflict(conflicts);

        // Fields this manager applied before and no longer applies, and nobody else owns, are removed.
        Set<String> othersOwn = new LinkedHashSet<>();
        for (Entry e : entries) if (!(e.manager.equals(manager) && e.operation.equals("Apply"))) othersOwn.addAll(e.fields);
        for (String p : prev) {
            if (appliedLeaves.containsKey(p) || othersOwn.contains(p)) continue;
            removePath(base, p);
        }
        ObjectNode merged = (ObjectNode) Patches.strategicMerge(base, applied, mergeKeys);
        List<Entry> out = new ArrayList<>();
        boolean placed = false;
        for (Entry e : entries) {
            if (e.manager.equals(manager) && e.operation.equals("Apply")) {
                out.add(new Entry(manager, "Apply", apiVersion, e.subresource, new LinkedHashSet<>(appliedLeaves.keySet())));
                placed = true;
                continue;
            }
            Set<String> f = new LinkedHashSet<>(e.fields);
            if (force) f.removeAll(conflicts.keySet());
            out.add(new Entry(e.manager, e.operation, e.apiVersion, e.subresource, f));
        }
        if (!placed) out.add(new Entry(manager, "Apply", apiVersion, "", new LinkedHashSet<>(appliedLeaves.keySet())));
        write(merged, out);
        return merged;
    }

    private static ApiException conflict(Map<String, List<String>> conflicts) {
        ObjectNode d = Json.MAPPER.createObjectNode();
        ArrayNode causes = d.putArray("causes");
        List<String> lines = new ArrayList<>();
        for (var e : conflicts.entrySet()) {
            for (String who : e.getValue()) {
                String[] mv = who.split("\u0000", 2);
                String msg = "conflict with \"" + mv[0] + "\"" + (mv.length > 1 && !mv[1].isEmpty() ? " using " + mv[1] : "");
                causes.addObject().put("reason", "FieldManagerConflict").put("message", msg).put("field", display(e.getKey()));
                lines.add(msg + ": " + display(e.getKey()));
            }
        }
        String message = "Apply failed with " + lines.size() + " conflict" + (lines.size() == 1 ? "" : "s") + ": " + String.join("\n", lines);
        return new ApiException(ErrorKind.CONFLICT, 409, "Conflict", message, d);
    }

    private static void removePath(ObjectNode obj, String path) {
        String[] els = path.split("\u0001");
        JsonNode n = obj;
        JsonNode parent = null;
        String last = null;
        for (int i = 0; i < els.length; i++) {
            String el = els[i];
            if (el.equals(".")) {
                // remove the list item itself from its array
                if (parent instanceof ArrayNode pa) for (int j = 0; j < pa.size(); j++) if (pa.get(j) == n) { pa.remove(j); break; }
                return;
            }
            if (el.startsWith("f:")) {
                if (!(n instanceof ObjectNode o)) return;
                String f = el.substring(2);
                if (i == els.length - 1) { o.remove(f); return; }
                parent = n;
                n = o.get(f);
                last = f;
            } else if (el.startsWith("k:")) {
                if (!(n instanceof ArrayNode a)) return;
                JsonNode key = Json.parse(el.substring(2).getBytes(java.nio.charset.StandardCharsets.UTF_8), JsonNode.class);
                var kf = key.fields().next();
                JsonNode found = null;
                for (JsonNode item : a) if (kf.getValue().equals(item.get(kf.getKey()))) { found = item; break; }
                if (found == null) return;
                parent = a;
                n = found;
            }
            if (n == null) return;
        }
    }
}
