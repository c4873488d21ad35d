package io.wharf.runtime;

/**
 * Receives a process's output as it arrives. Called from one reader thread per stream (so stdout and stderr may
 * be delivered concurrently; implementations that write both to one connection must synchronize). With a TTY
 * everything comes as {@link StreamType#STDOUT}. {@link #onClose} is called exactly once, after the last output.
 */
public interface OutputSink {
    void onOutput(StreamType stream, byte[] data, int offset, int length);

    /** All output has been delivered (process ended, or the session was closed). */
    default void onClose() {}

    OutputSink DISCARD = (s, d, o, l) -> {};
}
