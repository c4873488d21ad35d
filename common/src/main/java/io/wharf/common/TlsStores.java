package io.wharf.common;

import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.PBEParameterSpec;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;

/**
 * Key and trust managers for a key and certificates already in memory (a server's serving pair, a client's
 * certificate, one CA), for an SSLContext of either side.
 */
public final class TlsStores {
    private TlsStores() {}

    /**
     * Key managers that present {@code key} with {@code chain}. The key store only carries them to the key manager
     * factory and never leaves memory, so its key protection takes one PBKDF2 round: the default runs 10,000 HMAC rounds
     * to encrypt the key and 10,000 more when the factory reads it back (~100 ms of start-up, and C2 compiles that loop
     * with ~30 MB of compiler arenas, which stay in an idle server's RSS for seconds).
     */
    public static KeyManager[] keyManagers(PrivateKey key, X509Certificate... chain) throws GeneralSecurityException {
        KeyStore ks = emptyStore();
        char[] pw = new char[0];
        ks.setEntry("key", new KeyStore.PrivateKeyEntry(key, chain.clone()), new KeyStore.PasswordProtection(pw,
                "PBEWithHmacSHA256AndAES_256", new PBEParameterSpec(new byte[16], 1, new IvParameterSpec(new byte[16]))));
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, pw);
        return kmf.getKeyManagers();
    }

    /** Trust managers that trust {@code ca} and nothing else (not the JDK's public CAs). */
    public static TrustManager[] trustManagers(X509Certificate ca) throws GeneralSecurityException {
        KeyStore ts = emptyStore();
        ts.setCertificateEntry("ca", ca);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ts);
        return tmf.getTrustManagers();
    }

    private static KeyStore emptyStore() throws GeneralSecurityException {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try {
            ks.load(null, null);
        } catch (IOException e) {
            throw new GeneralSecurityException(e);
        }
        return ks;
    }
}
