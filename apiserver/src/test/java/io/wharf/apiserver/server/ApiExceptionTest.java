package io.wharf.apiserver.server;

import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.wharf.apiserver.FieldError;
import io.wharf.apiserver.ResourceType;
import io.wharf.common.ErrorKind;
import io.wharf.common.WharfException;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class ApiExceptionTest {
    static final ResourceType CM = ResourceType.of("", "v1", "ConfigMap", "configmaps", true);
    static final ResourceType DEPLOY = ResourceType.of("apps", "v1", "Deployment", "deployments", true);

    @Test
    void optimisticLockConflictHasKubernetesText() {
        ObjectNode s = ApiException.modified(CM, "x").status();
        assertEquals("Operation cannot be fulfilled on configmaps \"x\": the object has been modified; please apply your changes to the latest version and try again", s.path("message").asText());
        assertEquals("Conflict", s.path("reason").asText());
        assertEquals(409, s.path("code").asInt());
        assertEquals("Status", s.path("kind").asText());
        assertEquals("Failure", s.path("status").asText());
    }

    @Test
    void notFoundAndInvalid() {
        ObjectNode nf = ApiException.notFound(DEPLOY, "web").status();
        assertEquals("deployments.apps \"web\" not found", nf.path("message").asText());
        assertEquals("apps", nf.path("details").path("group").asText());
        ObjectNode inv = ApiException.invalid(DEPLOY, "web", List.of(FieldError.invalid("spec.replicas", IntNode.valueOf(-1), "must be greater than or equal to 0"))).status();
        assertEquals("Deployment.apps \"web\" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0", inv.path("message").asText());
        assertEquals(422, inv.path("code").asInt());
        assertEquals("FieldValueInvalid", inv.path("details").path("causes").get(0).path("reason").asText());
        ObjectNode two = ApiException.invalid(CM, "c", List.of(FieldError.required("metadata.name", ""), FieldError.forbidden("data", "nope"))).status();
        assertEquals("ConfigMap \"c\" is invalid: [metadata.name: Required value, data: Forbidden: nope]", two.path("message").asText());
    }

    @Test
    void everyErrorKindMapsToAStatus() {
        for (ErrorKind k : ErrorKind.values()) {
            ApiException a = ApiException.from(new WharfException(k, "m"));
            assertTrue(a.code() >= 400 && a.code() < 600, k + " -> " + a.code());
        }
        assertEquals(404, ApiException.from(new WharfException(ErrorKind.NOT_FOUND, "x")).code());
        assertEquals(410, ApiException.from(new WharfException(ErrorKind.GONE, "x")).code());
        assertEquals(400, ApiException.from(new IllegalArgumentException("bad")).code());
        assertEquals(500, ApiException.from(new NullPointerException()).code());
    }
}
