package io.wharf.store;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The store contract, through a {@link WatchCache} over a real etcd. */
class EtcdCachedStoreTest extends StoreContractTest {
    static EtcdProcess etcd;
    private EtcdStore backing;

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
        backing = EtcdStore.connect(etcd.endpoint);
        WatchCache c = new WatchCache(backing, "/test/");
        c.start();
        return c;
    }

    @Override
    protected Store reopen(Store old) {
        old.close();
        backing.close();
        return open();
    }

    @Override
    @org.junit.jupiter.api.AfterEach
    void tearDown() {
        super.tearDown();
        backing.close();
    }
}
