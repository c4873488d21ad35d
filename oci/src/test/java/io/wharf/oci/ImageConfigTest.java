package io.wharf.oci;

import com.fasterxml.jackson.databind.JsonNode;
import io.wharf.common.Json;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class ImageConfigTest {
    static final String DOCKER_CONFIG = """
            {"architecture":"amd64","config":{"Hostname":"","Env":["PATH=/usr/bin"],"Cmd":["sh"],"Image":"sha256:00",
            "ExposedPorts":{"80/tcp":{}},"Labels":{"a":"b"},"OnBuild":null,"Healthcheck":{"Test":["CMD-SHELL","true"],"Interval":30000000000,"Retries":3}},
            "container":"abc","container_config":{"Cmd":["/bin/sh"]},"created":"2024-01-02T03:04:05.123456789Z",
            "docker_version":"24.0.7","history":[{"created":"2024-01-02T03:04:05Z","created_by":"ADD x /"},{"created_by":"CMD [\\"sh\\"]","empty_layer":true}],
            "os":"linux","rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}
            """.formatted("b".repeat(64));

    @Test
    void unknownFieldsRoundTrip() throws Exception {
        byte[] bytes = DOCKER_CONFIG.getBytes(StandardCharsets.UTF_8);
        ImageConfig c = ImageConfig.parse(bytes);
        assertEquals("amd64", c.architecture());
        assertEquals(List.of("sh"), c.config().cmd());
        assertEquals("abc", c.extra().get("container"));
        assertEquals("", c.config().extra().get("Hostname"));
        assertEquals(3, c.config().healthcheck().retries());
        assertEquals(1, c.diffIds().size());
        assertTrue(c.history().get(1).isEmptyLayer());
        assertEquals(123456789, c.createdAt().getNano());
        JsonNode a = Json.MAPPER.readTree(bytes);
        JsonNode b = Json.MAPPER.readTree(c.toBytes());
        // everything but explicit nulls survives
        ((com.fasterxml.jackson.databind.node.ObjectNode) a.get("config")).remove("OnBuild");
        assertEquals(a, b);
        assertEquals(Digest.sha256(bytes), ImageConfig.Raw.parse(bytes).id());
    }

    @Test
    void manifestAndIndex() {
        Descriptor cfg = Descriptor.of(MediaTypes.OCI_CONFIG, "{}".getBytes());
        Manifest m = Manifest.oci(cfg, List.of(Descriptor.of(MediaTypes.OCI_LAYER_GZIP, new byte[] {1})));
        Manifest back = Manifest.parse(m.toBytes());
        assertEquals(m, back);
        Index i = Index.oci(List.of(Descriptor.of(MediaTypes.OCI_MANIFEST, m.toBytes()).withPlatform(Platform.of("linux", "amd64", null))));
        assertEquals(i, Index.parse(i.toBytes()));
        assertTrue(i.select(Platform.parse("linux/amd64")).isPresent());
        assertTrue(i.select(Platform.parse("linux/arm64")).isEmpty());
        assertEquals(MediaTypes.Compression.GZIP, MediaTypes.layerCompression(MediaTypes.DOCKER_LAYER_GZIP));
        // a zero size is still written (NON_EMPTY must not drop it)
        String empty = new String(io.wharf.common.Json.bytes(Descriptor.of(MediaTypes.OCI_EMPTY, new byte[0])));
        assertTrue(empty.contains("\"size\":0"), empty);
        assertFalse(empty.contains("urls"), empty);
        assertEquals(MediaTypes.Compression.ZSTD, MediaTypes.layerCompression(MediaTypes.OCI_LAYER_ZSTD));
    }
}
