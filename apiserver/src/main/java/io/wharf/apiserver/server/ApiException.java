package io.wharf.apiserver.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.wharf.apiserver.FieldError;
import io.wharf.apiserver.ResourceType;
import io.wharf.common.ErrorKind;
import io.wharf.common.Json;
import io.wharf.common.WharfException;

import java.util.List;

/**
 * A Kubernetes API error: the {@code Status} object the client receives, with its HTTP code. Thrown anywhere in request
 * handling; {@link #from(Throwable)} is the ONE place where {@link WharfException}'s {@link ErrorKind} is mapped to a
 * Kubernetes reason and code (the wire mapping of ARCHITECTURE.md section 4).
 */
public final class ApiException extends WharfException {
    private final int code;
    private final String reason;
    private final transient ObjectNode details;

    public ApiException(ErrorKind kind, int code, String reason, String message, ObjectNode details) {
        super(kind, message);
        this.code = code;
        this.reason = reason;
        this.details = details;
    }

    public int code() { return code; }
    public String reason() { return reason; }

    /** The Status object: {"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":..,"reason":..,"details":..,"code":..}. */
    public ObjectNode status() {
        ObjectNode s = Json.MAPPER.createObjectNode();
        s.put("kind", "Status");
        s.put("apiVersion", "v1");
        s.putObject("metadata");
        s.put("status", "Failure");
        s.put("message", getMessage());
        if (!reason.isEmpty()) s.put("reason", reason);
        if (details != null && !details.isEmpty()) s.set("details", details);
        s.put("code", code);
        return s;
    }

    private static ObjectNode details(ResourceType type, String name) {
        ObjectNode d = Json.MAPPER.createObjectNode();
        if (name != null && !name.isEmpty()) d.put("name", name);
        if (type != null) {
            if (!type.group().isEmpty()) d.put("group", type.group());
            d.put("kind", type.plural());
        }
        return d;
    }

    public static ApiException notFound(ResourceType type, String name) {
        return new ApiException(ErrorKind.NOT_FOUND, 404, "NotFound", type.qualifiedPlural() + " \"" + name + "\" not found", details(type, name));
    }

    public static ApiException notFound(String message) {
        return new ApiException(ErrorKind.NOT_FOUND, 404, "NotFound", message, null);
    }

    public static ApiException alreadyExists(ResourceType type, String name) {
        return new ApiException(ErrorKind.ALREADY_EXISTS, 409, "AlreadyExists", type.qualifiedPlural() + " \"" + name + "\" already exists", details(type, name));
    }

    /** The exact text of k8s.io/apiserver's OptimisticLockErrorMsg. */
    public static ApiException modified(ResourceType type, String name) {
        return conflict(type, name, "the object has been modified; please apply your changes to the latest version and try again");
    }

    public static ApiException conflict(ResourceType type, String name, String why) {
        return new ApiException(ErrorKind.CONFLICT, 409, "Conflict", "Operation cannot be fulfilled on " + type.qualifiedPlural() + " \"" + name + "\": " + why, details(type, name));
    }

    public static ApiException invalid(ResourceType type, String name, List<FieldError> errors) {
        ObjectNode d = Json.MAPPER.createObjectNode();
        if (name != null && !name.isEmpty()) d.put("name", name);
        if (!type.group().isEmpty()) d.put("group", type.group());
        d.put("kind", type.kind());
        var causes = d.putArray("causes");
        StringBuilder msg = new StringBuilder(type.qualifiedKind()).append(" \"").append(name == null ? "" : name).append("\" is invalid: ");
        if (errors.size() == 1) msg.append(errors.getFirst().message());
        else {
            msg.append('[');
            for (int i = 0; i < errors.size(); i++) msg.append(i == 0 ? "" : ", ").append(errors.get(i).message());
            msg.append(']');
        }
        for (FieldError e : errors) causes.addObject().put("reason", e.type().reason).put("message", e.body()).put("field", e.field());
        return new ApiException(ErrorKind.INVALID_ARGUMENT, 422, "Invalid", msg.toString(), d);
    }

    public static ApiException badRequest(String message) {
        return new ApiException(ErrorKind.INVALID_ARGUMENT, 400, "BadRequest", message, null);
    }

    public static ApiException unauthorized() {
        return new ApiException(ErrorKind.UNAUTHENTICATED, 401, "Unauthorized", "Unauthorized", null);
    }

    public static ApiException forbidden(String message, ResourceType type, String name) {
        return new ApiException(ErrorKind.PERMISSION_DENIED, 403, "Forbidden", message, details(type, name));
    }

    public static ApiException gone(String message) {
        return new ApiException(ErrorKind.GONE, 410, "Expired", message, null);
    }

    public static ApiException tooLarge() {
        return new ApiException(ErrorKind.TOO_LARGE, 413, "RequestEntityTooLarge", "Request entity too large: limit is 3145728", null);
    }

    public static ApiException methodNotAllowed(String message) {
        return new ApiException(ErrorKind.UNSUPPORTED, 405, "MethodNotAllowed", message, null);
    }

    public static ApiException unsupportedMediaType(String contentType) {
        return new ApiException(ErrorKind.UNSUPPORTED, 415, "UnsupportedMediaType", "the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf" + (contentType == null ? "" : " (got " + contentType + ")"), null);
    }

    public static ApiException unavailable(String message) {
        return new ApiException(ErrorKind.UNAVAILABLE, 503, "ServiceUnavailable", message, null);
    }

    /** Maps any failure to an ApiException, once: the Kubernetes wire's view of {@link ErrorKind}. */
    public static ApiException from(Throwable t) {
        if (t instanceof ApiException a) return a;
        if (t instanceof WharfException w) {
            String m = w.getMessage() == null ? w.kind().name() : w.getMessage();
            return switch (w.kind()) {
                case NOT_FOUND -> new ApiException(w.kind(), 404, "NotFound", m, null);
                case ALREADY_EXISTS -> new ApiException(w.kind(), 409, "AlreadyExists", m, null);
                case CONFLICT -> new ApiException(w.kind(), 409, "Conflict", m, null);
                case INVALID_ARGUMENT -> new ApiException(w.kind(), 400, "BadRequest", m, null);
                case FAILED_PRECONDITION -> new ApiException(w.kind(), 409, "Conflict", m, null);
                case NOT_MODIFIED -> new ApiException(w.kind(), 409, "Conflict", m, null);
                case UNAUTHENTICATED -> new ApiException(w.kind(), 401, "Unauthorized", m, null);
                case PERMISSION_DENIED -> new ApiException(w.kind(), 403, "Forbidden", m, null);
                case GONE -> new ApiException(w.kind(), 410, "Expired", m, null);
                case TOO_LARGE -> new ApiException(w.kind(), 413, "RequestEntityTooLarge", m, null);
                case UNAVAILABLE -> new ApiException(w.kind(), 503, "ServiceUnavailable", m, null);
                case UNSUPPORTED -> new ApiException(w.kind(), 415, "UnsupportedMediaType", m, null);
                case INTERNAL -> new ApiException(w.kind(), 500, "InternalError", "Internal error occurred: " + m, null);
            };
        }
        if (t instanceof IllegalArgumentException || t instanceof com.fasterxml.jackson.core.JacksonException
                || t instanceof ClassCastException || t instanceof NumberFormatException)
            return badRequest(t.getMessage() == null ? t.toString() : t.getMessage());
        return new ApiException(ErrorKind.INTERNAL, 500, "InternalError", "Internal error occurred: " + t, null);
    }
}
