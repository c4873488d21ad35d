package io.wharf.registry;

import io.wharf.common.WharfException;

/**
 * A failure with its OCI error code. {@code status} is normally the code's own; a few spec cases use another
 * status with the same code (416 for an out-of-order chunk, 413 for an oversized manifest).
 */
public final class RegistryException extends WharfException {
    private final ErrorCode code;
    private final int status;
    private final Object detail;

    public RegistryException(ErrorCode code, String message, Object detail, int status) {
        super(code.kind, message == null ? code.message : message);
        this.code = code;
        this.status = status;
        this.detail = detail;
    }

    public RegistryException(ErrorCode code, String message) {
        this(code, message, null, code.status);
    }

    public RegistryException(ErrorCode code, String message, Object detail) {
        this(code, message, detail, code.status);
    }

    public ErrorCode code() {
        return code;
    }

    public int status() {
        return status;
    }

    public Object detail() {
        return detail;
    }
}
