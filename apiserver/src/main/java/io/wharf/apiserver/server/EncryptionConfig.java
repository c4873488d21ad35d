package io.wharf.apiserver.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.wharf.common.Json;

import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

/**
 * Secrets at rest, from a Kubernetes EncryptionConfiguration (apiserver.config.k8s.io/v1) whose resources include
 * "secrets": the first provider encrypts; every aesgcm key and identity can decrypt. Stored form as kube-apiserver's:
 * {@code k8s:enc:aesgcm:v1:<keyname>:} + 12-byte nonce + ciphertext with tag.
 */
public final class EncryptionConfig implements Storage.SecretCodec {
    private static final SecureRandom RANDOM = new SecureRandom();

    private record Key(String name, SecretKeySpec key) {}

    private final List<Key> keys;
    private final boolean identityFirst;

    private EncryptionConfig(List<Key> keys, boolean identityFirst) {
        this.keys = keys;
        this.identityFirst = identityFirst;
    }

    public static Storage.SecretCodec load(Path file) throws IOException {
        if (file == null) return Storage.SecretCodec.NONE;
        JsonNode root = Json.YAML.readTree(Files.readAllBytes(file));
        if (!"EncryptionConfiguration".equals(root.path("kind").asText()))
            throw new IOException(file + ": kind must be EncryptionConfiguration");
        for (JsonNode r : root.path("resources")) {
            boolean secrets = false;
            for (JsonNode res : r.path("resources")) if (res.asText().equals("secrets") || res.asText().equals("*.*") || res.asText().equals("*.")) secrets = true;
            if (!secrets) continue;
            List<Key> keys = new ArrayList<>();
            boolean identityFirst = false;
            int i = 0;
            for (JsonNode p : r.path("providers")) {
                if (p.has("identity") && i == 0) identityFirst = true;
                for (JsonNode k : p.path("aesgcm").path("keys")) {
                    byte[] raw = Base64.getDecoder().decode(k.path("secret").asText());
                    if (raw.length != 16 && raw.length != 24 && raw.length != 32) throw new IOException(file + ": aesgcm key " + k.path("name").asText() + " must be 16, 24 or 32 bytes");
                    keys.add(new Key(k.path("name").asText(), new SecretKeySpec(raw, "AES")));
                }
                i++;
            }
            if (keys.isEmpty()) return Storage.SecretCodec.NONE;
            return new EncryptionConfig(keys, identityFirst);
        }
        return Storage.SecretCodec.NONE;
    }

    @Override
    public byte[] encrypt(byte[] plain) {
        if (identityFirst) return plain;
        Key k = keys.getFirst();
        try {
            byte[] nonce = new byte[12];
            RANDOM.nextBytes(nonce);
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, k.key, new GCMParameterSpec(128, nonce));
            byte[] prefix = ("k8s:enc:aesgcm:v1:" + k.name + ":").getBytes(StandardCharsets.US_ASCII);
            c.updateAAD(new byte[0]);
            byte[] ct = c.doFinal(plain);
            byte[] out = Arrays.copyOf(prefix, prefix.length + nonce.length + ct.length);
            System.arraycopy(nonce, 0, out, prefix.length, nonce.length);
            System.arraycopy(ct, 0, out, prefix.length + nonce.length, ct.length);
            return out;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot encrypt a secret", e);
        }
    }

    @Override
    public byte[] decrypt(byte[] stored) {
        String head = new String(stored, 0, Math.min(stored.length, 64), StandardCharsets.US_ASCII);
        if (!head.startsWith("k8s:enc:aesgcm:v1:")) return stored;
        int nameEnd = head.indexOf(':', "k8s:enc:aesgcm:v1:".length());
        String name = head.substring("k8s:enc:aesgcm:v1:".length(), nameEnd);
        int off = nameEnd + 1;
        for (Key k : keys) {
            if (!k.name.equals(name)) continue;
            try {
                Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
                c.init(Cipher.DECRYPT_MODE, k.key, new GCMParameterSpec(128, stored, off, 12));
                return c.doFinal(stored, off + 12, stored.length - off - 12);
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("cannot decrypt a secret with key " + name, e);
            }
        }
        throw new IllegalStateException("no key named " + name + " in the encryption configuration");
    }
}
