package io.wharf.store;

import io.wharf.common.ErrorKind;
import io.wharf.common.WharfException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The API server's cache in front of a {@link Store}, after kube-apiserver's cacher: it lists and watches one
 * prefix of the store once (e.g. {@code /registry/}) and serves lists and watches of any sub-prefix from memory,
 * with a ring buffer of recent events so that watchers resume from a recent resourceVersion without touching the
 * store.
 *
 * <h2>How the API server uses it</h2>
 * <ul>
 *   <li>GET one object: {@link Store#get} (a consistent read; the SQLite store serves it from memory).</li>
 *   <li>LIST with resourceVersion unset (consistent): {@link #list} with revision 0: waits until the cache has
 *       caught up with {@link Store#currentRevision()} (normally well under a millisecond) and serves from
 *       memory.</li>
 *   <li>LIST with resourceVersion="0" (any) or resourceVersionMatch=NotOlderThan: {@link #listNotOlderThan}.</li>
 *   <li>LIST with a continue token or resourceVersionMatch=Exact: {@link #list} with that revision (from memory
 *       while the revision is within the ring, else from the store, GONE if compacted there).</li>
 *   <li>WATCH from resourceVersion rv: {@link #watch}(prefix, rv, allowWatchBookmarks); rv "0" or unset: the API
 *       server sends the initial ADDED events itself from a {@link #listNotOlderThan} and watches from that
 *       list's revision.</li>
 * </ul>
 * Prefixes outside the cache's own prefix are passed to the store.
 *
 * <p>It is itself a {@link Store}, so it can stand in for the store it wraps: reads and watches as above,
 * writes, {@link #currentRevision()} and compaction passed through: {@code Store s =
 * WatchCache.owning(SqliteStore.open(dir), "/registry/"); s.start();}. {@link #close()} closes the cache, and the
 * store too when the cache {@link #owning owns} it; otherwise whoever opened the store closes it after the cache.
 *
 * <h2>Watches</h2>
 * Watches are cursors over one shared ring of the last {@link Options#ringCapacity()} events: the cache's single
 * applier never waits for a watcher, and a watcher costs no buffer of its own. A watch from a revision older than
 * the ring is passed to the store, which replays its history; only a revision below the store's compaction fails
 * with GONE (Kubernetes 410, "too old resource version"). A watcher so slow that the ring overwrote events it had
 * not read yet ends with GONE; when its client re-watches from the last revision it saw, it resumes from the
 * store's history, or relists if that is compacted too (kube-apiserver likewise ends an unresponsive watcher).
 *
 * <h2>Lifecycle</h2>
 * {@link #start()} loads the initial list and returns when the cache is ready; {@link #close()} ends every
 * watch with UNAVAILABLE. If the cache's own watch on the store breaks (etcd unreachable for a while), the cache
 * watches again from the last revision it applied, unnoticed by its watchers; only if that revision was compacted
 * meanwhile does it relist, ending every current watcher with UNAVAILABLE so that clients re-watch (and relist if
 * their revision is gone too).
 */
public final class WatchCache implements Store {
    private static final Logger log = LoggerFactory.getLogger(WatchCache.class);

    /**
     * @param ringCapacity     how many recent events are kept for watchers resuming from a revision
     * @param bookmarkInterval how often watches opened with bookmarks get a {@link WatchEvent.Progress}
     * @param waitTimeout      how long a list waits for the cache to reach a revision
     */
    public record Options(int ringCapacity, Duration bookmarkInterval, Duration waitTimeout) {
        public Options {
            if (ringCapacity < 1) {
                throw new IllegalArgumentException("ringCapacity must be positive");
            }
            Objects.requireNonNull(bookmarkInterval, "bookmarkInterval");
            Objects.requireNonNull(waitTimeout, "waitTimeout");
        }

        public static Options defaults() {
            return new Options(100_000, Duration.ofSeconds(60), Duration.ofSeconds(3));
        }
    }

    /** One generation of the cache: replaced whole when the cache relists. */
    private record State(MvccIndex index, EventLog events, Watch source) {}

    private final Store store;
    private final String prefix;
    private final Options options;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition advanced = lock.newCondition();
    private volatile State state;
    /** The revision every read from memory is at: all events up to it are applied. */
    private volatile long revision;
    private volatile boolean closed;
    private Thread applier;
    private Thread ticker;

    private final boolean ownsStore;

    private WatchCache(Store store, String prefix, Options options, boolean ownsStore) {
        this.store = Objects.requireNonNull(store, "store");
        this.prefix = Objects.requireNonNull(prefix, "prefix");
        this.options = Objects.requireNonNull(options, "options");
        this.ownsStore = ownsStore;
    }

    /** A cache over {@code store}; {@link #close()} leaves the store open. */
    public WatchCache(Store store, String prefix, Options options) {
        this(store, prefix, options, false);
    }

    public WatchCache(Store store, String prefix) {
        this(store, prefix, Options.defaults());
    }

    /** A cache that owns {@code store}: {@link #close()} closes the cache, then the store. */
    public static WatchCache owning(Store store, String prefix) {
        return new WatchCache(store, prefix, Options.defaults(), true);
    }

    @Override
    public String name() {
        return "watch-cache";
    }

    /** Starts the store's background jobs, loads the initial state and follows the store; returns when ready. */
    @Override
    public synchronized void start() {
        if (applier != null) {
            return;
        }
        if (closed) {
            throw new WharfException(ErrorKind.UNAVAILABLE, "watch cache is closed");
        }
        store.start();
        install(load());
        CountDownLatch started = new CountDownLatch(1);
        applier = Thread.ofVirtual().name("wharf-watch-cache").start(() -> {
            started.countDown();
            follow();
        });
        ticker = Thread.ofVirtual().name("wharf-watch-cache-bookmarks").start(() -> {
            while (!closed) {
                try {
                    Thread.sleep(options.bookmarkInterval());
                } catch (InterruptedException e) {
                    return;
                }
                bookmark();
            }
        });
        try {
            started.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Lists the prefix and opens the store watch right after that list's revision. */
    private State load() {
        ListResult all = store.list(prefix);
        MvccIndex index = new MvccIndex();
        for (KeyValue kv : all.items()) {
            index.put(kv);
        }
        EventLog events = new EventLog(all.revision(), all.revision(), store::currentRevision, this::nudge);
        Watch source = store.watch(prefix, all.revision());
        return new State(index, events, source);
    }

    /** Makes {@code st} the cache's state: first the state, then its revision, so no read pairs a new revision
     * with an old index. */
    private void install(State st) {
        state = st;
        advance(st.events().head());
    }

    private void advance(long rev) {
        lock.lock();
        try {
            if (rev > revision) {
                revision = rev;
            }
            advanced.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** The applier: moves store events into the index and the ring, relisting when the store watch ends. */
    private void follow() {
        while (!closed) {
            State st = state;
            try {
                List<WatchEvent> batch = st.source().pollBatch(1024, Duration.ofSeconds(1));
                long last = revision;
                for (WatchEvent e : batch) {
                    if (e.revision() <= last && !(e instanceof WatchEvent.Progress)) {
                        continue; // already applied (defensive: a resumed store watch starts after `revision`)
                    }
                    switch (e) {
                        case WatchEvent.Put p -> {
                            st.index().put(p.kv());
                            st.events().append(p);
                        }
                        case WatchEvent.Delete d -> {
                            st.index().delete(d.key(), d.revision());
                            st.events().append(d);
                        }
                        case WatchEvent.Progress p -> {
                            // Nothing under our prefix changed up to p.revision(): we are current to there.
                        }
                    }
                    last = Math.max(last, e.revision());
                }
                if (last > revision) {
                    advance(last);
                    st.events().publish(last);
                    List<WatchEvent> dropped = st.events().trimTo(options.ringCapacity());
                    if (!dropped.isEmpty()) {
                        st.index().compact(st.events().floor(), dropped.stream().map(EventLog::key).distinct().toList());
                    }
                }
            } catch (InterruptedException e) {
                return;
            } catch (WharfException e) {
                if (closed) {
                    return;
                }
                log.warn("watch cache for {} lost its store watch ({}); resuming", prefix, e.getMessage());
                resume(st, e);
            }
        }
    }

    /** Re-watches the store from the last applied revision, or relists if that is compacted. */
    private void resume(State old, WharfException why) {
        old.source().close();
        long backoff = 100;
        boolean relist = why.kind() == ErrorKind.GONE;
        while (!closed) {
            try {
                if (!relist) {
                    try {
                        state = new State(old.index(), old.events(), store.watch(prefix, revision));
                        closeIfClosed(state);
                        return;
                    } catch (WharfException e) {
                        if (e.kind() != ErrorKind.GONE) {
                            throw e;
                        }
                        relist = true;
                    }
                }
                log.warn("watch cache for {} relists: revision {} is compacted", prefix, revision);
                old.events().close(new WharfException(ErrorKind.UNAVAILABLE, "watch cache re-listed after: " + why.getMessage()));
                install(load());
                closeIfClosed(state);
                return;
            } catch (WharfException e) {
                log.warn("watch cache for {} cannot relist yet: {}", prefix, e.getMessage());
                try {
                    Thread.sleep(backoff);
                } catch (InterruptedException ie) {
                    return;
                }
                backoff = Math.min(backoff * 2, 5_000);
            }
        }
    }

    /** Asks the store watch for a progress event, so the cache learns it is current when nothing changed. */
    private void nudge() {
        State st = state;
        if (st != null && !closed) {
            st.source().requestProgress();
        }
    }

    /** close() may have run while we were opening a new source watch: it must not leak. */
    private void closeIfClosed(State st) {
        if (closed) {
            st.source().close();
            st.events().close(new WharfException(ErrorKind.UNAVAILABLE, "watch cache is closed"));
        }
    }

    private State ready() {
        State st = state;
        if (closed) {
            throw new WharfException(ErrorKind.UNAVAILABLE, "watch cache is closed");
        }
        if (st == null) {
            throw new WharfException(ErrorKind.UNAVAILABLE, "watch cache is not started");
        }
        return st;
    }

    /** The store's compaction rules hold here too, even while the ring still has older events. */
    private void checkNotCompacted(long rev) {
        if (rev != 0) {
            long c = store.compactRevision();
            if (rev < c) {
                throw new WharfException(ErrorKind.GONE, "too old resource version: " + rev + " (compacted to " + c + ")");
            }
        }
    }

    private boolean covers(String p) {
        return p.startsWith(prefix);
    }

    /** The revision the cache has applied up to. */
    public long revision() {
        return revision;
    }

    /**
     * Waits until the cache has applied everything up to {@code rev}. Asks the store watch for progress, so that
     * it also returns when the latest writes were outside the cache's prefix.
     *
     * @return false if {@code timeout} passed first
     */
    public boolean waitFor(long rev, Duration timeout) throws InterruptedException {
        if (revision >= rev) {
            return true;
        }
        ready().source().requestProgress();
        long deadline = System.nanoTime() + timeout.toNanos();
        long nextNudge = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200);
        lock.lock();
        try {
            while (revision < rev && !closed) {
                long now = System.nanoTime();
                if (now >= deadline) {
                    break;
                }
                if (now >= nextNudge) {
                    // etcd answers a progress request only once the watch has caught up; ask again.
                    state.source().requestProgress();
                    nextNudge = now + TimeUnit.MILLISECONDS.toNanos(200);
                }
                advanced.awaitNanos(Math.min(deadline - now, TimeUnit.MILLISECONDS.toNanos(50)));
            }
            return revision >= rev;
        } finally {
            lock.unlock();
        }
    }

    /** A consistent read of one key: passed to the store (which, for SQLite, serves it from memory). */
    @Override
    public Optional<KeyValue> get(String key) {
        return store.get(key);
    }

    /** The cached version of a key as of {@link #revision()} (not a consistent read). */
    public Optional<KeyValue> getCached(String key) {
        if (!covers(key)) {
            return store.get(key);
        }
        State st = ready();
        return Optional.ofNullable(st.index().get(key, revision));
    }

    /**
     * Same contract as {@link Store#list}: revision 0 is a consistent read (waits for the cache to reach the
     * store's current revision; if it cannot within {@link Options#waitTimeout()}, reads the store); a given
     * revision is an exact read (from memory if the ring still covers it, else from the store: GONE if
     * compacted there).
     */
    @Override
    public ListResult list(String prefix, String startKey, int limit, long revision) {
        Objects.requireNonNull(prefix, "prefix");
        if (!covers(prefix)) {
            return store.list(prefix, startKey, limit, revision);
        }
        State st = ready();
        checkNotCompacted(revision);
        if (revision == 0) {
            long target = store.currentRevision();
            try {
                if (waitFor(target, options.waitTimeout())) {
                    return fromMemory(state, prefix, startKey, limit, this.revision);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new WharfException(ErrorKind.UNAVAILABLE, "interrupted while waiting for the watch cache", e);
            }
            return store.list(prefix, startKey, limit, 0);
        }
        if (revision <= this.revision && revision >= st.events().floor()) {
            ListResult r = tryMemory(st, prefix, startKey, limit, revision);
            if (r != null) {
                return r;
            }
        }
        return store.list(prefix, startKey, limit, revision);
    }

    /**
     * A list at the cache's revision once that is at least {@code minRevision} (0: no wait, Kubernetes'
     * resourceVersion="0"). Waits up to {@link Options#waitTimeout()}, then fails with UNAVAILABLE ("Too large
     * resource version"; Kubernetes answers 504 with reason Timeout).
     */
    public ListResult listNotOlderThan(String prefix, String startKey, int limit, long minRevision) {
        Objects.requireNonNull(prefix, "prefix");
        if (!covers(prefix)) {
            return store.list(prefix, startKey, limit, 0);
        }
        ready();
        try {
            if (!waitFor(minRevision, options.waitTimeout())) {
                throw new WharfException(ErrorKind.UNAVAILABLE, "Too large resource version: " + minRevision
                        + ", current: " + this.revision);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new WharfException(ErrorKind.UNAVAILABLE, "interrupted while waiting for the watch cache", e);
        }
        return fromMemory(state, prefix, startKey, limit, this.revision);
    }

    /** Reads at the cache's current revision; retries if a relist or trim raced past it. */
    private ListResult fromMemory(State st, String p, String startKey, int limit, long rev) {
        for (int i = 0; i < 3; i++) {
            ListResult r = tryMemory(st, p, startKey, limit, rev);
            if (r != null) {
                return r;
            }
            st = ready();
            rev = this.revision;
        }
        return store.list(p, startKey, limit, 0);
    }

    /** A page at {@code rev} from memory, or null when the ring moved past it meanwhile. */
    private static ListResult tryMemory(State st, String p, String startKey, int limit, long rev) {
        if (rev < st.events().floor() || st.events().isClosed()) {
            return null;
        }
        MvccIndex.Page page = st.index().list(p, startKey, limit, rev);
        if (rev < st.events().floor()) {
            return null;
        }
        return new ListResult(page.items(), rev, page.more());
    }

    /** The number of keys under {@code prefix}, consistent as {@link #list} with revision 0. */
    @Override
    public long count(String prefix) {
        if (!covers(prefix)) {
            return store.count(prefix);
        }
        State st = ready();
        try {
            if (waitFor(store.currentRevision(), options.waitTimeout())) {
                st = ready();
                long rev = revision;
                long n = st.index().count(prefix, rev);
                if (rev >= st.events().floor()) {
                    return n;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new WharfException(ErrorKind.UNAVAILABLE, "interrupted while waiting for the watch cache", e);
        }
        return store.count(prefix);
    }

    /** A watch from the cache without bookmarks: {@link #watch(String, long, boolean)}. */
    @Override
    public Watch watch(String prefix, long fromRevision) {
        return watch(prefix, fromRevision, false);
    }

    /**
     * Watches {@code prefix} from {@code fromRevision} (exclusive; 0 = from the store's current revision), same
     * event contract as {@link Store#watch}. With {@code bookmarks}, the watch also gets
     * {@link WatchEvent.Progress} every {@link Options#bookmarkInterval()} and on {@link #bookmark()}.
     *
     * <p>Served from the ring when it still holds the events after {@code fromRevision}; otherwise (an older
     * revision, e.g. a client reconnecting after the cache restarted) the watch is passed to the store, which
     * replays its history (without bookmarks).
     *
     * @throws io.wharf.common.WharfException GONE if {@code fromRevision} is below the store's compaction
     */
    public Watch watch(String prefix, long fromRevision, boolean bookmarks) {
        Objects.requireNonNull(prefix, "prefix");
        if (fromRevision < 0) {
            throw new WharfException(ErrorKind.INVALID_ARGUMENT, "negative revision " + fromRevision);
        }
        if (!covers(prefix)) {
            return store.watch(prefix, fromRevision);
        }
        State st = ready();
        checkNotCompacted(fromRevision);
        long from = fromRevision == 0 ? store.currentRevision() : fromRevision;
        if (from < st.events().floor()) {
            return store.watch(prefix, from);
        }
        try {
            return st.events().watch(prefix, from, bookmarks);
        } catch (WharfException e) {
            if (e.kind() == ErrorKind.GONE) {
                return store.watch(prefix, from); // the ring moved on meanwhile
            }
            throw e;
        }
    }

    /** Sends a {@link WatchEvent.Progress} at each watch's position to every watch opened with bookmarks, now. */
    public void bookmark() {
        State st = state;
        if (st != null) {
            st.events().bookmark();
        }
    }

    // ---- writes and revisions: the store's ----

    @Override
    public KeyValue create(String key, byte[] value) {
        return store.create(key, value);
    }

    @Override
    public KeyValue update(String key, byte[] value, long expectedModRevision) {
        return store.update(key, value, expectedModRevision);
    }

    @Override
    public Deleted delete(String key, long expectedModRevision) {
        return store.delete(key, expectedModRevision);
    }

    @Override
    public void compact(long revision) {
        store.compact(revision);
    }

    @Override
    public long currentRevision() {
        return store.currentRevision();
    }

    @Override
    public long compactRevision() {
        return store.compactRevision();
    }

    /** Closes the cache (ending its watches with UNAVAILABLE), and the store only if the cache {@link #owning owns} it. */
    @Override
    public void close() {
        Thread a, t;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            a = applier;
            t = ticker;
        }
        if (t != null) {
            t.interrupt();
        }
        if (a != null) {
            a.interrupt();
        }
        State st = state;
        if (st != null) {
            st.source().close();
            st.events().close(new WharfException(ErrorKind.UNAVAILABLE, "watch cache is closed"));
        }
        lock.lock();
        try {
            advanced.signalAll();
        } finally {
            lock.unlock();
        }
        if (ownsStore) {
            store.close();
        }
    }
}
