package io.wharf.runtime;

import java.util.concurrent.CompletableFuture;

/** A running `logs -f`: delivers entries until the container stopped and the log is drained, or until closed. */
public interface LogFollow extends AutoCloseable {
    /** Completes when following ended (container exited and everything was delivered, or {@link #close()}). */
    CompletableFuture<Void> done();

    @Override
    void close();
}
