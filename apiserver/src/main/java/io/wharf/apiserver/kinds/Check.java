package io.wharf.apiserver.kinds;

import com.fasterxml.jackson.databind.JsonNode;
import io.wharf.apiserver.FieldError;

import java.util.ArrayList;
import java.util.List;

/** Accumulates field errors, with the shared checks of k8s.io/kubernetes/pkg/apis/core/validation. */
final class Check {
    final List<FieldError> errors = new ArrayList<>();

    List<FieldError> done() { return List.copyOf(errors); }

    void add(FieldError e) { errors.add(e); }

    void required(String path, String detail) { errors.add(FieldError.required(path, detail)); }

    void invalid(String path, JsonNode value, String detail) { errors.add(FieldError.invalid(path, value, detail)); }

    void invalid(String path, String value, String detail) { errors.add(FieldError.invalid(path, Nodes.str(value), detail)); }

    void forbidden(String path, String detail) { errors.add(FieldError.forbidden(path, detail)); }

    void notSupported(String path, String value, List<String> supported) {
        errors.add(FieldError.notSupported(path, Nodes.str(value), supported));
    }

    /** Each message of a name check as an Invalid error on {@code path}. */
    void each(String path, String value, List<String> msgs) {
        for (String m : msgs) invalid(path, value, m);
    }

    /** ValidateNonnegativeField. */
    void nonNegative(JsonNode parent, String field, String path) {
        JsonNode v = parent == null ? null : parent.get(field);
        if (v != null && v.isNumber() && v.asLong() < 0) invalid(path, Nodes.num(v.asLong()), "must be greater than or equal to 0");
    }

    /** A positive integer field (> 0). */
    void positive(JsonNode parent, String field, String path) {
        JsonNode v = parent == null ? null : parent.get(field);
        if (v != null && v.isNumber() && v.asLong() <= 0) invalid(path, Nodes.num(v.asLong()), "must be greater than 0");
    }

    /** Labels (map) syntax, as ValidateLabels. */
    void labels(JsonNode labels, String path) {
        Nodes.forEachField(labels, (k, v) -> {
            each(path, k, Names.isQualifiedName(k));
            each(path, v.asText(), Names.isValidLabelValue(v.asText()));
        });
    }

    /** A LabelSelector (metav1validation.ValidateLabelSelector). */
    void labelSelector(JsonNode sel, String path) {
        if (sel == null || sel.isNull()) return;
        labels(sel.get("matchLabels"), path + ".matchLabels");
        JsonNode me = sel.get("matchExpressions");
        if (me != null && me.isArray()) {
            for (int i = 0; i < me.size(); i++) {
                JsonNode r = me.path(i);
                String p = path + ".matchExpressions[" + i + "]";
                String op = Nodes.text(r, "operator");
                JsonNode values = r.get("values");
                int n = values != null && values.isArray() ? values.size() : 0;
                switch (op) {
                    case "In", "NotIn" -> { if (n == 0) required(p + ".values", "must be specified when `operator` is 'In' or 'NotIn'"); }
                    case "Exists", "DoesNotExist" -> { if (n > 0) forbidden(p + ".values", "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"); }
                    default -> invalid(p + ".operator", op, "not a valid selector operator");
                }
                each(p + ".key", Nodes.text(r, "key"), Names.isQualifiedName(Nodes.text(r, "key")));
            }
        }
    }

    /** Whether a label selector matches a label set (matchLabels and matchExpressions). */
    static boolean selectorMatches(JsonNode sel, JsonNode labels) {
        if (sel == null || sel.isNull()) return false;
        JsonNode ml = sel.get("matchLabels");
        if (ml != null && ml.isObject()) {
            for (var it = ml.fields(); it.hasNext(); ) {
                var e = it.next();
                if (labels == null || !e.getValue().asText().equals(Nodes.text(labels, e.getKey())) || !labels.has(e.getKey())) return false;
            }
        }
        JsonNode me = sel.get("matchExpressions");
        if (me != null && me.isArray()) {
            for (JsonNode r : me) {
                String key = Nodes.text(r, "key");
                boolean has = labels != null && labels.has(key);
                String val = has ? labels.get(key).asText() : null;
                List<String> vals = new ArrayList<>();
                if (r.get("values") != null) r.get("values").forEach(v -> vals.add(v.asText()));
                boolean ok = switch (Nodes.text(r, "operator")) {
                    case "In" -> has && vals.contains(val);
                    case "NotIn" -> !has || !vals.contains(val);
                    case "Exists" -> has;
                    case "DoesNotExist" -> !has;
                    default -> false;
                };
                if (!ok) return false;
            }
        }
        return true;
    }

    static boolean selectorEmpty(JsonNode sel) {
        if (sel == null || sel.isNull()) return true;
        JsonNode ml = sel.get("matchLabels"), me = sel.get("matchExpressions");
        return (ml == null || ml.isEmpty()) && (me == null || me.isEmpty());
    }
}
