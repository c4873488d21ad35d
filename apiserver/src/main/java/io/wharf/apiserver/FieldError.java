package io.wharf.apiserver;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * CONTRACT (serving core <-> io.wharf.apiserver.kinds). One validation failure, after k8s.io/apimachinery's field.Error.
 * A non-empty list returned by {@link ResourceStrategy#validateCreate}/{@link ResourceStrategy#validateUpdate} makes the
 * server answer 422 Invalid with the Status
 * {@code {"reason":"Invalid","message":"Deployment.apps \"x\" is invalid: spec.replicas: Invalid value: -1: must be ...",
 * "details":{"name":"x","group":"apps","kind":"Deployment","causes":[{"reason":"FieldValueInvalid","message":"Invalid value: -1: must be ...","field":"spec.replicas"}]}}}.
 *
 * @param type   the cause reason
 * @param field  the JSON path as Kubernetes prints it: "spec.template.spec.containers[0].image", "metadata.labels"
 * @param value  the bad value (printed for Invalid/NotSupported/Duplicate/NotFound), may be null
 * @param detail the explanation ("must be no more than 63 characters"); for NotSupported, the supported values joined
 */
public record FieldError(Type type, String field, JsonNode value, String detail) {
    public FieldError {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(field, "field");
        detail = detail == null ? "" : detail;
    }

    /** The cause types of k8s field.ErrorType, with their wire names (causes[].reason). */
    public enum Type {
        REQUIRED("FieldValueRequired", "Required value"),
        INVALID("FieldValueInvalid", "Invalid value"),
        NOT_SUPPORTED("FieldValueNotSupported", "Unsupported value"),
        DUPLICATE("FieldValueDuplicate", "Duplicate value"),
        FORBIDDEN("FieldValueForbidden", "Forbidden"),
        NOT_FOUND("FieldValueNotFound", "Not found"),
        TOO_LONG("FieldValueTooLong", "Too long"),
        TOO_MANY("FieldValueTooMany", "Too many"),
        INTERNAL("InternalError", "Internal error"),
        TYPE_INVALID("FieldValueTypeInvalid", "Invalid value");

        public final String reason;
        public final String text;

        Type(String reason, String text) {
            this.reason = reason;
            this.text = text;
        }
    }

    public static FieldError required(String field, String detail) { return new FieldError(Type.REQUIRED, field, null, detail); }
    public static FieldError invalid(String field, JsonNode value, String detail) { return new FieldError(Type.INVALID, field, value, detail); }
    public static FieldError forbidden(String field, String detail) { return new FieldError(Type.FORBIDDEN, field, null, detail); }
    public static FieldError duplicate(String field, JsonNode value) { return new FieldError(Type.DUPLICATE, field, value, ""); }
    public static FieldError notFound(String field, JsonNode value) { return new FieldError(Type.NOT_FOUND, field, value, ""); }
    public static FieldError tooLong(String field, int max) { return new FieldError(Type.TOO_LONG, field, null, "may not be more than " + max + " bytes"); }

    public static FieldError notSupported(String field, JsonNode value, List<String> supported) {
        return new FieldError(Type.NOT_SUPPORTED, field, value,
                "supported values: " + supported.stream().map(s -> "\"" + s + "\"").collect(Collectors.joining(", ")));
    }

    /** The cause message, as field.Error.ErrorBody() prints it: "Invalid value: \"x\": must be ...". */
    public String body() {
        StringBuilder sb = new StringBuilder(type.text);
        switch (type) {
            case REQUIRED, FORBIDDEN, TOO_LONG, TOO_MANY, INTERNAL -> {
                if (!detail.isEmpty()) sb.append(": ").append(detail);
            }
            default -> {
                if (value != null) sb.append(": ").append(value.isTextual() ? "\"" + value.asText() + "\"" : value.toString());
                if (!detail.isEmpty()) sb.append(": ").append(detail);
            }
        }
        return sb.toString();
    }

    /** "spec.replicas: Invalid value: -1: must be greater than or equal to 0". */
    public String message() { return field + ": " + body(); }
}
