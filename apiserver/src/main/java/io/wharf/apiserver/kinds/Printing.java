package io.wharf.apiserver.kinds;

import com.fasterxml.jackson.databind.JsonNode;
import io.wharf.apiserver.ResourceStrategy;
import io.wharf.apiserver.TableColumn;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/** Helpers of pkg/printers/internalversion/printers.go. */
final class Printing {
    private Printing() {}

    static TableColumn col(String name, String type, String desc) { return new TableColumn(name, type, "", desc, 0); }

    static TableColumn wide(String name, String type, String desc) { return new TableColumn(name, type, "", desc, 1); }

    static final TableColumn AGE = TableColumn.AGE;
    static final TableColumn NAME = TableColumn.NAME;
    static final TableColumn CONTAINERS = wide("Containers", "string", "Names of each container in the template.");
    static final TableColumn IMAGES = wide("Images", "string", "Images referenced by each container in the template.");
    static final TableColumn SELECTOR = wide("Selector", "string", "Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.");

    static String name(JsonNode o) { return Nodes.meta(o, "name"); }

    static String age(JsonNode o) { return ResourceStrategy.age(o); }

    /** translateTimestampSince for any RFC 3339 timestamp; "<unknown>" when absent. */
    static String since(String ts) {
        if (ts == null || ts.isEmpty()) return "<unknown>";
        try {
            return ResourceStrategy.humanDuration(Duration.between(Instant.parse(ts), Instant.now()));
        } catch (RuntimeException e) {
            return "<invalid>";
        }
    }

    static long num(JsonNode n, String... path) {
        JsonNode cur = n;
        for (String p : path) { if (cur == null) return 0; cur = cur.get(p); }
        return cur == null ? 0 : cur.asLong(0);
    }

    static String str(JsonNode n, String... path) {
        JsonNode cur = n;
        for (String p : path) { if (cur == null) return ""; cur = cur.get(p); }
        return cur == null || cur.isNull() ? "" : cur.asText();
    }

    /** layoutContainerCells: containers and images joined by commas. */
    static List<String> containersAndImages(JsonNode podSpec) {
        List<String> names = new ArrayList<>(), images = new ArrayList<>();
        JsonNode cs = podSpec == null ? null : podSpec.get("containers");
        if (cs != null) for (JsonNode c : cs) { names.add(Nodes.text(c, "name")); images.add(Nodes.text(c, "image")); }
        return List.of(String.join(",", names), String.join(",", images));
    }

    /** metav1.FormatLabelSelector: "app=x,tier in (a,b)", "<none>" for empty, "<error>" never (we do not fail). */
    static String selector(JsonNode sel) {
        if (sel == null || sel.isNull()) return "<none>";
        List<String> parts = new ArrayList<>();
        TreeMap<String, String> ml = new TreeMap<>();
        Nodes.forEachField(sel.get("matchLabels"), (k, v) -> ml.put(k, v.asText()));
        // FormatLabelSelector goes through labels.Selector whose String() sorts requirements by key.
        TreeMap<String, String> all = new TreeMap<>();
        ml.forEach((k, v) -> all.put(k + "\u0000=", k + "=" + v));
        JsonNode me = sel.get("matchExpressions");
        if (me != null) for (JsonNode r : me) {
            String key = Nodes.text(r, "key");
            List<String> vals = new ArrayList<>();
            if (r.get("values") != null) r.get("values").forEach(v -> vals.add(v.asText()));
            java.util.Collections.sort(vals);
            String s = switch (Nodes.text(r, "operator")) {
                case "In" -> key + " in (" + String.join(",", vals) + ")";
                case "NotIn" -> key + " notin (" + String.join(",", vals) + ")";
                case "Exists" -> key;
                case "DoesNotExist" -> "!" + key;
                default -> key;
            };
            all.put(key + "\u0001" + all.size(), s);
        }
        parts.addAll(all.values());
        String r = String.join(",", parts);
        return r.isEmpty() ? "<none>" : r;
    }

    /** labels.FormatLabels of a map: "a=b,c=d" sorted, "<none>" for empty. */
    static String labelMap(JsonNode m) {
        TreeMap<String, String> t = new TreeMap<>();
        Nodes.forEachField(m, (k, v) -> t.put(k, v.asText()));
        if (t.isEmpty()) return "<none>";
        List<String> out = new ArrayList<>();
        t.forEach((k, v) -> out.add(k + "=" + v));
        return String.join(",", out);
    }

    static String orNone(String s) { return s == null || s.isEmpty() ? "<none>" : s; }
}
