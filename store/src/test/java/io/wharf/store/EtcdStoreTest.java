package io.wharf.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.wharf.common.ErrorKind;
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
    void prefixEndIsEtcds() {
        assertEquals("/registry/pods0", EtcdStore.prefixEnd("/registry/pods/").toString(StandardCharsets.UTF_8));
    }
}
