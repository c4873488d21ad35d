package io.wharf.registry;

import org.bouncycastle.crypto.generators.OpenBSDBCrypt;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Signature;
import java.time.Instant;
import java.util.Base64;

import static org.junit.jupiter.api.Assertions.*;

class HtpasswdAuthTest extends RegistryTestBase {
    @org.junit.jupiter.api.io.TempDir
    Path aux;

    static String basic(String user, String pw) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + pw).getBytes(StandardCharsets.UTF_8));
    }

    @Override
    RegistryConfig config() {
        try {
            Path f = aux.resolve("htpasswd");
            byte[] salt = new byte[16];
            new java.security.SecureRandom().nextBytes(salt);
            Files.writeString(f, "# users\nalice:" + OpenBSDBCrypt.generate("2y", "s3cret".toCharArray(), salt, 4) + "\nbob:{SHA}ignored\n");
            return super.config().withHtpasswd(f);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void basicAuth() throws Exception {
        var none = send("GET", "/v2/", null);
        assertEquals(401, none.statusCode());
        assertEquals("Basic realm=\"Wharf Registry\"", none.headers().firstValue("WWW-Authenticate").orElse(null));
        assertEquals("UNAUTHORIZED", errorCode(none));
        assertEquals(401, send("GET", "/v2/", null, "Authorization", basic("alice", "wrong")).statusCode());
        assertEquals(401, send("GET", "/v2/", null, "Authorization", basic("bob", "ignored")).statusCode());
        assertEquals(401, send("GET", "/v2/", null, "Authorization", "Basic %%%").statusCode());
        assertEquals(200, send("GET", "/v2/", null, "Authorization", basic("alice", "s3cret")).statusCode());
        // nothing is stored for an unauthenticated push
        var push = send("POST", "/v2/x/blobs/uploads/?digest=" + io.wharf.oci.Digest.sha256("x".getBytes()), "x".getBytes());
        assertEquals(401, push.statusCode());
        assertTrue(storedFiles().isEmpty());
        var ok = send("POST", "/v2/x/blobs/uploads/?digest=" + io.wharf.oci.Digest.sha256("x".getBytes()), "x".getBytes(), "Authorization", basic("alice", "s3cret"));
        assertEquals(201, ok.statusCode());
    }
}

