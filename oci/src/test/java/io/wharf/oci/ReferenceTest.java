package io.wharf.oci;

import io.wharf.common.WharfException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class ReferenceTest {
    @ParameterizedTest
    @CsvSource(delimiter = '|', nullValues = "-", value = {
            // input | full name | tag | familiar string
            "nginx | docker.io/library/nginx | - | nginx",
            "nginx:alpine | docker.io/library/nginx | alpine | nginx:alpine",
            "library/nginx:1.25 | docker.io/library/nginx | 1.25 | nginx:1.25",
            "docker.io/nginx | docker.io/library/nginx | - | nginx",
            "index.docker.io/library/nginx:latest | docker.io/library/nginx | latest | nginx:latest",
            "user/app:v1 | docker.io/user/app | v1 | user/app:v1",
            "127.0.0.1:5000/nginx:alpine | 127.0.0.1:5000/nginx | alpine | 127.0.0.1:5000/nginx:alpine",
            "localhost/foo | localhost/foo | - | localhost/foo",
            "localhost:5000/a/b/c:t | localhost:5000/a/b/c | t | localhost:5000/a/b/c:t",
            "quay.io/coreos/etcd:v3.5 | quay.io/coreos/etcd | v3.5 | quay.io/coreos/etcd:v3.5",
            "my-registry.example.com/a__b/c-d:X_1 | my-registry.example.com/a__b/c-d | X_1 | my-registry.example.com/a__b/c-d:X_1",
            "[::1]:5000/img:1 | [::1]:5000/img | 1 | [::1]:5000/img:1",
    })
    void parses(String in, String name, String tag, String familiar) {
        Reference r = Reference.parse(in);
        assertEquals(name, r.name());
        assertEquals(tag, r.tag());
        assertEquals(familiar, r.familiarString());
    }

    @Test
    void digests() {
        String hex = "a".repeat(64);
        Reference r = Reference.parse("nginx:1@sha256:" + hex);
        assertEquals("1", r.tag());
        assertEquals(Digest.parse("sha256:" + hex), r.digest());
        assertEquals("docker.io/library/nginx:1@sha256:" + hex, r.toString());
        Reference d = Reference.parse("127.0.0.1:5000/x@sha256:" + hex);
        assertEquals("127.0.0.1:5000/x@sha256:" + hex, d.familiarString());
        assertSame(d, d.withDefaultTag());
        assertEquals("docker.io/library/nginx:latest", Reference.parse("nginx").withDefaultTag().toString());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "Nginx | invalid reference format: repository name (library/Nginx) must be lowercase",
            "user/App:1 | invalid reference format: repository name (user/App) must be lowercase",
            "nginx: | invalid reference format",
            ":tag | invalid reference format",
            "a//b | invalid reference format",
            "-abc | invalid reference format",
            "nginx:-bad | invalid reference format",
            "nginx@sha256:abc | invalid reference format",
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa | invalid repository name (aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa), cannot specify 64-byte hexadecimal strings",
    })
    void rejects(String in, String message) {
        WharfException e = assertThrows(WharfException.class, () -> Reference.parse(in));
        assertEquals(message, e.getMessage());
    }

    @Test
    void tooLong() {
        WharfException e = assertThrows(WharfException.class, () -> Reference.parse("a/" + "b".repeat(260)));
        assertTrue(e.getMessage().contains("must not be more than 255"), e.getMessage());
    }

    @Test
    void looksLikeId() {
        assertTrue(Reference.looksLikeId("abc123"));
        assertTrue(Reference.looksLikeId("sha256:" + "f".repeat(64)));
        assertFalse(Reference.looksLikeId("nginx"));
    }
}
