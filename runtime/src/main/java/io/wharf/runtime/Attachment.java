package io.wharf.runtime;

import java.io.IOException;

/**
 * A live connection to a container's main process stdio through conmon's attach socket (what `docker run` without
 * -d and `docker attach` use). Output goes to the {@link OutputSink} given at attach time. Several attachments to
 * one container may exist at once; each sees all output from the moment it attached (earlier output is in the log).
 */
public interface Attachment extends AutoCloseable {
    /** Writes to the container's stdin. Fails with FAILED_PRECONDITION when the container was created without openStdin. */
    void writeStdin(byte[] data, int offset, int length) throws IOException;

    /** Half-closes: conmon then closes the container's stdin (unless the container keeps stdin open, i.e. not stdinOnce). Output continues. */
    void closeStdin() throws IOException;

    /** Resizes the container's terminal (no-op without a TTY). */
    void resize(int height, int width) throws IOException;

    /**
     * Detaches: stops delivering output; the container keeps running. Idempotent. For a stdinOnce container,
     * conmon closes the container's stdin when any attached client goes (as Docker does for the stdin client).
     */
    @Override
    void close();
}
