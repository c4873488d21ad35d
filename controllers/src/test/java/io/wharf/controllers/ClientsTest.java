package io.wharf.controllers;

import io.fabric8.kubernetes.client.Config;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** Kubeconfig files as kubectl reads them: the current context picks cluster and user; file paths are relative to the file. */
class ClientsTest {
    private static final String TWO_CONTEXTS = """
            apiVersion: v1
            kind: Config
            current-context: b
            clusters:
            - name: one
              cluster: {server: "https://10.0.0.1:6443", certificate-authority-data: QUJD}
            - name: two
              cluster: {server: "https://127.0.0.1:7443", certificate-authority: pki/ca.crt, insecure-skip-tls-verify: true}
            users:
            - name: admin
              user: {client-certificate-data: Q0VSVA==, client-key-data: %s}
            - name: bot
              user: {tokenFile: tok}
            contexts:
            - name: a
              context: {cluster: one, user: admin}
            - name: b
              context: {cluster: two, user: bot, namespace: team}
            """;

    @Test
    void currentContextPicksClusterUserAndNamespace(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("kubeconfig");
        Files.writeString(f, TWO_CONTEXTS.formatted("S0VZ"));
        Files.writeString(dir.resolve("tok"), "secret-token\n");
        Config c = Clients.config(f);
        assertEquals("https://127.0.0.1:7443/", c.getMasterUrl());
        assertEquals(dir.resolve("pki/ca.crt").toString(), c.getCaCertFile());
        assertNull(c.getCaCertData());
        assertTrue(c.isTrustCerts());
        assertEquals("team", c.getNamespace());
        assertEquals("secret-token", c.getOauthToken());
        assertNull(c.getClientCertData());
    }

    @Test
    void clientCertificateUser(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("kubeconfig");
        // an EC key: the key algorithm is read from the key itself, as fabric8's own loader does
        String ecKey = java.util.Base64.getEncoder().encodeToString("""
                -----BEGIN EC PRIVATE KEY-----
                MHcCAQEEIBkg4LVWM9nuwNSk3yByxZpYRTBnVJk5oEv7P7RGJT2aoAoGCCqGSM49
                AwEHoUQDQgAEXgRj1Q0JQ1EJp4lF6Js3k7mSX4M3cEJ5JYrK3xS5xm0yPfZ2b2eh
                ISCmZ8iJ3bGtkPJqgIprGVeJ9vB9aN9GkQ==
                -----END EC PRIVATE KEY-----
                """.getBytes());
        Files.writeString(f, TWO_CONTEXTS.formatted(ecKey).replace("current-context: b", "current-context: a"));
        Config c = Clients.config(f);
        assertEquals("https://10.0.0.1:6443/", c.getMasterUrl());
        assertEquals("QUJD", c.getCaCertData());
        assertEquals("Q0VSVA==", c.getClientCertData());
        assertEquals(ecKey, c.getClientKeyData());
        assertEquals("EC", c.getClientKeyAlgo());
        assertNull(c.getOauthToken());
        assertFalse(c.isTrustCerts());
    }

    @Test
    void missingContextIsAClearError(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("kubeconfig");
        Files.writeString(f, TWO_CONTEXTS.formatted("S0VZ").replace("current-context: b", "current-context: nope"));
        IOException e = assertThrows(IOException.class, () -> Clients.config(f));
        assertTrue(e.getMessage().contains("no context \"nope\""), e.getMessage());
        Files.writeString(f, "[1, 2]");
        assertThrows(IOException.class, () -> Clients.config(f));
    }

    /**
     * The in-process client (ControllerManager.client with key objects) trusts the cluster CA and nothing else: the
     * trust-any setting it gives fabric8 must not survive into the SSL context it uses.
     */
    @Test
    void inProcessClientPresentsTheCertificateAndTrustsOnlyTheClusterCa() throws Exception {
        try (TestCluster c = new TestCluster();
             TestCluster other = new TestCluster()) {
            var pki = c.server.pki();
            try (var client = ControllerManager.client(c.server.serverUrl(), pki.adminKey(), pki.adminCert(), pki.caCert())) {
                assertNotNull(client.namespaces().withName("default").get(), "admin sees the default namespace");
            }
            // another cluster's CA: the server's certificate must be rejected
            var otherPki = other.server.pki();
            try (var client = ControllerManager.client(c.server.serverUrl(), pki.adminKey(), pki.adminCert(), otherPki.caCert())) {
                Exception e = assertThrows(Exception.class, () -> client.namespaces().withName("default").get());
                assertTrue(chain(e).contains("SSL") || chain(e).contains("certification path"), chain(e));
            }
        }
    }

    private static String chain(Throwable t) {
        StringBuilder b = new StringBuilder();
        for (; t != null; t = t.getCause()) b.append(t.getClass().getSimpleName()).append(": ").append(t.getMessage()).append(" / ");
        return b.toString();
    }
}
