package io.wharf.runtime;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;

/**
 * A running exec process. Its output goes to the {@link OutputSink} given to {@link ContainerRuntime#exec};
 * without a TTY stdout and stderr are separate streams.
 */
public interface ExecSession extends AutoCloseable {
    /** Host pid of the exec'd process (0 if not known yet, e.g. the runtime is still starting it). */
    long pid();

    /** Completes with the exit code once the process ended and all its output was delivered. */
    CompletableFuture<Integer> exitCode();

    void writeStdin(byte[] data, int offset, int length) throws IOException;

    void closeStdin() throws IOException;

    void resize(int height, int width) throws IOException;

    /** Stops delivering output and releases the pipes; does not kill the process. */
    @Override
    void close();
}
