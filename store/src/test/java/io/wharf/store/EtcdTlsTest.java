package io.wharf.store;

import static io.wharf.store.StoreContractTest.assertKind;
import static io.wharf.store.StoreContractTest.b;
import static io.wharf.store.StoreContractTest.s;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.wharf.common.ErrorKind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** etcd with TLS and client-certificate authentication, certificates made by openssl for the test. */
class EtcdTlsTest {
    static EtcdProcess etcd;
    static Path dir;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(EtcdProcess.available(), "skipped: " + EtcdProcess.ETCD + " is absent (apt-get install etcd-server)");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/openssl")), "skipped: openssl is absent");
        dir = Files.createTempDirectory("wharf-store-etcd-tls");
        String script = """
                set -e
                ec="-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
                openssl req -x509 $ec -keyout ca.key -out ca.crt -days 1 -subj /CN=wharf-store-test-ca
                for who in server client; do
                  openssl req $ec -keyout $who.key -out $who.csr -subj /CN=wharf-store-$who
                done
                printf 'subjectAltName=IP:127.0.0.1\\nextendedKeyUsage=serverAuth\\n' > server.ext
                printf 'extendedKeyUsage=clientAuth\\n' > client.ext
                for who in server client; do
                  openssl x509 -req -in $who.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out $who.crt -days 1 -extfile $who.ext
                done
                """;
        Process p = new ProcessBuilder("bash", "-c", script).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("openssl.log").toFile()).start();
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("openssl failed: " + Files.readString(dir.resolve("openssl.log")));
        }
        etcd = new EtcdProcess(dir, "https", List.of(
                "--cert-file", dir.resolve("server.crt").toString(), "--key-file", dir.resolve("server.key").toString(),
                "--client-cert-auth", "--trusted-ca-file", dir.resolve("ca.crt").toString()));
    }

    @AfterAll
    static void stop() throws Exception {
        if (etcd != null) {
            etcd.close(); // also deletes dir
        }
    }

    @Test
    void clientCertificateConnects() throws Exception {
        EtcdStore.Tls tls = new EtcdStore.Tls(dir.resolve("ca.crt"), dir.resolve("client.crt"), dir.resolve("client.key"));
        try (EtcdStore store = EtcdStore.connect(EtcdStore.Options.of(etcd.endpoint).withTls(tls))) {
            KeyValue kv = store.create("/tls/x", b("secret"));
            assertEquals("secret", s(store.get("/tls/x").orElseThrow().value()));
            assertEquals(kv.modRevision(), store.list("/tls/").revision());
        }
        try (Store viaEndpoint = Stores.open(etcd.endpoint, dir, tls)) {
            assertEquals(1, viaEndpoint.count("/tls/"));
        }
    }

    @Test
    void withoutAClientCertificateEtcdRefuses() {
        EtcdStore.Options noCert = new EtcdStore.Options(List.of(etcd.endpoint), Duration.ofSeconds(2), 10)
                .withTls(new EtcdStore.Tls(dir.resolve("ca.crt"), null, null));
        assertKind(ErrorKind.UNAVAILABLE, () -> EtcdStore.connect(noCert));
    }
}
