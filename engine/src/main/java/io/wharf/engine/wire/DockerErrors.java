package io.wharf.engine.wire;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.wharf.common.ErrorKind;
import io.wharf.common.WharfException;

/** The one place where Wharf's error kinds become Docker Engine API statuses (moby's errdefs → HTTP). */
public final class DockerErrors {
    private DockerErrors() {}

    public static int status(ErrorKind kind) {
        return switch (kind) {
            case NOT_FOUND -> 404;
            case ALREADY_EXISTS, CONFLICT, FAILED_PRECONDITION -> 409;
            case INVALID_ARGUMENT -> 400;
            case NOT_MODIFIED -> 304;
            case UNAUTHENTICATED -> 401;
            case PERMISSION_DENIED -> 403;
            case GONE -> 410;
            case TOO_LARGE -> 413;
            case UNAVAILABLE -> 503;
            case UNSUPPORTED -> 501;
            case INTERNAL -> 500;
        };
    }

    /** Any throwable as a WharfException: JSON parse errors are the client's (400), the rest internal (500). */
    public static WharfException wrap(Throwable t) {
        if (t instanceof WharfException w) return w;
        if (t instanceof JsonProcessingException j) return new WharfException(ErrorKind.INVALID_ARGUMENT, "invalid JSON: " + j.getOriginalMessage(), t);
        if (t instanceof IllegalArgumentException) return new WharfException(ErrorKind.INVALID_ARGUMENT, t.getMessage(), t);
        return WharfException.internal(t.getMessage() == null ? t.toString() : t.getMessage(), t);
    }
}
