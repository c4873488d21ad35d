package io.wharf.runtime;

import java.time.Instant;

/**
 * One record of conmon's k8s-file log: {@code <RFC3339Nano time> <stdout|stderr> <P|F> <content>}.
 *
 * @param time    when conmon read the data
 * @param stream  STDOUT or STDERR
 * @param partial true for "P" (the line continues in the next record); false for "F" (full line; the newline
 *                was stripped by conmon and is added back in {@link #content})
 * @param content the bytes, with the trailing '\n' for full lines
 */
public record LogEntry(Instant time, StreamType stream, boolean partial, byte[] content) {}
