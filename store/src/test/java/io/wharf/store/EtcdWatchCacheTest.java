package io.wharf.store;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import io.wharf.common.ErrorKind;
import io.wharf.common.WharfException;
import java.time.Duration;
import java.util.List;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EtcdWatchCacheTest extends WatchCacheContractTest {
    static EtcdProcess etcd;

    @BeforeAll
    static void startEtcd() throws Exception {
        assumeTrue(EtcdProcess.available(), "skipped: " + EtcdProcess.ETCD + " is absent (apt-get install etcd-server)");
        etcd = new EtcdProcess();
    }

    @AfterAll
    static void stopEtcd() throws Exception {
        if (etcd != null) {
            etcd.close();
        }
    }

    /** The cache's store watch breaks while etcd is down; it resumes from its revision, unseen by its watchers. */
    @Test
    void cacheWatchersSurviveAnEtcdRestart() throws Exception {
        WatchCache c = cache(1000);
        KeyValue before = store.create(p + "before", StoreContractTest.b("1"));
        try (Watch w = c.watch(p, before.modRevision(), false)) {
            etcd.restart();
            KeyValue after = null;
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (after == null) {
                try {
                    after = store.create(p + "after", StoreContractTest.b("2"));
                } catch (WharfException e) {
                    if (e.kind() != ErrorKind.UNAVAILABLE || System.nanoTime() > deadline) {
                        throw e;
                    }
                    Thread.sleep(200);
                }
            }
            List<WatchEvent> ev = StoreContractTest.take(w, 1);
            assertEquals(after.modRevision(), ev.getFirst().revision());
            assertTrue(c.list(p, null, 0, 0).items().size() == 2);
        }
    }

    @Override
    protected Store open() {
        return EtcdStore.connect(etcd.endpoint);
    }
}
