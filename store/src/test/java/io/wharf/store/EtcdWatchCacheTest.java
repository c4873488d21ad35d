package io.wharf.store;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

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

    @Override
    protected Store open() {
        return EtcdStore.connect(etcd.endpoint);
    }
}
