package io.wharf.store;

import io.wharf.common.ErrorKind;
import io.wharf.common.WharfException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded {@link Store}: an append-only log of revisions in SQLite (kine's idea) with the current state and
 * recent history held in memory.
 *
 * <h2>On disk</h2>
 * {@code <dir>/state.db}, table {@code log(revision PRIMARY KEY, key, create_revision, prev_revision, deleted,
 * value)}: one row per write, the row's revision being the write's revision (no separate "old value": the
 * previous version is the key's previous row). Table {@code meta} holds the compaction revision. Compaction
 * deletes rows below the compaction revision that are deletions or superseded (at or below it) by a newer row of
 * the same key; so the latest version of every live key is always kept. {@code <dir>/state.lock} is held with an
 * OS file lock while open, so two processes cannot share one store (the in-memory state would go stale).
 *
 * <h2>Durability</h2>
 * WAL journal with {@code synchronous=FULL}: every commit fsyncs the WAL before the write is acknowledged, so an
 * acknowledged write survives {@code kill -9} and power loss. (NORMAL+WAL would survive a process kill but not a
 * power cut; "acknowledged" here means fsynced.) The cost is paid once per batch: a single writer thread takes
 * every write waiting in its queue (group commit, up to {@link Options#maxBatch()}), validates them in order
 * against the current state, inserts them in one transaction and commits with one fsync; while it fsyncs, the next
 * batch gathers. If a commit fails the store stops accepting writes (fail-stop, as etcd panics on a failed
 * fsync): memory and disk could otherwise disagree.
 *
 * <h2>Reads and watches</h2>
 * This process is the only writer, so it never reads SQLite after start: the {@link MvccIndex} holds every live
 * key with its versions back to the compaction revision (lock-free snapshot reads at any kept revision), and the
 * {@link EventLog} holds the events after it for watches. A write is applied to memory only after its commit, so
 * nothing not durable is ever seen. Memory is bounded by periodic compaction ({@link #start()}): every
 * {@link Options#compactInterval()} the store compacts to the revision that was current one interval earlier,
 * and never keeps more than {@link Options#maxHistory()} revisions.
 */
public final class SqliteStore implements Store {
    private static final Logger log = LoggerFactory.getLogger(SqliteStore.class);

    /** The default directory, per the on-disk layout of the architecture. */
    public static final Path DEFAULT_DIR = Path.of("/var/lib/wharf/store");

    /**
     * @param dir             the directory holding {@code state.db}
     * @param maxBatch        the most writes committed in one transaction
     * @param compactInterval how often {@link #start() started} stores compact; also the least history kept
     * @param maxHistory      the most revisions of history kept (bounds memory under heavy writes)
     */
    public record Options(Path dir, int maxBatch, Duration compactInterval, long maxHistory) {
        public Options {
            Objects.requireNonNull(dir, "dir");
            Objects.requireNonNull(compactInterval, "compactInterval");
            if (maxBatch < 1 || maxHistory < 1 || compactInterval.isNegative() || compactInterval.isZero()) {
                throw new IllegalArgumentException("bad store options");
            }
        }

        public static Options defaults(Path dir) {
            return new Options(dir, 1024, Duration.ofMinutes(1), 200_000);
        }
    }

    /** A write waiting for the writer thread. */
    private sealed interface Op {
        CompletableFuture<Object> done();
    }

    private record Create(String key, byte[] value, CompletableFuture<Object> done) implements Op {}

    private record Update(String key, byte[] value, long expected, CompletableFuture<Object> done) implements Op {}

    private record Remove(String key, long expected, CompletableFuture<Object> done) implements Op {}

    private record Compact(long revision, CompletableFuture<Object> done) implements Op {}

    private record Stop(CompletableFuture<Object> done) implements Op {}

    private final Options options;
    private final Connection db;
    private final FileChannel lockChannel;
    private final FileLock fileLock;
    private final MvccIndex index = new MvccIndex();
    private final EventLog events;
    private final LinkedBlockingQueue<Op> queue = new LinkedBlockingQueue<>();
    private final Thread writer;
    private final PreparedStatement insert;
    /** Keys written since the last compaction: the chains a compaction has to cut. */
    private final Set<String> touched = new HashSet<>();
    private volatile long current;
    private volatile long compactRev;
    private volatile WharfException broken;
    private volatile boolean closed;
    private long nextRevision; // writer only
    private Thread compactor;

    private SqliteStore(Options options) {
        this.options = options;
        Path dir = options.dir();
        try {
            Files.createDirectories(dir);
            lockChannel = FileChannel.open(dir.resolve("state.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new WharfException(ErrorKind.UNAVAILABLE, "cannot open store directory " + dir + ": " + e.getMessage(), e);
        }
        FileLock fl;
        try {
            fl = lockChannel.tryLock();
        } catch (IOException | OverlappingFileLockException e) {
            fl = null;
        }
        if (fl == null) {
            closeQuietly(lockChannel);
            throw new WharfException(ErrorKind.FAILED_PRECONDITION, "store " + dir + " is in use by another process");
        }
        fileLock = fl;
        try {
            db = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("state.db"));
            try (Statement st = db.createStatement()) {
                st.execute("PRAGMA journal_mode=WAL");
                st.execute("PRAGMA synchronous=FULL");
                st.execute("PRAGMA busy_timeout=5000");
                st.execute("CREATE TABLE IF NOT EXISTS log (revision INTEGER PRIMARY KEY, key TEXT NOT NULL, "
                        + "create_revision INTEGER NOT NULL, prev_revision INTEGER NOT NULL, deleted INTEGER NOT NULL, value BLOB)");
                st.execute("CREATE INDEX IF NOT EXISTS log_key_revision ON log (key, revision)");
                st.execute("CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL)");
            }
            db.setAutoCommit(false);
            long compacted = 0;
            try (Statement st = db.createStatement();
                 ResultSet rs = st.executeQuery("SELECT value FROM meta WHERE name = 'compact_revision'")) {
                if (rs.next()) {
                    compacted = rs.getLong(1);
                }
            }
            compactRev = compacted;
            events = new EventLog(compacted, compacted);
            long last = load(compacted);
            db.commit();
            current = Math.max(last, compacted);
            nextRevision = current;
            events.publish(current);
            insert = db.prepareStatement("INSERT INTO log (revision, key, create_revision, prev_revision, deleted, value) "
                    + "VALUES (?, ?, ?, ?, ?, ?)");
        } catch (SQLException e) {
            releaseLock();
            throw new WharfException(ErrorKind.UNAVAILABLE, "cannot open store " + dir.resolve("state.db") + ": " + e.getMessage(), e);
        }
        writer = Thread.ofPlatform().name("wharf-store-writer").daemon().start(this::writeLoop);
    }

    /** Opens (creating if needed) the store in {@code dir}; it is usable when this returns. */
    public static SqliteStore open(Path dir) {
        return open(Options.defaults(dir));
    }

    public static SqliteStore open(Options options) {
        return new SqliteStore(Objects.requireNonNull(options, "options"));
    }

    /** Rebuilds memory from the log; returns the highest revision found. */
    private long load(long compacted) throws SQLException {
        long last = 0;
        try (Statement st = db.createStatement();
             ResultSet rs = st.executeQuery("SELECT revision, key, create_revision, deleted, value FROM log ORDER BY revision")) {
            while (rs.next()) {
                long rev = rs.getLong(1);
                String key = rs.getString(2);
                long createRev = rs.getLong(3);
                boolean deleted = rs.getInt(4) != 0;
                KeyValue prev = index.latest(key);
                WatchEvent event;
                if (deleted) {
                    index.delete(key, rev);
                    event = prev == null ? null : new WatchEvent.Delete(prev, rev);
                } else {
                    byte[] value = rs.getBytes(5);
                    KeyValue kv = new KeyValue(key, value == null ? new byte[0] : value, createRev, rev);
                    index.put(kv);
                    event = new WatchEvent.Put(kv, prev);
                }
                if (rev > compacted && event != null) {
                    events.append(event);
                    touched.add(key);
                }
                last = rev;
            }
        }
        return last;
    }

    @Override
    public String name() {
        return "store-sqlite";
    }

    /** Starts periodic compaction. */
    @Override
    public synchronized void start() {
        if (compactor != null || closed) {
            return;
        }
        compactor = Thread.ofVirtual().name("wharf-store-compactor").start(() -> {
            long previous = currentRevision();
            while (!closed) {
                try {
                    Thread.sleep(options.compactInterval());
                } catch (InterruptedException e) {
                    return;
                }
                long now = currentRevision();
                long target = Math.max(previous, now - options.maxHistory());
                previous = now;
                if (target > compactRevision()) {
                    try {
                        compact(target);
                    } catch (WharfException e) {
                        if (closed) {
                            return;
                        }
                        log.warn("store compaction to {} failed: {}", target, e.getMessage());
                    }
                }
            }
        });
    }

    // ---- reads: from memory, never from SQLite ----

    @Override
    public Optional<KeyValue> get(String key) {
        Keys.check(key);
        checkOpen();
        return Optional.ofNullable(index.get(key, current));
    }

    @Override
    public ListResult list(String prefix, String startKey, int limit, long revision) {
        Objects.requireNonNull(prefix, "prefix");
        checkOpen();
        long cur = current;
        long rev = revision == 0 ? cur : revision;
        if (rev < 0 || rev > cur) {
            throw new WharfException(ErrorKind.INVALID_ARGUMENT, "revision " + revision + " is in the future (current " + cur + ")");
        }
        checkNotCompacted(rev);
        MvccIndex.Page page = index.list(prefix, startKey, limit, rev);
        checkNotCompacted(rev);
        return new ListResult(page.items(), rev, page.more());
    }

    @Override
    public long count(String prefix) {
        Objects.requireNonNull(prefix, "prefix");
        checkOpen();
        return index.count(prefix, current);
    }

    private void checkNotCompacted(long rev) {
        long c = compactRev;
        if (rev < c) {
            throw new WharfException(ErrorKind.GONE, "required revision " + rev + " has been compacted (compacted to " + c + ")");
        }
    }

    @Override
    public Watch watch(String prefix, long fromRevision) {
        Objects.requireNonNull(prefix, "prefix");
        checkOpen();
        if (fromRevision < 0) {
            throw new WharfException(ErrorKind.INVALID_ARGUMENT, "negative revision " + fromRevision);
        }
        long from = fromRevision == 0 ? current : fromRevision;
        return events.watch(prefix, from, false);
    }

    @Override
    public long currentRevision() {
        return current;
    }

    @Override
    public long compactRevision() {
        return compactRev;
    }

    // ---- writes: queued to the single writer thread ----

    @Override
    public KeyValue create(String key, byte[] value) {
        Keys.check(key);
        Objects.requireNonNull(value, "value");
        return (KeyValue) submit(new Create(key, value, new CompletableFuture<>()));
    }

    @Override
    public KeyValue update(String key, byte[] value, long expectedModRevision) {
        Keys.check(key);
        Objects.requireNonNull(value, "value");
        return (KeyValue) submit(new Update(key, value, expectedModRevision, new CompletableFuture<>()));
    }

    @Override
    public Deleted delete(String key, long expectedModRevision) {
        Keys.check(key);
        return (Deleted) submit(new Remove(key, expectedModRevision, new CompletableFuture<>()));
    }

    @Override
    public void compact(long revision) {
        submit(new Compact(revision, new CompletableFuture<>()));
    }

    private Object submit(Op op) {
        checkOpen();
        queue.add(op);
        if (closed && queue.remove(op)) {
            // close() ran between the check and the add; the writer is gone or going.
            throw new WharfException(ErrorKind.UNAVAILABLE, "store is closed");
        }
        try {
            return op.done().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            // The write may still happen: as with a lost connection to etcd, the outcome is unknown.
            throw new WharfException(ErrorKind.UNAVAILABLE, "interrupted while waiting for the store; the write may or may not have happened", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof WharfException we) {
                // Re-throw with the caller's stack, keeping the kind and message.
                throw new WharfException(we.kind(), we.getMessage(), we);
            }
            throw WharfException.internal("store write failed", e.getCause());
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new WharfException(ErrorKind.UNAVAILABLE, "store is closed");
        }
        WharfException b = broken;
        if (b != null) {
            throw new WharfException(ErrorKind.UNAVAILABLE, "store stopped after a failed commit: " + b.getMessage(), b);
        }
    }

    private void writeLoop() {
        List<Op> batch = new ArrayList<>();
        while (true) {
            batch.clear();
            try {
                batch.add(queue.take());
            } catch (InterruptedException e) {
                return;
            }
            queue.drainTo(batch, options.maxBatch() - 1);
            List<Op> writes = new ArrayList<>(batch.size());
            for (Op op : batch) {
                switch (op) {
                    case Stop s -> {
                        commit(writes);
                        writes.clear();
                        failPending(new WharfException(ErrorKind.UNAVAILABLE, "store is closed"));
                        s.done().complete(null);
                        return;
                    }
                    case Compact c -> {
                        commit(writes); // writes before the compaction in queue order
                        writes.clear();
                        doCompact(c);
                    }
                    default -> writes.add(op);
                }
            }
            commit(writes);
        }
    }

    private void failPending(WharfException why) {
        Op op;
        while ((op = queue.poll()) != null) {
            op.done().completeExceptionally(why);
        }
    }

    /** A write that passed validation, with its new revision. */
    private record Staged(Op op, long revision, String key, KeyValue kv, KeyValue prev, Object result) {}

    /** Validates, inserts and commits a batch of writes in one transaction, then applies and acknowledges them. */
    private void commit(List<Op> writes) {
        if (writes.isEmpty()) {
            return;
        }
        if (broken != null) {
            writes.forEach(op -> op.done().completeExceptionally(broken));
            return;
        }
        Map<String, Optional<KeyValue>> staged = new HashMap<>();
        List<Staged> ok = new ArrayList<>(writes.size());
        List<Map.Entry<Op, WharfException>> failed = new ArrayList<>();
        long rev = nextRevision;
        for (Op op : writes) {
            switch (op) {
                case Create c -> {
                    KeyValue live = staged.containsKey(c.key()) ? staged.get(c.key()).orElse(null) : index.latest(c.key());
                    if (live != null) {
                        failed.add(Map.entry(op, WharfException.alreadyExists("key %s already exists", c.key())));
                        continue;
                    }
                    rev++;
                    KeyValue kv = new KeyValue(c.key(), c.value(), rev, rev);
                    staged.put(c.key(), Optional.of(kv));
                    ok.add(new Staged(op, rev, c.key(), kv, null, kv));
                }
                case Update u -> {
                    KeyValue live = staged.containsKey(u.key()) ? staged.get(u.key()).orElse(null) : index.latest(u.key());
                    WharfException err = precondition(u.key(), live, u.expected());
                    if (err != null) {
                        failed.add(Map.entry(op, err));
                        continue;
                    }
                    rev++;
                    KeyValue kv = new KeyValue(u.key(), u.value(), live.createRevision(), rev);
                    staged.put(u.key(), Optional.of(kv));
                    ok.add(new Staged(op, rev, u.key(), kv, live, kv));
                }
                case Remove r -> {
                    KeyValue live = staged.containsKey(r.key()) ? staged.get(r.key()).orElse(null) : index.latest(r.key());
                    WharfException err = precondition(r.key(), live, r.expected());
                    if (err != null) {
                        failed.add(Map.entry(op, err));
                        continue;
                    }
                    rev++;
                    staged.put(r.key(), Optional.empty());
                    ok.add(new Staged(op, rev, r.key(), null, live, new Deleted(live, rev)));
                }
                case Compact c -> throw new IllegalStateException("compaction in a write batch");
                case Stop s -> throw new IllegalStateException("stop in a write batch");
            }
        }
        if (!ok.isEmpty()) {
            try {
                for (Staged s : ok) {
                    insert.setLong(1, s.revision());
                    insert.setString(2, s.key());
                    insert.setLong(3, s.kv() != null ? s.kv().createRevision() : s.prev().createRevision());
                    insert.setLong(4, s.prev() == null ? 0 : s.prev().modRevision());
                    insert.setInt(5, s.kv() == null ? 1 : 0);
                    if (s.kv() == null) {
                        insert.setNull(6, java.sql.Types.BLOB);
                    } else {
                        insert.setBytes(6, s.kv().value());
                    }
                    insert.addBatch();
                }
                insert.executeBatch();
                db.commit(); // one fsync of the WAL for the whole batch (synchronous=FULL)
            } catch (SQLException e) {
                broken = new WharfException(ErrorKind.INTERNAL, "store commit failed: " + e.getMessage(), e);
                log.error("store commit failed; the store accepts no more writes", e);
                try {
                    insert.clearBatch();
                    db.rollback();
                } catch (SQLException ignored) {
                    // the connection is unusable anyway
                }
                ok.forEach(s -> s.op().done().completeExceptionally(broken));
                failed.forEach(f -> f.getKey().done().completeExceptionally(broken));
                failPending(broken);
                events.close(new WharfException(ErrorKind.UNAVAILABLE, "store stopped after a failed commit"));
                return;
            }
            nextRevision = rev;
            // Durable now: make it visible, index first so a reader at the new revision finds every version.
            for (Staged s : ok) {
                if (s.kv() != null) {
                    index.put(s.kv());
                    events.append(new WatchEvent.Put(s.kv(), s.prev()));
                } else {
                    index.delete(s.key(), s.revision());
                    events.append(new WatchEvent.Delete(s.prev(), s.revision()));
                }
                touched.add(s.key());
            }
            current = rev;
            events.publish(rev);
            for (Staged s : ok) {
                s.op().done().complete(s.result());
            }
        }
        failed.forEach(f -> f.getKey().done().completeExceptionally(f.getValue()));
    }

    private static WharfException precondition(String key, KeyValue live, long expected) {
        if (live == null) {
            return WharfException.notFound("key %s not found", key);
        }
        if (expected != 0 && live.modRevision() != expected) {
            return WharfException.conflict("key %s has modRevision %d, not the expected %d", key, live.modRevision(), expected);
        }
        return null;
    }

    private void doCompact(Compact c) {
        long target = c.revision();
        if (broken != null) {
            c.done().completeExceptionally(broken);
            return;
        }
        if (target > current) {
            c.done().completeExceptionally(new WharfException(ErrorKind.INVALID_ARGUMENT,
                    "cannot compact to " + target + ": current revision is " + current));
            return;
        }
        if (target <= compactRev) {
            c.done().complete(null);
            return;
        }
        try {
            // Persist the floor first: if we die mid-way, a restart must not offer history that is partly gone.
            try (PreparedStatement st = db.prepareStatement(
                    "INSERT INTO meta (name, value) VALUES ('compact_revision', ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value")) {
                st.setLong(1, target);
                st.executeUpdate();
            }
            db.commit();
            compactRev = target;
            events.truncate(target);
            index.compact(target, touched);
            touched.clear();
            // Keys written above the floor still have versions to cut at the next compaction.
            for (WatchEvent e : events.retained()) {
                touched.add(EventLog.key(e));
            }
            try (PreparedStatement st = db.prepareStatement(
                    "DELETE FROM log WHERE revision < ?1 AND (deleted = 1 OR EXISTS (SELECT 1 FROM log n "
                            + "WHERE n.key = log.key AND n.revision > log.revision AND n.revision <= ?1))")) {
                st.setLong(1, target);
                st.executeUpdate();
            }
            db.commit();
            c.done().complete(null);
        } catch (SQLException e) {
            try {
                db.rollback();
            } catch (SQLException ignored) {
                // reported below
            }
            c.done().completeExceptionally(WharfException.internal("store compaction failed: " + e.getMessage(), e));
        }
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            if (compactor != null) {
                compactor.interrupt();
            }
        }
        CompletableFuture<Object> stopped = new CompletableFuture<>();
        queue.add(new Stop(stopped));
        try {
            stopped.get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            writer.interrupt();
        }
        events.close(new WharfException(ErrorKind.UNAVAILABLE, "store is closed"));
        try {
            insert.close();
            db.close();
        } catch (SQLException e) {
            log.warn("closing store database: {}", e.getMessage());
        }
        releaseLock();
    }

    private void releaseLock() {
        try {
            fileLock.release();
        } catch (IOException | RuntimeException ignored) {
            // closing the channel releases it too
        }
        closeQuietly(lockChannel);
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception ignored) {
            // nothing to do
        }
    }
}
