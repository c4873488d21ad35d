package io.wharf.apiserver.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.wharf.apiserver.FieldError;

import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** The metadata checks the core makes for every kind (apimachinery's ValidateObjectMeta), with Kubernetes' messages. */
final class Validation {
    private Validation() {}

    private static final Pattern DNS1123_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    private static final Pattern DNS1123_SUBDOMAIN = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
    private static final Pattern QUALIFIED_NAME = Pattern.compile("([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]");
    private static final Pattern LABEL_VALUE = Pattern.compile("(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?");

    static final String SUBDOMAIN_MSG = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
    static final String LABEL_MSG = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

    /** metadata.name under the kind's rule; an empty name is reported elsewhere (name or generateName is required). */
    static void name(String name, io.wharf.apiserver.NameRule rule, List<FieldError> errs) {
        if (name.isEmpty()) return;
        for (String m : rule.check(name)) errs.add(FieldError.invalid("metadata.name", TextNode.valueOf(name), m));
    }

    static void labels(JsonNode labels, List<FieldError> errs) {
        if (labels == null || labels.isMissingNode() || labels.isNull()) return;
        if (!labels.isObject()) { errs.add(FieldError.invalid("metadata.labels", labels, "must be a map of strings")); return; }
        for (Iterator<Map.Entry<String, JsonNode>> it = labels.fields(); it.hasNext(); ) {
            var e = it.next();
            qualifiedKey("metadata.labels", e.getKey(), errs);
            JsonNode v = e.getValue();
            String s = v.isTextual() ? v.asText() : null;
            if (s == null) errs.add(FieldError.invalid("metadata.labels", v, "label values must be strings"));
            else if (s.length() > 63) errs.add(FieldError.invalid("metadata.labels", v, "must be no more than 63 characters"));
            else if (!LABEL_VALUE.matcher(s).matches())
                errs.add(FieldError.invalid("metadata.labels", v, "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"));
        }
    }

    static void annotations(JsonNode ann, List<FieldError> errs) {
        if (ann == null || ann.isMissingNode() || ann.isNull()) return;
        if (!ann.isObject()) { errs.add(FieldError.invalid("metadata.annotations", ann, "must be a map of strings")); return; }
        long total = 0;
        for (Iterator<Map.Entry<String, JsonNode>> it = ann.fields(); it.hasNext(); ) {
            var e = it.next();
            qualifiedKey("metadata.annotations", e.getKey(), errs);
            if (!e.getValue().isTextual()) errs.add(FieldError.invalid("metadata.annotations", e.getValue(), "annotation values must be strings"));
            total += e.getKey().length() + e.getValue().asText().length();
        }
        if (total > 256 * 1024) errs.add(FieldError.tooLong("metadata.annotations", 256 * 1024));
    }

    static void qualifiedKey(String field, String key, List<FieldError> errs) {
        String name = key;
        int slash = key.indexOf('/');
        if (slash >= 0) {
            String prefix = key.substring(0, slash);
            name = key.substring(slash + 1);
            if (prefix.isEmpty() || prefix.length() > 253 || !DNS1123_SUBDOMAIN.matcher(prefix).matches())
                errs.add(FieldError.invalid(field, TextNode.valueOf(key), "prefix part " + SUBDOMAIN_MSG));
        }
        if (name.isEmpty() || name.length() > 63 || !QUALIFIED_NAME.matcher(name).matches())
            errs.add(FieldError.invalid(field, TextNode.valueOf(key), "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"));
    }
}
