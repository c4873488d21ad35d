package io.wharf.apiserver.server;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A parsed field selector ({@code metadata.name=x,status.phase!=Failed}); terms are ANDed. Values may escape
 * {@code \,} {@code \=} {@code \\} as k8s.io/apimachinery/pkg/fields does. The value of a path is read from the object
 * (missing = ""), so the set of allowed paths is the only per-kind knowledge.
 */
public record FieldSelector(List<Term> terms) {
    public FieldSelector {
        terms = List.copyOf(terms);
    }

    public static final FieldSelector EVERYTHING = new FieldSelector(List.of());

    public record Term(String path, boolean equals, String value) {}

    public boolean isEverything() { return terms.isEmpty(); }

    public static FieldSelector parse(String s) {
        if (s == null || s.isBlank()) return EVERYTHING;
        List<Term> out = new ArrayList<>();
        for (String part : splitUnescaped(s)) {
            if (part.isBlank()) continue;
            int ne = indexUnescaped(part, "!=");
            int eq2 = indexUnescaped(part, "==");
            int eq = indexUnescaped(part, "=");
            String path;
            String value;
            boolean equals;
            if (ne >= 0 && (eq < 0 || ne < eq)) {
                path = part.substring(0, ne); value = part.substring(ne + 2); equals = false;
            } else if (eq2 >= 0 && eq2 == eq) {
                path = part.substring(0, eq2); value = part.substring(eq2 + 2); equals = true;
            } else if (eq >= 0) {
                path = part.substring(0, eq); value = part.substring(eq + 1); equals = true;
            } else {
                throw ApiException.badRequest("invalid selector: '" + s + "'; can't understand '" + part + "'");
            }
            out.add(new Term(path.trim(), equals, unescape(value)));
        }
        return new FieldSelector(out);
    }

    /** Checks every path against the allowed ones; a 400 like kube-apiserver's otherwise. */
    public void check(Set<String> allowed, String kind) {
        for (Term t : terms)
            if (!allowed.contains(t.path))
                throw ApiException.badRequest("field label not supported: " + t.path);
    }

    public boolean matches(JsonNode obj) {
        for (Term t : terms) {
            String v = valueAt(obj, t.path);
            if (t.equals != v.equals(t.value)) return false;
        }
        return true;
    }

    /** The text at a dotted path; "" when absent. */
    public static String valueAt(JsonNode obj, String path) {
        JsonNode n = obj;
        for (String seg : path.split("\\.")) n = n.path(seg);
        return n.isMissingNode() || n.isNull() ? "" : n.isValueNode() ? n.asText() : n.toString();
    }

    /** A name pinned by metadata.name=x, or null (lets list/watch read one key). */
    public String pinnedName() {
        for (Term t : terms) if (t.equals && t.path.equals("metadata.name")) return t.value;
        return null;
    }

    private static List<String> splitUnescaped(String s) {
        List<String> parts = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length()) { cur.append(c).append(s.charAt(++i)); continue; }
            if (c == ',') { parts.add(cur.toString()); cur.setLength(0); continue; }
            cur.append(c);
        }
        parts.add(cur.toString());
        return parts;
    }

    private static int indexUnescaped(String s, String op) {
        for (int i = 0; i + op.length() <= s.length(); i++) {
            if (s.charAt(i) == '\\') { i++; continue; }
            if (s.startsWith(op, i)) return i;
        }
        return -1;
    }

    private static String unescape(String v) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c == '\\' && i + 1 < v.length()) c = v.charAt(++i);
            sb.append(c);
        }
        return sb.toString();
    }
}
