package io.wharf.registry;

import io.netty.handler.ssl.util.SelfSignedCertificate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;
import java.net.Socket;
import java.net.http.HttpClient;
import java.security.cert.X509Certificate;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

@SuppressWarnings("deprecation") // Netty's SelfSignedCertificate: fine for a test certificate
class TlsTest extends RegistryTestBase {
    static SelfSignedCertificate cert;

    @Override
    RegistryConfig config() {
        try {
            if (cert == null) cert = new SelfSignedCertificate("127.0.0.1");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return super.config().withTls(cert.certificate().toPath(), cert.privateKey().toPath());
    }

    /** The test trusts its own self-signed certificate; hostname checks are beside the point here. */
    static SSLContext trustAll() throws Exception {
        X509ExtendedTrustManager tm = new X509ExtendedTrustManager() {
            public void checkClientTrusted(X509Certificate[] c, String a, Socket s) {}
            public void checkServerTrusted(X509Certificate[] c, String a, Socket s) {}
            public void checkClientTrusted(X509Certificate[] c, String a, SSLEngine e) {}
            public void checkServerTrusted(X509Certificate[] c, String a, SSLEngine e) {}
            public void checkClientTrusted(X509Certificate[] c, String a) {}
            public void checkServerTrusted(X509Certificate[] c, String a) {}
            public X509Certificate[] getAcceptedIssuers() { return new X509Certificate[0]; }
        };
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, new javax.net.ssl.TrustManager[]{tm}, null);
        return ctx;
    }

    @Test
    void servesHttpsIncludingLargeBlobs() throws Exception {
        http.close();
        http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).sslContext(trustAll()).build();
        assertTrue(base.startsWith("https://"));
        assertEquals(200, send("GET", "/v2/", null).statusCode());
        byte[] data = new byte[3 * 1024 * 1024 + 1];
        new Random(5).nextBytes(data);
        var d = pushBlob("tls", data);
        var g = send("GET", "/v2/tls/blobs/" + d, null);
        assertArrayEquals(data, g.body());
        var part = send("GET", "/v2/tls/blobs/" + d, null, "Range", "bytes=1-3");
        assertEquals(206, part.statusCode());
        assertEquals(3, part.body().length);
    }

    @AfterEach
    void noop() {}
}
