package io.wharf.apiserver.pki;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class PkiTest {

    /** Keys and certificates are made on the first start only; a restart reads them (it used to re-sign the serving cert). */
    @Test
    void secondStartReusesEveryCertificate(@TempDir Path dir) throws Exception {
        Pki first = Pki.loadOrCreate(dir, List.of());
        byte[] serving = Files.readAllBytes(dir.resolve("apiserver.crt"));
        Pki second = Pki.loadOrCreate(dir, List.of());
        assertArrayEquals(serving, Files.readAllBytes(dir.resolve("apiserver.crt")));
        assertEquals(first.servingCert(), second.servingCert());
        assertEquals(first.caCert(), second.caCert());
        assertEquals(first.adminCert(), second.adminCert());
        // A SAN the certificate lacks (here an extra one asked for) still gets a new serving certificate from the same CA.
        Pki third = Pki.loadOrCreate(dir, List.of("wharf.example"));
        assertNotEquals(first.servingCert(), third.servingCert());
        assertEquals(first.caCert(), third.caCert());
        third.servingCert().verify(first.caCert().getPublicKey());
    }

    /**
     * EC keys are stored as SEC1 (what fabric8, kubectl and openssl read) and read back with the JDK alone; the
     * service-account key pair matches across a restart.
     */
    @Test
    void keysAreSec1AndReadBackEqual(@TempDir Path dir) throws Exception {
        Pki first = Pki.loadOrCreate(dir, List.of());
        for (String f : List.of("ca.key", "apiserver.key", "admin.key", "sa.key")) {
            String pem = Files.readString(dir.resolve(f));
            assertTrue(pem.startsWith("-----BEGIN EC PRIVATE KEY-----\n"), f + ": " + pem.lines().findFirst().orElse(""));
        }
        assertEquals(Files.readString(dir.resolve("admin.key")), first.adminKeyPem());
        assertTrue(Files.readString(dir.resolve("sa.pub")).startsWith("-----BEGIN PUBLIC KEY-----\n"));
        assertTrue(Files.readString(dir.resolve("ca.crt")).startsWith("-----BEGIN CERTIFICATE-----\n"));
        Pki second = Pki.loadOrCreate(dir, List.of());
        // the same secrets (a key read back from SEC1 is encoded with its public point, so compare the scalars)
        assertEquals(s(first.adminKey()), s(second.adminKey()));
        assertEquals(s(first.caKey()), s(second.caKey()));
        assertEquals(s(first.serviceAccountKey().getPrivate()), s(second.serviceAccountKey().getPrivate()));
        assertEquals(first.serviceAccountKey().getPublic(), second.serviceAccountKey().getPublic());
        // the admin certificate is issued by the CA, for CN=admin in O=system:masters
        second.adminCert().verify(second.caCert().getPublicKey());
        assertEquals("CN=admin,O=system:masters", second.adminCert().getSubjectX500Principal().getName());
        // the key and the certificate belong together: sign with one, verify with the other
        var sig = java.security.Signature.getInstance("SHA256withECDSA");
        sig.initSign(second.adminKey());
        sig.update(new byte[]{1, 2, 3});
        byte[] signature = sig.sign();
        sig.initVerify(second.adminCert());
        sig.update(new byte[]{1, 2, 3});
        assertTrue(sig.verify(signature));
    }

    /** Other key files a root may hold: PKCS#8 EC keys, and an RSA service-account key as PKCS#1 (roots made before EC). */
    @Test
    void olderKeyFormatsStillLoad(@TempDir Path dir) throws Exception {
        Pki first = Pki.loadOrCreate(dir, List.of());
        // rewrite the admin key as SEC1 "EC PRIVATE KEY" and the service-account pair as RSA PKCS#1, as older roots have
        Files.writeString(dir.resolve("admin.key"), "-----BEGIN PRIVATE KEY-----\n"
                + java.util.Base64.getMimeEncoder().encodeToString(first.adminKey().getEncoded()) + "\n-----END PRIVATE KEY-----\n");
        var g = java.security.KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        var rsa = g.generateKeyPair();
        var rw = new java.io.StringWriter();
        try (var pw = new org.bouncycastle.openssl.jcajce.JcaPEMWriter(rw)) {
            pw.writeObject(rsa);
        }
        assertTrue(rw.toString().startsWith("-----BEGIN RSA PRIVATE KEY-----"), rw.toString());
        Files.writeString(dir.resolve("sa.key"), rw.toString());
        var pubw = new java.io.StringWriter();
        try (var pw = new org.bouncycastle.openssl.jcajce.JcaPEMWriter(pubw)) {
            pw.writeObject(rsa.getPublic());
        }
        Files.writeString(dir.resolve("sa.pub"), pubw.toString());
        Pki again = Pki.loadOrCreate(dir, List.of());
        // the same secrets (the encodings may differ: SEC1 carries the public point, PKCS#1 the CRT values)
        assertEquals(((java.security.interfaces.ECPrivateKey) first.adminKey()).getS(), ((java.security.interfaces.ECPrivateKey) again.adminKey()).getS());
        assertEquals(((java.security.interfaces.RSAPrivateKey) rsa.getPrivate()).getPrivateExponent(),
                ((java.security.interfaces.RSAPrivateKey) again.serviceAccountKey().getPrivate()).getPrivateExponent());
        assertEquals(rsa.getPublic(), again.serviceAccountKey().getPublic());
    }

    @Test
    void brokenPemIsAClearError(@TempDir Path dir) throws Exception {
        Pki.loadOrCreate(dir, List.of());
        Files.writeString(dir.resolve("admin.key"), "-----BEGIN PRIVATE KEY-----\nnot base64!!\n-----END PRIVATE KEY-----\n");
        var e = assertThrows(java.io.IOException.class, () -> Pki.loadOrCreate(dir, List.of()));
        assertTrue(e.getMessage().contains("PRIVATE KEY"), e.getMessage());
    }

    /** The SEC1 -> PKCS#8 wrapping against Bouncy Castle's SEC1 encoder, for each NIST curve. */
    @Test
    void sec1KeysOfEveryNistCurveRead(@TempDir Path dir) throws Exception {
        for (String curve : List.of("secp256r1", "secp384r1", "secp521r1")) {
            var g = java.security.KeyPairGenerator.getInstance("EC");
            g.initialize(new java.security.spec.ECGenParameterSpec(curve));
            var kp = g.generateKeyPair();
            Path f = dir.resolve(curve + ".key");
            Files.writeString(f, Pki.pemKey(kp.getPrivate()));
            var read = (java.security.interfaces.ECPrivateKey) Pki.readKey(f);
            assertEquals(((java.security.interfaces.ECPrivateKey) kp.getPrivate()).getS(), read.getS(), curve);
            assertEquals(((java.security.interfaces.ECPrivateKey) kp.getPrivate()).getParams().getCurve(), read.getParams().getCurve(), curve);
        }
        // not SEC1: clear errors, no exception of another kind
        assertThrows(java.io.IOException.class, () -> Pki.sec1ToPkcs8(new byte[]{0x30, 0x05, 0x02, 0x01, 0x01}));
        assertThrows(java.io.IOException.class, () -> Pki.sec1ToPkcs8(new byte[]{0x30, (byte) 0x84, 0, 0, 0, 1}));
        assertThrows(java.io.IOException.class, () -> Pki.sec1ToPkcs8(new byte[]{0x02}));
    }

    private static java.math.BigInteger s(java.security.PrivateKey k) {
        return ((java.security.interfaces.ECPrivateKey) k).getS();
    }
}
