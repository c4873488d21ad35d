package io.wharf.store;

import java.time.Duration;
import java.util.List;

/**
 * A stream of {@link WatchEvent}s for one key prefix, opened by {@link Store#watch} or {@link WatchCache#watch}.
 *
 * <p>Lifecycle: events are buffered by the store as they happen (writers never wait for a watcher); the consumer
 * pulls them with {@link #poll}/{@link #pollBatch} (typically from its own virtual thread) and {@link #close()}s
 * the watch when done. Events arrive in strictly increasing revision order, starting strictly after the
 * revision the watch was opened from, and none is skipped.
 *
 * <p>A watch ends either by {@link #close()} or by the store: then, once the events buffered before the end have
 * been taken, {@code poll} throws the {@link io.wharf.common.WharfException} that says why:
 * <ul>
 *   <li>{@link io.wharf.common.ErrorKind#GONE}: the events it still needed were compacted away (the consumer is
 *       behind the compaction window). Kubernetes: 410 "too old resource version"; the client relists.</li>
 *   <li>{@link io.wharf.common.ErrorKind#UNAVAILABLE}: the consumer was too slow (its bounded buffer filled up),
 *       the store was closed, or the connection to etcd was lost. The consumer may watch again from the last
 *       revision it saw; nothing is lost by doing so.</li>
 * </ul>
 * After the consumer's own {@link #close()}, {@code poll} throws UNAVAILABLE ("watch closed").
 *
 * <p>{@code poll}/{@code pollBatch} are meant for one consumer thread; {@link #close()} and
 * {@link #requestProgress()} may be called from any thread.
 */
public interface Watch extends AutoCloseable {
    /** The prefix this watch matches. */
    String prefix();

    /**
     * Waits up to {@code timeout} for the next event.
     *
     * @return the next event, or null if none arrived in time
     * @throws io.wharf.common.WharfException when the watch has ended (see the class comment)
     */
    WatchEvent poll(Duration timeout) throws InterruptedException;

    /**
     * Waits up to {@code timeout} for at least one event, then returns every event already buffered, at most
     * {@code max}. Returns an empty list on timeout.
     *
     * @throws io.wharf.common.WharfException when the watch has ended and nothing is left to take
     */
    List<WatchEvent> pollBatch(int max, Duration timeout) throws InterruptedException;

    /**
     * Asks for a {@link WatchEvent.Progress} event (etcd's RequestProgress): soon after this call, once every
     * matching event up to some revision {@code r >= } the store's revision at the time of the call has been
     * delivered, the watch delivers {@code Progress(r)}. Used by {@link WatchCache} to learn that it is up to date
     * when the latest writes were outside its prefix. Thread-safe.
     */
    void requestProgress();

    /** Stops the watch and frees its buffer. Idempotent; may be called from any thread. */
    @Override
    void close();
}
