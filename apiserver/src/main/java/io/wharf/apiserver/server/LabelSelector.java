package io.wharf.apiserver.server;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A parsed label selector in the string form of k8s.io/apimachinery/pkg/labels: comma-separated requirements
 * {@code k}, {@code !k}, {@code k=v}, {@code k==v}, {@code k!=v}, {@code k in (a,b)}, {@code k notin (a,b)}. All must match.
 */
public record LabelSelector(List<Requirement> requirements) {
    public LabelSelector {
        requirements = List.copyOf(requirements);
    }

    public static final LabelSelector EVERYTHING = new LabelSelector(List.of());

    public enum Op { EXISTS, NOT_EXISTS, EQUALS, NOT_EQUALS, IN, NOT_IN }

    public record Requirement(String key, Op op, Set<String> values) {
        public Requirement {
            if (key == null || key.isEmpty()) throw ApiException.badRequest("unable to parse requirement: key is empty");
            values = Set.copyOf(values);
        }

        boolean matches(Map<String, String> labels) {
            String v = labels.get(key);
            return switch (op) {
                case EXISTS -> v != null;
                case NOT_EXISTS -> v == null;
                case EQUALS, IN -> v != null && values.contains(v);
                case NOT_EQUALS, NOT_IN -> v == null || !values.contains(v);
            };
        }
    }

    public boolean isEverything() { return requirements.isEmpty(); }

    public boolean matches(Map<String, String> labels) {
        for (Requirement r : requirements) if (!r.matches(labels)) return false;
        return true;
    }

    public boolean matches(JsonNode obj) {
        return isEverything() || matches(labelsOf(obj));
    }

    public static Map<String, String> labelsOf(JsonNode obj) {
        JsonNode l = obj.path("metadata").path("labels");
        if (!l.isObject() || l.isEmpty()) return Map.of();
        Map<String, String> m = new java.util.HashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = l.fields(); it.hasNext(); ) {
            var e = it.next();
            m.put(e.getKey(), e.getValue().asText());
        }
        return m;
    }

    /** Parses the query-parameter form; a syntax error is a 400 BadRequest. */
    public static LabelSelector parse(String s) {
        if (s == null || s.isBlank()) return EVERYTHING;
        List<Requirement> out = new ArrayList<>();
        int i = 0, n = s.length();
        while (i < n) {
            while (i < n && s.charAt(i) == ' ') i++;
            if (i >= n) break;
            boolean not = false;
            if (s.charAt(i) == '!') { not = true; i++; }
            int ks = i;
            while (i < n && !isDelim(s.charAt(i))) i++;
            String key = s.substring(ks, i).trim();
            while (i < n && s.charAt(i) == ' ') i++;
            if (not) {
                checkKey(key, s);
                out.add(new Requirement(key, Op.NOT_EXISTS, Set.of()));
            } else if (i >= n || s.charAt(i) == ',') {
                checkKey(key, s);
                out.add(new Requirement(key, Op.EXISTS, Set.of()));
            } else if (s.startsWith("==", i) || s.charAt(i) == '=' || s.startsWith("!=", i)) {
                Op op = s.startsWith("!=", i) ? Op.NOT_EQUALS : Op.EQUALS;
                i += s.startsWith("==", i) || s.startsWith("!=", i) ? 2 : 1;
                int vs = i;
                while (i < n && s.charAt(i) != ',') i++;
                String v = s.substring(vs, i).trim();
                checkKey(key, s);
                checkValue(v, s);
                out.add(new Requirement(key, op, Set.of(v)));
            } else if (s.startsWith("in", i) || s.startsWith("notin", i)) {
                Op op = s.startsWith("in", i) ? Op.IN : Op.NOT_IN;
                i += op == Op.IN ? 2 : 5;
                while (i < n && s.charAt(i) == ' ') i++;
                if (i >= n || s.charAt(i) != '(') throw ApiException.badRequest("unable to parse requirement: found '" + rest(s, i) + "', expected: '('");
                int close = s.indexOf(')', i);
                if (close < 0) throw ApiException.badRequest("unable to parse requirement: found '', expected: ')'");
                Set<String> vals = new LinkedHashSet<>();
                for (String v : s.substring(i + 1, close).split(",", -1)) {
                    v = v.trim();
                    checkValue(v, s);
                    vals.add(v);
                }
                checkKey(key, s);
                out.add(new Requirement(key, op, vals));
                i = close + 1;
            } else {
                throw ApiException.badRequest("unable to parse requirement: found '" + rest(s, i) + "', expected: in, notin, =, ==, !=, gt, lt");
            }
            while (i < n && s.charAt(i) == ' ') i++;
            if (i < n) {
                if (s.charAt(i) != ',') throw ApiException.badRequest("found '" + rest(s, i) + "', expected: ',' or 'end of string'");
                i++;
            }
        }
        return new LabelSelector(out);
    }

    private static boolean isDelim(char c) {
        return c == '=' || c == '!' || c == ',' || c == ' ' || c == '(';
    }

    private static String rest(String s, int i) {
        return i >= s.length() ? "" : s.substring(i, Math.min(s.length(), i + 10));
    }

    private static void checkKey(String key, String s) {
        if (key.isEmpty() || !key.matches("([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?"))
            throw ApiException.badRequest("unable to parse requirement: invalid label key \"" + key + "\" in selector \"" + s + "\"");
    }

    private static void checkValue(String v, String s) {
        if (!v.isEmpty() && !v.matches("[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?"))
            throw ApiException.badRequest("unable to parse requirement: invalid label value: \"" + v + "\" in selector \"" + s + "\"");
    }

    /** The string form of a metav1.LabelSelector object (matchLabels + matchExpressions), e.g. for Scale.status.selector. */
    public static String format(JsonNode sel) {
        List<String> parts = new ArrayList<>();
        JsonNode ml = sel.path("matchLabels");
        for (Iterator<Map.Entry<String, JsonNode>> it = ml.fields(); it.hasNext(); ) {
            var e = it.next();
            parts.add(e.getKey() + "=" + e.getValue().asText());
        }
        for (JsonNode me : sel.path("matchExpressions")) {
            String key = me.path("key").asText();
            List<String> vals = new ArrayList<>();
            me.path("values").forEach(v -> vals.add(v.asText()));
            java.util.Collections.sort(vals);
            switch (me.path("operator").asText()) {
                case "In" -> parts.add(key + " in (" + String.join(",", vals) + ")");
                case "NotIn" -> parts.add(key + " notin (" + String.join(",", vals) + ")");
                case "Exists" -> parts.add(key);
                case "DoesNotExist" -> parts.add("!" + key);
                default -> { }
            }
        }
        java.util.Collections.sort(parts);
        return String.join(",", parts);
    }
}
