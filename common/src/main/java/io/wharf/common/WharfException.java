package io.wharf.common;

/**
 * An error with a {@link ErrorKind}. Thrown by every layer; each wire turns it into its own error shape once.
 * The message is what a user should read: say what was wrong and, where it helps, how to fix it.
 */
public class WharfException extends RuntimeException {
    private final ErrorKind kind;

    public WharfException(ErrorKind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public WharfException(ErrorKind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public ErrorKind kind() {
        return kind;
    }

    public static WharfException notFound(String fmt, Object... args) {
        return new WharfException(ErrorKind.NOT_FOUND, fmt.formatted(args));
    }

    public static WharfException alreadyExists(String fmt, Object... args) {
        return new WharfException(ErrorKind.ALREADY_EXISTS, fmt.formatted(args));
    }

    public static WharfException conflict(String fmt, Object... args) {
        return new WharfException(ErrorKind.CONFLICT, fmt.formatted(args));
    }

    public static WharfException invalid(String fmt, Object... args) {
        return new WharfException(ErrorKind.INVALID_ARGUMENT, fmt.formatted(args));
    }

    public static WharfException precondition(String fmt, Object... args) {
        return new WharfException(ErrorKind.FAILED_PRECONDITION, fmt.formatted(args));
    }

    public static WharfException notModified(String fmt, Object... args) {
        return new WharfException(ErrorKind.NOT_MODIFIED, fmt.formatted(args));
    }

    public static WharfException unavailable(String fmt, Object... args) {
        return new WharfException(ErrorKind.UNAVAILABLE, fmt.formatted(args));
    }

    public static WharfException internal(String message, Throwable cause) {
        return new WharfException(ErrorKind.INTERNAL, message, cause);
    }
}
