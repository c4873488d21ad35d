package io.wharf.engine.distribution;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Where pull and push report progress. Implementations must be thread-safe: layers transfer in parallel.
 * {@link #started()} tells the API layer whether an error can still become an HTTP status (nothing sent yet) or
 * must go in-band as {@code errorDetail}.
 */
public interface MessageSink {
    void send(JsonMessage m);

    boolean started();

    /** Collects messages in memory (tests, and callers that only want the outcome). */
    final class Recording implements MessageSink {
        private final List<JsonMessage> messages = new CopyOnWriteArrayList<>();

        @Override
        public void send(JsonMessage m) {
            messages.add(m);
        }

        @Override
        public boolean started() {
            return !messages.isEmpty();
        }

        public List<JsonMessage> messages() {
            return List.copyOf(messages);
        }

        /** The lines the CLI prints without a TTY. */
        public List<String> lines() {
            return messages.stream().map(JsonMessage::render).filter(java.util.Objects::nonNull).toList();
        }
    }
}
