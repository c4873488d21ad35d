package io.wharf.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.wharf.common.ErrorKind;
import io.wharf.common.WharfException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The contract against a real etcd (Debian's etcd-server) started by the test. */
class EtcdStoreTest extends StoreContractTest {
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

    @Override
    protected Store open() {
        return EtcdStore.connect(etcd.endpoint);
    }

    @Override
    protected Store reopen(Store old) {
        old.close();
        return EtcdStore.connect(etcd.endpoint);
    }

    @Test
    void unreachableEtcdIsUnavailable() throws Exception {
        EtcdStore.Options o = new EtcdStore.Options(List.of("http://127.0.0.1:" + EtcdProcess.freePort()), Duration.ofSeconds(1), 10);
        assertKind(ErrorKind.UNAVAILABLE, () -> EtcdStore.connect(o));
    }

    @Test
    void aWatcherThatFallsBehindItsBufferEndsWithUnavailable() throws Exception {
        try (EtcdStore small = EtcdStore.connect(new EtcdStore.Options(List.of(etcd.endpoint), Duration.ofSeconds(10), 5));
             Watch w = small.watch(p, 0)) {
            for (int i = 0; i < 20; i++) {
                store.create(p + "k" + i, b("v"));
            }
            int delivered = 0;
            WharfException end = null;
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (end == null && System.nanoTime() < deadline) {
                try {
                    delivered += w.pollBatch(100, Duration.ofMillis(200)).size();
                } catch (WharfException e) {
                    end = e;
                }
            }
            assertEquals(ErrorKind.UNAVAILABLE, end == null ? null : end.kind());
            assertTrue(end.getMessage().contains("behind"), end.getMessage());
            assertTrue(delivered <= 5, "delivered " + delivered);
            // Writers were never held up: all 20 writes are there.
            assertEquals(20, store.count(p));
        }
    }

    @Test
    void prefixEndIsEtcds() {
        assertEquals("/registry/pods0", EtcdStore.prefixEnd("/registry/pods/").toString(StandardCharsets.UTF_8));
    }
}
