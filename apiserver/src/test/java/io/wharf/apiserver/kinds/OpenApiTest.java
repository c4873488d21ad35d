package io.wharf.apiserver.kinds;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.wharf.apiserver.ResourceStrategy;
import io.wharf.apiserver.ResourceType;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class OpenApiTest {

    @Test
    void everyServedKindHasASchemaWithItsGvk() {
        for (ResourceType t : BuiltinTypes.all()) {
            String def = OpenApi.definitionOf(t.apiVersion(), t.kind());
            assertNotNull(def, t.apiVersion() + " " + t.kind());
            Map<String, ObjectNode> schemas = OpenApi.schemas(t.apiVersion());
            JsonNode gvk = schemas.get(def).get("x-kubernetes-group-version-kind").get(0);
            assertEquals(t.group(), gvk.path("group").asText());
            assertEquals(t.kind(), gvk.path("kind").asText());
            assertTrue(schemas.containsKey("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"), "documents are self-contained");
        }
        assertEquals("io.k8s.api.core.v1.Event", OpenApi.definitionOf("v1", "Event"));
        assertEquals("io.k8s.api.events.v1.Event", OpenApi.definitionOf("events.k8s.io/v1", "Event"));
        assertTrue(OpenApi.schemas("nope/v1").isEmpty());
    }

    @Test
    void schemasCarryUpstreamDescriptionsRefsAndRequired() {
        Map<String, ObjectNode> v1 = OpenApi.schemas("v1");
        ObjectNode pod = v1.get("io.k8s.api.core.v1.Pod");
        assertTrue(pod.path("description").asText().startsWith("Pod is a collection of containers"));
        assertEquals("#/components/schemas/io.k8s.api.core.v1.PodSpec", pod.at("/properties/spec/allOf/0/$ref").asText());
        ObjectNode podSpec = v1.get("io.k8s.api.core.v1.PodSpec");
        assertEquals("containers", podSpec.at("/required/0").asText());
        assertTrue(pod.at("/properties/spec/description").asText().startsWith("Specification of the desired behavior of the pod."));
        assertEquals("The deployment strategy to use to replace existing pods with new ones.",
                OpenApi.schemas("apps/v1").get("io.k8s.api.apps.v1.DeploymentSpec").at("/properties/strategy/description").asText());
        assertTrue(podSpec.at("/properties/terminationGracePeriodSeconds/description").asText().contains("Defaults to 30 seconds"));
        assertEquals("int64", podSpec.at("/properties/terminationGracePeriodSeconds/format").asText());
        assertEquals("object", v1.get("io.k8s.api.core.v1.Container").at("/properties/resources/allOf/0/$ref").isMissingNode() ? "x" : "object");
        assertEquals("string", v1.get("io.k8s.apimachinery.pkg.api.resource.Quantity").path("type").asText());
        assertEquals("int-or-string", v1.get("io.k8s.apimachinery.pkg.util.intstr.IntOrString").path("format").asText());
        assertEquals("byte", v1.get("io.k8s.api.core.v1.Secret").at("/properties/data/additionalProperties/format").asText());
        assertFalse(v1.containsKey("io.k8s.api.apps.v1.Deployment"), "apps types are not in the core document");
        // copies: changing one does not change the next answer
        pod.put("description", "changed");
        assertNotEquals("changed", OpenApi.schemas("v1").get("io.k8s.api.core.v1.Pod").path("description").asText());
    }

    @Test
    void patchMetadataForStrategicMergePatch() {
        OpenApi.PatchMeta containers = OpenApi.patchMeta("apps/v1", "Deployment", List.of("spec", "template", "spec", "containers"));
        assertEquals(new OpenApi.PatchMeta("name", "merge", "map", List.of("name")), containers);
        assertEquals("containerPort", OpenApi.patchMeta("v1", "Pod", List.of("spec", "containers", "ports")).mergeKey());
        assertEquals(List.of("containerPort", "protocol"), OpenApi.patchMeta("v1", "Pod", List.of("spec", "containers", "ports")).mapKeys());
        assertEquals("port", OpenApi.patchMeta("v1", "Service", List.of("spec", "ports")).mergeKey());
        assertEquals("merge,retainKeys", OpenApi.patchMeta("v1", "Pod", List.of("spec", "volumes")).strategy());
        assertEquals("retainKeys", OpenApi.patchMeta("apps/v1", "Deployment", List.of("spec", "strategy")).strategy());
        assertNull(OpenApi.patchMeta("v1", "Node", List.of("spec", "taints")).mergeKey(), "taints are replaced whole");
        assertEquals("atomic", OpenApi.patchMeta("v1", "Node", List.of("spec", "taints")).listType());
        assertEquals("uid", OpenApi.patchMeta("v1", "ConfigMap", List.of("metadata", "ownerReferences")).mergeKey());
        assertEquals("type", OpenApi.patchMeta("v1", "Node", List.of("status", "conditions")).mergeKey());
        assertEquals("mountPath", OpenApi.patchMeta("batch/v1", "CronJob",
                List.of("spec", "jobTemplate", "spec", "template", "spec", "containers", "volumeMounts")).mergeKey());
        assertNull(OpenApi.patchMeta("v1", "Pod", List.of("spec", "nope")));

        ResourceStrategy deploy = new Kinds().strategyFor(BuiltinTypes.DEPLOYMENTS);
        assertEquals("name", deploy.patchMergeKey(List.of("spec", "template", "spec", "containers", "env")));
        assertNull(deploy.patchMergeKey(List.of("spec", "template", "spec", "containers", "args")));
        assertEquals("name", deploy.patchMergeKey(List.of("spec", "template", "spec", "initContainers")));
    }
}
