package io.wharf.engine;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The engine's event log (`docker events`): a bounded in-memory history for `since` plus live subscribers. Events
 * have dockerd's JSON shape (status/id/from for old clients, Type/Action/Actor for new ones).
 */
public final class Events {
    /** One event, in the wire shape. */
    public record Event(String type, String action, String actorId, Map<String, String> attributes, long timeNano) {
        public Map<String, Object> toWire() {
            Map<String, Object> m = new LinkedHashMap<>();
            if (type.equals("container") || type.equals("image")) {
                m.put("status", action);
                m.put("id", actorId);
                if (type.equals("container") && attributes.containsKey("image")) m.put("from", attributes.get("image"));
            }
            m.put("Type", type);
            m.put("Action", action);
            m.put("Actor", Map.of("ID", actorId, "Attributes", attributes));
            m.put("scope", "local");
            m.put("time", timeNano / 1_000_000_000L);
            m.put("timeNano", timeNano);
            return m;
        }
    }

    private static final int HISTORY = 1024;
    private final Clock clock;
    private final Deque<Event> history = new ArrayDeque<>();
    private final List<Consumer<Event>> subscribers = new CopyOnWriteArrayList<>();

    public Events(Clock clock) {
        this.clock = clock;
    }

    public void emit(String type, String action, String actorId, Map<String, String> attributes) {
        Instant now = clock.instant();
        Event e = new Event(type, action, actorId, Map.copyOf(new LinkedHashMap<>(attributes)), now.getEpochSecond() * 1_000_000_000L + now.getNano());
        synchronized (history) {
            history.addLast(e);
            if (history.size() > HISTORY) history.removeFirst();
        }
        for (Consumer<Event> s : subscribers) {
            try {
                s.accept(e);
            } catch (RuntimeException ignored) {
            }
        }
    }

    /** Subscribes first, then returns the history snapshot, so no event falls between the two. */
    public List<Event> subscribe(Consumer<Event> s) {
        subscribers.add(s);
        synchronized (history) {
            return new ArrayList<>(history);
        }
    }

    public void unsubscribe(Consumer<Event> s) {
        subscribers.remove(s);
    }
}
