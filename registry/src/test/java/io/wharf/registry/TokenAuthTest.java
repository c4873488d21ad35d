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

class TokenAuthTest extends RegistryTestBase {
    @org.junit.jupiter.api.io.TempDir
    Path aux;

    KeyPair rsa;

    @Override
    RegistryConfig config() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
            g.initialize(2048);
            rsa = g.generateKeyPair();
            Path pem = aux.resolve("token.pub");
            Files.writeString(pem, "-----BEGIN PUBLIC KEY-----\n" + Base64.getMimeEncoder().encodeToString(rsa.getPublic().getEncoded()) + "\n-----END PUBLIC KEY-----\n");
            return super.config().withToken(new RegistryConfig.TokenAuth("https://auth.example/token", "wharf-registry", "wharf-token-issuer", pem));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    String jwt(PrivateKey key, String issuer, String aud, long exp, String access) throws Exception {
        Base64.Encoder enc = Base64.getUrlEncoder().withoutPadding();
        String h = enc.encodeToString("{\"alg\":\"RS256\",\"typ\":\"JWT\"}".getBytes());
        String c = enc.encodeToString(("{\"iss\":\"" + issuer + "\",\"aud\":\"" + aud + "\",\"exp\":" + exp + ",\"access\":" + access + "}").getBytes());
        Signature s = Signature.getInstance("SHA256withRSA");
        s.initSign(key);
        s.update((h + "." + c).getBytes(StandardCharsets.US_ASCII));
        return h + "." + c + "." + enc.encodeToString(s.sign());
    }

    @Test
    void bearerChallengeAndScopes() throws Exception {
        var none = send("GET", "/v2/app/manifests/1", null);
        assertEquals(401, none.statusCode());
        assertEquals("Bearer realm=\"https://auth.example/token\",service=\"wharf-registry\",scope=\"repository:app:pull\"",
                none.headers().firstValue("WWW-Authenticate").orElse(null));
        long exp = Instant.now().getEpochSecond() + 300;
        String pull = jwt(rsa.getPrivate(), "wharf-token-issuer", "wharf-registry", exp, "[{\"type\":\"repository\",\"name\":\"app\",\"actions\":[\"pull\"]}]");
        var ok = send("GET", "/v2/app/manifests/1", null, "Authorization", "Bearer " + pull);
        assertEquals(404, ok.statusCode()); // authorized; the manifest just is not there
        assertEquals(200, send("GET", "/v2/", null, "Authorization", "Bearer " + pull).statusCode());
        var push = send("POST", "/v2/app/blobs/uploads/", null, "Authorization", "Bearer " + pull);
        assertEquals(401, push.statusCode());
        assertTrue(push.headers().firstValue("WWW-Authenticate").orElse("").contains("scope=\"repository:app:pull,push\",error=\"insufficient_scope\""));
        var other = send("GET", "/v2/other/tags/list", null, "Authorization", "Bearer " + pull);
        assertEquals(401, other.statusCode());

        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        String forged = jwt(g.generateKeyPair().getPrivate(), "wharf-token-issuer", "wharf-registry", exp, "[{\"type\":\"repository\",\"name\":\"app\",\"actions\":[\"*\"]}]");
        assertEquals(401, send("GET", "/v2/app/tags/list", null, "Authorization", "Bearer " + forged).statusCode());
        String expired = jwt(rsa.getPrivate(), "wharf-token-issuer", "wharf-registry", exp - 3600, "[{\"type\":\"repository\",\"name\":\"app\",\"actions\":[\"pull\"]}]");
        assertEquals(401, send("GET", "/v2/app/tags/list", null, "Authorization", "Bearer " + expired).statusCode());
        String wrongAud = jwt(rsa.getPrivate(), "wharf-token-issuer", "elsewhere", exp, "[{\"type\":\"repository\",\"name\":\"app\",\"actions\":[\"pull\"]}]");
        assertEquals(401, send("GET", "/v2/app/tags/list", null, "Authorization", "Bearer " + wrongAud).statusCode());

        String all = jwt(rsa.getPrivate(), "wharf-token-issuer", "wharf-registry", exp, "[{\"type\":\"repository\",\"name\":\"app\",\"actions\":[\"pull\",\"push\"]}]");
        var post = send("POST", "/v2/app/blobs/uploads/?digest=" + io.wharf.oci.Digest.sha256("x".getBytes()), "x".getBytes(), "Authorization", "Bearer " + all);
        assertEquals(201, post.statusCode());
    }
}
