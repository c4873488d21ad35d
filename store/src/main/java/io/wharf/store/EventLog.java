package io.wharf.store;

import io.wharf.common.ErrorKind;
import io.wharf.common.WharfException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The in-process history of changes that watches read from: events by revision, a published {@code head} (every
 * event with floor &lt; revision &lt;= head is present) and a {@code floor} below which events are gone.
 *
 * <p>Watches are cursors over this one shared log rather than per-watcher queues: a writer appends once and
 * wakes the waiting watchers, so writers never wait for a watcher and a slow watcher costs no memory of its own.
 * The log itself is bounded (compaction or a ring capacity raises the floor); a watcher whose cursor falls below
 * the floor has missed events it can no longer get and ends with GONE, which tells its client to relist.
 *
 * <p>One writer thread calls {@link #append}, {@link #publish}, {@link #truncate}; watches read concurrently.
 */
final class EventLog {
    private final ConcurrentSkipListMap<Long, WatchEvent> events = new ConcurrentSkipListMap<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private volatile long head;
    private volatile long floor;
    private volatile long bookmarkSeq;
    private volatile WharfException closed;
    private int size; // writer only
    private final LongSupplier progressTarget;
    private final Runnable nudge;

    /** A log whose head is the owner's current revision: a progress request is answered at the head. */
    EventLog(long head, long floor) {
        this(head, floor, null, () -> {});
    }

    /**
     * A log that may lag its source (a cache): a progress request is answered only once the head reaches
     * {@code progressTarget} as read at the request, and {@code nudge} asks the source to move the head.
     */
    EventLog(long head, long floor, LongSupplier progressTarget, Runnable nudge) {
        this.head = head;
        this.floor = floor;
        this.progressTarget = progressTarget != null ? progressTarget : () -> this.head;
        this.nudge = nudge;
    }

    long head() {
        return head;
    }

    long floor() {
        return floor;
    }

    int size() {
        return size;
    }

    /** Writer: adds an event above the head; it becomes visible to watches at the next {@link #publish}. */
    void append(WatchEvent e) {
        if (events.put(e.revision(), e) == null) {
            size++;
        }
    }

    /** Writer: every event up to {@code newHead} has been appended; wake the watches. */
    void publish(long newHead) {
        if (newHead > head) {
            head = newHead;
            signal();
        }
    }

    /**
     * Writer: drops every event at or below {@code newFloor} (raising the floor first, so that a watch reading
     * concurrently notices) and returns the dropped events.
     */
    List<WatchEvent> truncate(long newFloor) {
        if (newFloor <= floor) {
            return List.of();
        }
        floor = newFloor;
        List<WatchEvent> dropped = new ArrayList<>();
        Map.Entry<Long, WatchEvent> e;
        while ((e = events.firstEntry()) != null && e.getKey() <= newFloor) {
            events.remove(e.getKey());
            dropped.add(e.getValue());
            size--;
        }
        signal();
        return dropped;
    }

    /** The events still held (writer thread, or a weakly consistent view for others). */
    Iterable<WatchEvent> retained() {
        return events.values();
    }

    /** Writer: keeps at most {@code capacity} events (a ring), returning the dropped ones. */
    List<WatchEvent> trimTo(int capacity) {
        if (size <= capacity) {
            return List.of();
        }
        Long cut = null;
        int excess = size - capacity;
        for (Long rev : events.keySet()) {
            cut = rev;
            if (--excess == 0) {
                break;
            }
        }
        return truncate(cut);
    }

    /** Every watch opened with bookmarks delivers a Progress at its cursor soon. */
    void bookmark() {
        bookmarkSeq++;
        signal();
    }

    /** Ends every watch on this log (after they drain what they already hold) with {@code why}. */
    void close(WharfException why) {
        if (closed == null) {
            closed = why;
        }
        signal();
    }

    boolean isClosed() {
        return closed != null;
    }

    private void signal() {
        lock.lock();
        try {
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Opens a watch over events under {@code prefix} with revision {@code > from}.
     *
     * @throws WharfException GONE if {@code from < floor}
     */
    Watch watch(String prefix, long from, boolean bookmarks) {
        if (closed != null) {
            throw closed;
        }
        if (from < floor) {
            throw gone(from);
        }
        return new CursorWatch(prefix, from, bookmarks);
    }

    private WharfException gone(long rev) {
        return new WharfException(ErrorKind.GONE, "too old resource version: " + rev + " (compacted to " + floor + ")");
    }

    private final class CursorWatch implements Watch {
        private final String prefix;
        private final boolean bookmarks;
        private final ArrayDeque<WatchEvent> pending = new ArrayDeque<>();
        private long scanned;
        private long seenBookmarkSeq;
        private volatile boolean progressRequested;
        private volatile long progressAt;
        private volatile boolean userClosed;

        CursorWatch(String prefix, long from, boolean bookmarks) {
            this.prefix = prefix;
            this.scanned = from;
            this.bookmarks = bookmarks;
            this.seenBookmarkSeq = bookmarkSeq;
        }

        @Override
        public String prefix() {
            return prefix;
        }

        @Override
        public WatchEvent poll(Duration timeout) throws InterruptedException {
            List<WatchEvent> one = pollBatch(1, timeout);
            return one.isEmpty() ? null : one.getFirst();
        }

        @Override
        public List<WatchEvent> pollBatch(int max, Duration timeout) throws InterruptedException {
            if (max < 1) {
                throw new IllegalArgumentException("max " + max);
            }
            long deadline = System.nanoTime() + timeout.toNanos();
            while (true) {
                if (userClosed) {
                    throw new WharfException(ErrorKind.UNAVAILABLE, "watch closed");
                }
                if (pending.isEmpty()) {
                    scan();
                }
                if (!pending.isEmpty()) {
                    List<WatchEvent> out = new ArrayList<>(Math.min(max, pending.size()));
                    while (out.size() < max && !pending.isEmpty()) {
                        out.add(pending.poll());
                    }
                    return out;
                }
                WharfException end = closed;
                if (end != null) {
                    throw end;
                }
                boolean progressDue = progressRequested && scanned >= progressAt;
                if (progressDue || (bookmarks && bookmarkSeq != seenBookmarkSeq)) {
                    if (progressDue) {
                        progressRequested = false;
                    }
                    seenBookmarkSeq = bookmarkSeq;
                    return List.of(new WatchEvent.Progress(scanned));
                }
                long wait = deadline - System.nanoTime();
                if (wait <= 0) {
                    return List.of();
                }
                if (progressRequested) {
                    // Waiting for the source to reach the progress target: ask it again now and then.
                    nudge.run();
                    wait = Math.min(wait, TimeUnit.MILLISECONDS.toNanos(200));
                }
                lock.lock();
                try {
                    while (head <= scanned && closed == null && !userClosed
                            && !(progressRequested && scanned >= progressAt)
                            && !(bookmarks && bookmarkSeq != seenBookmarkSeq) && wait > 0) {
                        wait = changed.awaitNanos(wait);
                    }
                } finally {
                    lock.unlock();
                }
            }
        }

        /** Reads the events after the cursor up to the published head into {@code pending}. */
        private void scan() {
            long h = head;
            if (h <= scanned) {
                return;
            }
            long start = scanned;
            if (start < floor) {
                throw gone(start);
            }
            List<WatchEvent> found = new ArrayList<>();
            for (WatchEvent e : events.subMap(start, false, h, true).values()) {
                if (key(e).startsWith(prefix)) {
                    found.add(e);
                }
            }
            // A truncation that ran during the scan may have removed events we needed: it raised the floor first.
            if (start < floor) {
                throw gone(start);
            }
            pending.addAll(found);
            scanned = h;
        }

        @Override
        public void requestProgress() {
            progressAt = progressTarget.getAsLong();
            progressRequested = true;
            nudge.run();
            signal();
        }

        @Override
        public void close() {
            userClosed = true;
            signal();
        }
    }

    static String key(WatchEvent e) {
        return switch (e) {
            case WatchEvent.Put p -> p.kv().key();
            case WatchEvent.Delete d -> d.key();
            case WatchEvent.Progress p -> "";
        };
    }
}
