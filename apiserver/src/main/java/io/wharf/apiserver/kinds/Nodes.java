package io.wharf.apiserver.kinds;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.POJONode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.databind.util.RawValue;

import java.util.Iterator;
import java.util.Map;
import java.util.function.BiConsumer;

/** Small helpers for editing objects in their JSON form (the generic path keeps unknown fields untouched). */
final class Nodes {
    static final JsonNodeFactory F = JsonNodeFactory.instance;

    private Nodes() {}

    /** The child object {@code field}, created (or replacing a non-object) when absent. */
    static ObjectNode obj(ObjectNode parent, String field) {
        JsonNode n = parent.get(field);
        if (n instanceof ObjectNode o) return o;
        return parent.putObject(field);
    }

    /** The child object, or null when absent or not an object. */
    static ObjectNode objOrNull(JsonNode parent, String field) {
        return parent != null && parent.get(field) instanceof ObjectNode o ? o : null;
    }

    static ArrayNode arrOrNull(JsonNode parent, String field) {
        return parent != null && parent.get(field) instanceof ArrayNode a ? a : null;
    }

    static boolean absent(JsonNode parent, String field) {
        JsonNode n = parent.get(field);
        return n == null || n.isNull();
    }

    static void defaultText(ObjectNode o, String field, String value) {
        if (absent(o, field) || (o.get(field).isTextual() && o.get(field).asText().isEmpty())) o.put(field, value);
    }

    static void defaultInt(ObjectNode o, String field, long value) {
        if (absent(o, field)) o.put(field, value);
    }

    static void defaultBool(ObjectNode o, String field, boolean value) {
        if (absent(o, field)) o.put(field, value);
    }

    static String text(JsonNode n, String field) {
        if (n == null) return "";
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? "" : v.asText();
    }

    static String meta(JsonNode obj, String field) {
        return text(obj.get("metadata"), field);
    }

    static TextNode str(String s) { return TextNode.valueOf(s); }

    static JsonNode num(long n) { return F.numberNode(n); }

    /** A value printed verbatim in a field error (Go's %#v forms like {@code map[string]string{"app":"x"}}). */
    static JsonNode raw(String goSyntax) { return new POJONode(new RawValue(goSyntax)); }

    static void forEachField(JsonNode o, BiConsumer<String, JsonNode> f) {
        if (o == null || !o.isObject()) return;
        for (Iterator<Map.Entry<String, JsonNode>> it = o.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            f.accept(e.getKey(), e.getValue());
        }
    }

    /** Go's %#v of a map[string]string, as Kubernetes prints label maps in errors. */
    static String goStringMap(JsonNode m) {
        if (m == null || !m.isObject() || m.isEmpty()) return "map[string]string(nil)";
        StringBuilder sb = new StringBuilder("map[string]string{");
        java.util.TreeMap<String, String> sorted = new java.util.TreeMap<>();
        forEachField(m, (k, v) -> sorted.put(k, v.asText()));
        boolean first = true;
        for (var e : sorted.entrySet()) {
            if (!first) sb.append(", ");
            first = false;
            sb.append(goQuote(e.getKey())).append(':').append(goQuote(e.getValue()));
        }
        return sb.append('}').toString();
    }

    static String goQuote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    /** Go's %#v of a metav1.LabelSelector. */
    static String goLabelSelector(JsonNode sel) {
        JsonNode ml = sel == null ? null : sel.get("matchLabels");
        JsonNode me = sel == null ? null : sel.get("matchExpressions");
        StringBuilder sb = new StringBuilder("v1.LabelSelector{MatchLabels:").append(goStringMap(ml)).append(", MatchExpressions:");
        if (me == null || !me.isArray() || me.isEmpty()) sb.append("[]v1.LabelSelectorRequirement(nil)");
        else {
            sb.append("[]v1.LabelSelectorRequirement{");
            boolean first = true;
            for (JsonNode r : me) {
                if (!first) sb.append(", ");
                first = false;
                sb.append("v1.LabelSelectorRequirement{Key:").append(goQuote(text(r, "key"))).append(", Operator:")
                        .append(goQuote(text(r, "operator"))).append(", Values:");
                JsonNode vals = r.get("values");
                if (vals == null || !vals.isArray() || vals.isEmpty()) sb.append("[]string(nil)");
                else {
                    sb.append("[]string{");
                    boolean f2 = true;
                    for (JsonNode v : vals) { if (!f2) sb.append(", "); f2 = false; sb.append(goQuote(v.asText())); }
                    sb.append('}');
                }
                sb.append('}');
            }
            sb.append('}');
        }
        return sb.append('}').toString();
    }
}
