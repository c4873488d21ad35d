package io.wharf.common;

/**
 * The one error taxonomy of Wharf, after containerd's errdefs. Every wire (Docker Engine API, Kubernetes API,
 * OCI distribution) maps these kinds to its own shape and status in exactly one place.
 */
public enum ErrorKind {
    /** The named object does not exist. Docker 404, Kubernetes NotFound, OCI *_UNKNOWN. */
    NOT_FOUND,
    /** An object with that name already exists. Docker 409, Kubernetes AlreadyExists. */
    ALREADY_EXISTS,
    /** The request conflicts with the current state (in use, running, stale resourceVersion). 409. */
    CONFLICT,
    /** The request itself is malformed or names invalid values. 400. */
    INVALID_ARGUMENT,
    /** The system is not in a state that allows the operation (e.g. exec in a stopped container). 409/412. */
    FAILED_PRECONDITION,
    /** Nothing to do: the object is already in the requested state. Docker 304. */
    NOT_MODIFIED,
    /** No or bad credentials. 401. */
    UNAUTHENTICATED,
    /** Credentials valid, operation not allowed. 403. */
    PERMISSION_DENIED,
    /** Asked for something that has expired (e.g. a compacted revision). 410. */
    GONE,
    /** The request body is too large. 413. */
    TOO_LARGE,
    /** A dependency is down or not ready; the call may succeed later. 503. */
    UNAVAILABLE,
    /** The operation is not supported by this implementation. 501 / 405. */
    UNSUPPORTED,
    /** A bug or an unexpected failure of an underlying part. 500. */
    INTERNAL
}
