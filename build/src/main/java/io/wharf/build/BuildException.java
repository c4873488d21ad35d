package io.wharf.build;

import io.wharf.common.ErrorKind;
import io.wharf.common.WharfException;

/**
 * A build that failed after it started streaming. {@link #code()} goes into {@code errorDetail.code} (the exit code
 * of a failed RUN; 0 = none, the CLI then exits 1).
 */
public final class BuildException extends WharfException {
    private final int code;

    public BuildException(ErrorKind kind, int code, String message) {
        super(kind, message);
        this.code = code;
    }

    public int code() {
        return code;
    }
}
