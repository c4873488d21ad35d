package io.wharf.registry;

import io.wharf.common.ErrorKind;

/**
 * The OCI distribution error codes (distribution-spec v1.1 "Error Codes", with distribution's errcode statuses) —
 * the one table that turns a failure into {@code {"errors":[{"code","message","detail"}]}} and an HTTP status.
 */
public enum ErrorCode {
    BLOB_UNKNOWN(404, "blob unknown to registry", ErrorKind.NOT_FOUND),
    BLOB_UPLOAD_INVALID(400, "blob upload invalid", ErrorKind.INVALID_ARGUMENT),
    BLOB_UPLOAD_UNKNOWN(404, "blob upload unknown to registry", ErrorKind.NOT_FOUND),
    DIGEST_INVALID(400, "provided digest did not match uploaded content", ErrorKind.INVALID_ARGUMENT),
    MANIFEST_BLOB_UNKNOWN(400, "blob unknown to registry", ErrorKind.FAILED_PRECONDITION),
    MANIFEST_INVALID(400, "manifest invalid", ErrorKind.INVALID_ARGUMENT),
    MANIFEST_UNKNOWN(404, "manifest unknown", ErrorKind.NOT_FOUND),
    NAME_INVALID(400, "invalid repository name", ErrorKind.INVALID_ARGUMENT),
    NAME_UNKNOWN(404, "repository name not known to registry", ErrorKind.NOT_FOUND),
    SIZE_INVALID(400, "provided length did not match content length", ErrorKind.INVALID_ARGUMENT),
    UNAUTHORIZED(401, "authentication required", ErrorKind.UNAUTHENTICATED),
    DENIED(403, "requested access to the resource is denied", ErrorKind.PERMISSION_DENIED),
    UNSUPPORTED(405, "The operation is unsupported.", ErrorKind.UNSUPPORTED),
    TOOMANYREQUESTS(429, "too many requests", ErrorKind.UNAVAILABLE),
    /** Not in the spec's table; distribution's codes for everything else. */
    UNAVAILABLE(503, "service unavailable", ErrorKind.UNAVAILABLE),
    UNKNOWN(500, "unknown error", ErrorKind.INTERNAL);

    public final int status;
    public final String message;
    public final ErrorKind kind;

    ErrorCode(int status, String message, ErrorKind kind) {
        this.status = status;
        this.message = message;
        this.kind = kind;
    }

    /** The code for an error that did not come with one (a plain WharfException from a lower layer). */
    public static ErrorCode of(ErrorKind kind) {
        return switch (kind) {
            case NOT_FOUND -> NAME_UNKNOWN;
            case INVALID_ARGUMENT, ALREADY_EXISTS, CONFLICT, FAILED_PRECONDITION, NOT_MODIFIED, GONE -> BLOB_UPLOAD_INVALID;
            case TOO_LARGE -> SIZE_INVALID;
            case UNAUTHENTICATED -> UNAUTHORIZED;
            case PERMISSION_DENIED -> DENIED;
            case UNSUPPORTED -> UNSUPPORTED;
            case UNAVAILABLE -> UNAVAILABLE;
            case INTERNAL -> UNKNOWN;
        };
    }
}
