package io.wharf.apiserver.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.wharf.apiserver.ResourceStrategy;
import org.junit.jupiter.api.Test;

import static io.wharf.apiserver.server.PatchesTest.j;
import static org.junit.jupiter.api.Assertions.*;

class ManagedFieldsTest {
    @Test
    void applyCreatesThenConflictsWithAnotherManagerUnlessForced() {
        ObjectNode cfg = (ObjectNode) j("{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'d'},'spec':{'replicas':1,'template':{'spec':{'containers':[{'name':'a','image':'v1'}]}}}}");
        ObjectNode live = ManagedFields.apply(null, cfg, "kubectl", false, "apps/v1", ResourceStrategy::commonPatchMergeKey);
        assertEquals("kubectl", live.path("metadata").path("managedFields").get(0).path("manager").asText());
        assertEquals("Apply", live.path("metadata").path("managedFields").get(0).path("operation").asText());
        assertTrue(live.path("metadata").path("managedFields").get(0).path("fieldsV1").path("f:spec").has("f:replicas"));

        // another manager changes replicas with an update
        ObjectNode scaled = live.deepCopy();
        scaled.with("spec").put("replicas", 3);
        ManagedFields.recordUpdate(live, scaled, "hpa", "apps/v1", "", ResourceStrategy::commonPatchMergeKey);

        ApiException e = assertThrows(ApiException.class, () -> ManagedFields.apply(scaled, cfg, "kubectl", false, "apps/v1", ResourceStrategy::commonPatchMergeKey));
        assertEquals(409, e.code());
        assertTrue(e.getMessage().contains("conflict with \"hpa\""), e.getMessage());
        assertTrue(e.getMessage().contains(".spec.replicas"), e.getMessage());

        ObjectNode forced = ManagedFields.apply(scaled, cfg, "kubectl", true, "apps/v1", ResourceStrategy::commonPatchMergeKey);
        assertEquals(1, forced.path("spec").path("replicas").asInt());
    }

    @Test
    void applyRemovesFieldsNoLongerApplied() {
        ObjectNode v1 = (ObjectNode) j("{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'c','labels':{'a':'1','b':'2'}},'data':{'x':'1','y':'2'}}");
        ObjectNode live = ManagedFields.apply(null, v1, "m", false, "v1", ResourceStrategy::commonPatchMergeKey);
        ObjectNode v2 = (ObjectNode) j("{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'c','labels':{'a':'1'}},'data':{'x':'1'}}");
        ObjectNode out = ManagedFields.apply(live, v2, "m", false, "v1", ResourceStrategy::commonPatchMergeKey);
        assertFalse(out.path("data").has("y"));
        assertFalse(out.path("metadata").path("labels").has("b"));
        assertEquals("1", out.path("data").path("x").asText());
    }

    @Test
    void fieldsV1RoundTrips() {
        var leaves = ManagedFields.leaves(j("{'spec':{'containers':[{'name':'a','image':'i'}],'replicas':2}}"), ResourceStrategy::commonPatchMergeKey);
        var tree = ManagedFields.toFieldsV1(leaves.keySet());
        assertTrue(tree.path("f:spec").path("f:containers").has("k:{\"name\":\"a\"}"));
        assertEquals(leaves.keySet(), ManagedFields.fromFieldsV1(tree));
    }
}
