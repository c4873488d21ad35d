package io.wharf.runtime;

/** OCI runtime-spec states as Docker shows them. CREATED: process exists but has not started the user program. */
public enum ContainerStatus {
    CREATED, RUNNING, PAUSED, STOPPED;

    /** Docker's State.Status word: created, running, paused, exited. */
    public String dockerName() {
        return switch (this) {
            case CREATED -> "created";
            case RUNNING -> "running";
            case PAUSED -> "paused";
            case STOPPED -> "exited";
        };
    }
}
