package io.wharf.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wharf.common.ErrorKind;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqliteStoreTest extends StoreContractTest {
    @TempDir
    Path dir;

    @Override
    protected Store open() {
        return SqliteStore.open(dir);
    }

    @Override
    protected Store reopen(Store old) {
        old.close();
        return SqliteStore.open(dir);
    }

    @Test
    void secondOpenOfTheSameDirectoryIsRefused() {
        assertKind(ErrorKind.FAILED_PRECONDITION, () -> SqliteStore.open(dir));
    }

    @Test
    void closedStoreIsUnavailableAndEndsWatches() throws Exception {
        Watch w = store.watch(p, 0);
        store.close();
        assertKind(ErrorKind.UNAVAILABLE, () -> store.create(p + "x", b("x")));
        assertKind(ErrorKind.UNAVAILABLE, () -> w.poll(Duration.ofSeconds(1)));
        store = null;
    }

    @Test
    void compactionSurvivesRestartAndShrinksTheLog() throws Exception {
        KeyValue first = store.create(p + "a", b("0"));
        for (int i = 1; i <= 50; i++) {
            store.update(p + "a", b(Integer.toString(i)), 0);
        }
        store.create(p + "gone", b("x"));
        store.delete(p + "gone", 0);
        long c = store.currentRevision();
        store.compact(c);
        KeyValue after = store.update(p + "a", b("51"), 0);
        store = reopen(store);
        assertEquals(c, store.compactRevision());
        assertKind(ErrorKind.GONE, () -> store.watch(p, first.modRevision()));
        assertKind(ErrorKind.GONE, () -> store.list(p, null, 0, first.modRevision()));
        assertEquals("51", s(store.get(p + "a").orElseThrow().value()));
        assertEquals(after.modRevision(), store.currentRevision());
        try (Watch w = store.watch(p, c)) {
            WatchEvent.Put e = (WatchEvent.Put) take(w, 1).getFirst();
            assertEquals("50", s(e.prev().value()));
            assertEquals("51", s(e.kv().value()));
        }
        try (var db = java.sql.DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("state.db"));
             var rs = db.createStatement().executeQuery("SELECT count(*) FROM log")) {
            rs.next();
            // a@50 (the version at the floor), the tombstone of `gone` only if at the floor, a@51
            assertTrue(rs.getInt(1) <= 3, "rows left after compaction: " + rs.getInt(1));
        }
    }

    @Test
    void startedStoreCompactsByItselfKeepingAWindow() throws Exception {
        store.close();
        store = SqliteStore.open(new SqliteStore.Options(dir, 64, Duration.ofMillis(100), 5));
        store.start();
        for (int i = 0; i < 20; i++) {
            store.create(p + "k" + i, b("v"));
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (store.compactRevision() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertTrue(store.compactRevision() > 0, "no compaction happened");
        assertEquals(20, store.count(p), "compaction keeps every live key");
    }

    @Test
    void aWatcherOvertakenByCompactionEndsWithGone() throws Exception {
        Watch w = store.watch(p, 0);
        for (int i = 0; i < 10; i++) {
            store.create(p + "k" + i, b("v"));
        }
        store.compact(store.currentRevision());
        assertKind(ErrorKind.GONE, () -> w.poll(Duration.ofSeconds(1)));
        w.close();
    }

    @Test
    void storesOpensSqliteFromAnEndpoint() {
        store.close();
        store = Stores.open("sqlite://" + dir);
        store.create(p + "x", b("x"));
        store.close();
        store = Stores.open("sqlite:" + dir);
        assertTrue(store.get(p + "x").isPresent());
        assertKind(ErrorKind.INVALID_ARGUMENT, () -> Stores.open("mysql://nope"));
    }

    /**
     * Acknowledged means durable: a child JVM writes as fast as it can and prints each acknowledged key; we
     * kill -9 it mid-stream and check that every acknowledged key is there after reopening.
     */
    @Test
    void acknowledgedWritesSurviveKill9() throws Exception {
        store.close();
        store = null;
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process child = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
                CrashWriter.class.getName(), dir.toString())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        List<String> acked = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                acked.add(line);
                if (acked.size() == 300) {
                    // SIGKILL: no shutdown hooks, no close()
                    new ProcessBuilder("kill", "-9", Long.toString(child.pid())).start().waitFor();
                    break;
                }
            }
        } finally {
            if (!child.waitFor(10, TimeUnit.SECONDS)) {
                child.destroyForcibly();
            }
        }
        assertTrue(acked.size() >= 300, "child acknowledged only " + acked.size() + " writes");
        store = SqliteStore.open(dir);
        long lastRev = 0;
        for (String line : acked) {
            String[] f = line.split(" ");
            KeyValue kv = store.get(f[0]).orElseThrow(() -> new AssertionError("acknowledged " + f[0] + " lost"));
            assertEquals(Long.parseLong(f[1]), kv.modRevision());
            lastRev = Math.max(lastRev, kv.modRevision());
        }
        assertTrue(store.currentRevision() >= lastRev);
        assertTrue(store.create("/after-crash", b("x")).modRevision() > lastRev);
    }

    /** Prints a figure only: the lead's benchmarks in bench/ measure; tests never gate on time. */
    @Test
    void concurrentCreatesSanity() throws Exception {
        int writers = 32, each = 40;
        long t0 = System.nanoTime();
        try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> fs = new ArrayList<>();
            for (int t = 0; t < writers; t++) {
                int id = t;
                fs.add(ex.submit(() -> {
                    for (int i = 0; i < each; i++) {
                        store.create(p + "bench/" + id + "/" + i, new byte[512]);
                    }
                    return null;
                }));
            }
            for (Future<?> f : fs) {
                f.get();
            }
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        assertEquals(writers * each, store.count(p + "bench/"));
        System.out.printf("sqlite store: %d durable creates by %d writers in %.3f s (%.0f/s)%n",
                writers * each, writers, secs, writers * each / secs);
    }
}
