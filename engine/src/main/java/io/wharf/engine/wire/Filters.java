package io.wharf.engine.wire;

import com.fasterxml.jackson.databind.JsonNode;
import io.wharf.common.Json;
import io.wharf.common.WharfException;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Docker's `filters` query parameter: JSON in the map form {"status":{"exited":true}} (what the CLI sends) or the
 * older list form {"status":["exited"]}. Values of one key are OR-ed, keys are AND-ed, as in moby's filters.Args.
 */
public record Filters(Map<String, List<String>> values) {
    public Filters {
        values = Map.copyOf(values);
    }

    public static Filters parse(String json) {
        Map<String, List<String>> m = new LinkedHashMap<>();
        if (json == null || json.isBlank()) return new Filters(m);
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(json);
        } catch (Exception e) {
            throw WharfException.invalid("invalid filter '%s'", json);
        }
        if (!root.isObject()) throw WharfException.invalid("invalid filter '%s'", json);
        root.properties().forEach(e -> {
            List<String> vs = new ArrayList<>();
            JsonNode v = e.getValue();
            if (v.isArray()) v.forEach(x -> vs.add(x.asText()));
            else if (v.isObject()) v.properties().forEach(x -> { if (x.getValue().asBoolean(true)) vs.add(x.getKey()); });
            else vs.add(v.asText());
            m.put(e.getKey(), vs);
        });
        return new Filters(m);
    }

    public boolean has(String key) { return values.containsKey(key); }

    public List<String> get(String key) { return values.getOrDefault(key, List.of()); }

    /** True when the key is absent or one of its values satisfies the test. */
    public boolean match(String key, java.util.function.Predicate<String> test) {
        List<String> vs = values.get(key);
        if (vs == null || vs.isEmpty()) return true;
        for (String v : vs) if (test.test(v)) return true;
        return false;
    }

    /** label filters: "k" (present) or "k=v" (equal), all must hold. */
    public boolean matchLabels(String key, Map<String, String> labels) {
        for (String f : get(key)) {
            int eq = f.indexOf('=');
            Map<String, String> l = labels == null ? Map.of() : labels;
            if (eq < 0) {
                if (!l.containsKey(f)) return false;
            } else if (!f.substring(eq + 1).equals(l.get(f.substring(0, eq)))) return false;
        }
        return true;
    }

    public void validate(String... allowed) {
        for (String k : values.keySet()) {
            if (!List.of(allowed).contains(k)) throw WharfException.invalid("invalid filter '%s'", k);
        }
    }
}
