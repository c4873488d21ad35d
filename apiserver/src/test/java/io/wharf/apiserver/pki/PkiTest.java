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
}
