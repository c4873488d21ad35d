package io.wharf.apiserver.kinds;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.util.Iterator;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** The schemas the request path reads are the full ones with only the keywords the checks and patch metadata read. */
class OpenApiStructureTest {

    @Test
    void checkSchemasAreTheFullOnesWithOnlyTheStructure() {
        for (String gv : OpenApi.groupVersions()) {
            Map<String, ObjectNode> full = OpenApi.schemas(gv);
            Map<String, ObjectNode> check = OpenApi.checkSchemas(gv);
            assertEquals(full.keySet(), check.keySet(), gv);
            for (var e : full.entrySet()) {
                assertEquals(structure(e.getValue()), check.get(e.getKey()), e.getKey());
                assertFalse(check.get(e.getKey()).toString().contains("\"description\":\""), e.getKey());
            }
        }
        assertTrue(OpenApi.checkSchemas("nope/v1").isEmpty());
    }

    @Test
    void aPropertyNamedDescriptionStays() {
        ObjectNode pc = OpenApi.checkSchemas("scheduling.k8s.io/v1").get("io.k8s.api.scheduling.v1.PriorityClass");
        assertTrue(pc.path("properties").has("description"), pc.toString());
        assertFalse(pc.has("description"));
        assertThrows(UnsupportedOperationException.class, () -> OpenApi.checkSchemas("v1").put("x", pc));
    }

    /** A schema with only the structure keywords, written apart from the reader in OpenApi. */
    private static JsonNode structure(JsonNode schema) {
        if (schema.isArray()) {
            ArrayNode a = JsonNodeFactory.instance.arrayNode();
            schema.forEach(x -> a.add(structure(x)));
            return a;
        }
        if (!schema.isObject()) return schema;
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        for (Iterator<Map.Entry<String, JsonNode>> it = schema.fields(); it.hasNext(); ) {
            var e = it.next();
            switch (e.getKey()) {
                case "properties" -> {
                    ObjectNode props = out.putObject("properties");
                    e.getValue().fields().forEachRemaining(p -> props.set(p.getKey(), structure(p.getValue())));
                }
                case "additionalProperties", "items", "allOf" -> out.set(e.getKey(), structure(e.getValue()));
                case "$ref", "type", "x-kubernetes-preserve-unknown-fields", "x-kubernetes-patch-merge-key", "x-kubernetes-patch-strategy",
                     "x-kubernetes-list-type", "x-kubernetes-list-map-keys", "x-kubernetes-group-version-kind" -> out.set(e.getKey(), e.getValue());
                default -> { }
            }
        }
        return out;
    }
}
