package io.wharf.controllers;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Creates and deletes a controller has sent but not yet seen in its informer cache (pkg/controller's
 * ControllerExpectations). A reconcile that finds its expectations unsatisfied must not act on pod counts from the
 * cache (it would create or delete twice); it still refreshes status. Expectations expire after 5 minutes so a lost
 * watch event cannot wedge a controller.
 */
public final class Expectations {
    static final Duration TTL = Duration.ofMinutes(5);

    private record Entry(long adds, long dels, long since) {}

    private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();
    private final Clock clock;

    public Expectations(Clock clock) { this.clock = clock; }

    /** Sets the expected creations and deletions for the key (replaces earlier ones). */
    public void expect(String key, long adds, long dels) {
        entries.put(key, new Entry(adds, dels, clock.millis()));
    }

    public void expectCreations(String key, long n) { expect(key, n, 0); }

    public void expectDeletions(String key, long n) { expect(key, 0, n); }

    /** The informer saw one of our creations (or a create failed and will never be seen). */
    public void creationObserved(String key) { lower(key, 1, 0); }

    public void deletionObserved(String key) { lower(key, 0, 1); }

    public void lower(String key, long adds, long dels) {
        entries.computeIfPresent(key, (k, e) -> new Entry(e.adds - adds, e.dels - dels, e.since));
    }

    /** True when nothing is in flight for the key, or the expectations expired, or none were ever set. */
    public boolean satisfied(String key) {
        Entry e = entries.get(key);
        if (e == null) return true;
        if (e.adds <= 0 && e.dels <= 0) return true;
        return clock.millis() - e.since > TTL.toMillis();
    }

    public void delete(String key) { entries.remove(key); }
}
