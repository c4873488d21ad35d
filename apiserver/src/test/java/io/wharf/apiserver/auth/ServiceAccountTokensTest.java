package io.wharf.apiserver.auth;

import com.fasterxml.jackson.databind.JsonNode;
import io.wharf.common.Json;
import org.junit.jupiter.api.Test;

import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ServiceAccountTokensTest {
    private static KeyPair ec() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        return g.generateKeyPair();
    }

    private static KeyPair rsa() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        return g.generateKeyPair();
    }

    private static JsonNode header(String token) throws Exception {
        return Json.MAPPER.readTree(Base64.getUrlDecoder().decode(token.split("\\.")[0]));
    }

    @Test
    void ecKeysSignEs256WithA64ByteSignature() throws Exception {
        ServiceAccountTokens t = new ServiceAccountTokens(ec());
        String token = t.issue("ns1", "builder", "u-1", List.of(), 600);
        assertEquals("ES256", header(token).path("alg").asText());
        assertEquals(64, Base64.getUrlDecoder().decode(token.split("\\.")[2]).length); // R||S, not DER
        JsonNode claims = t.verify(token).orElseThrow();
        assertEquals("system:serviceaccount:ns1:builder", claims.path("sub").asText());
    }

    @Test
    void aReloadedPkiVerifiesTokensIssuedBeforeTheRestart(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        String token = new ServiceAccountTokens(io.wharf.apiserver.pki.Pki.loadOrCreate(dir, List.of()).serviceAccountKey())
                .issue("kube-system", "default", "", List.of(), 600);
        assertEquals("ES256", header(token).path("alg").asText());
        var again = io.wharf.apiserver.pki.Pki.loadOrCreate(dir, List.of());
        assertTrue(new ServiceAccountTokens(again.serviceAccountKey()).verify(token).isPresent());
    }

    @Test
    void rsaKeysOfOlderRootsStillSignRs256() throws Exception {
        ServiceAccountTokens t = new ServiceAccountTokens(rsa());
        String token = t.issue("default", "default", "", List.of("api"), 600);
        assertEquals("RS256", header(token).path("alg").asText());
        assertTrue(t.verify(token).isPresent());
    }

    @Test
    void rejectsTokensOfAnotherKeyOrAlgorithm() throws Exception {
        ServiceAccountTokens a = new ServiceAccountTokens(ec());
        String fromOther = new ServiceAccountTokens(ec()).issue("ns", "sa", "", List.of(), 600);
        String fromRsa = new ServiceAccountTokens(rsa()).issue("ns", "sa", "", List.of(), 600);
        assertFalse(a.verify(fromOther).isPresent());
        assertFalse(a.verify(fromRsa).isPresent());
        String good = a.issue("ns", "sa", "", List.of(), 600);
        String[] p = good.split("\\.");
        assertFalse(a.verify(p[0] + "." + p[1] + "." + p[2].substring(0, p[2].length() - 2) + "AA").isPresent());
        assertFalse(a.verify(a.issue("ns", "sa", "", List.of(), -10)).isPresent()); // expired
    }
}
