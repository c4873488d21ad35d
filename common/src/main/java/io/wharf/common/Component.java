package io.wharf.common;

/**
 * A long-lived part of Wharf (engine, registry, API server, a controller manager...), after k3s's executor:
 * {@link #start()} returns once the part is serving or has failed; {@link #close()} stops it and releases
 * everything it holds. Components are started in dependency order and closed in reverse.
 */
public interface Component extends AutoCloseable {
    /** A short name for logs and `wharf up` output. */
    String name();

    /** Starts the component; returns when it is ready to serve. Throws if it cannot start. */
    void start() throws Exception;

    /** Stops the component. Must be idempotent and must not throw for an already-closed component. */
    @Override
    void close();
}
