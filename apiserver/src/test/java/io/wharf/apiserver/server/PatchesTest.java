package io.wharf.apiserver.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.wharf.apiserver.ResourceStrategy;
import io.wharf.common.Json;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class PatchesTest {
    static JsonNode j(String s) {
        try {
            return Json.MAPPER.readTree(s.replace('\'', '"'));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void mergePatchRfc7386() {
        assertEquals(j("{'a':'z','c':{'d':'e'}}"), Patches.mergePatch(j("{'a':'b','c':{'d':'e','f':'g'}}"), j("{'a':'z','c':{'f':null}}")));
        assertEquals(j("{'a':['c']}"), Patches.mergePatch(j("{'a':['b']}"), j("{'a':['c']}")));
        assertEquals(j("{'metadata':{'labels':{'x':'1'}}}"), Patches.mergePatch(j("{'metadata':{'labels':{'x':'1','y':'2'}}}"), j("{'metadata':{'labels':{'y':null}}}")));
    }

    @Test
    void jsonPatchRfc6902() {
        JsonNode doc = j("{'spec':{'containers':[{'name':'a'}]},'metadata':{'annotations':{'k':'v'}}}");
        JsonNode out = Patches.jsonPatch(doc, j("[{'op':'add','path':'/spec/containers/-','value':{'name':'b'}},"
                + "{'op':'replace','path':'/metadata/annotations','value':{'n':'m'}},"
                + "{'op':'copy','from':'/spec/containers/0','path':'/spec/first'},"
                + "{'op':'move','from':'/spec/first','path':'/spec/moved'},"
                + "{'op':'remove','path':'/spec/containers/0'},"
                + "{'op':'test','path':'/spec/moved/name','value':'a'}]"));
        assertEquals(j("{'spec':{'containers':[{'name':'b'}],'moved':{'name':'a'}},'metadata':{'annotations':{'n':'m'}}}"), out);
        assertEquals(j("{'a':1}"), doc.path("x").isMissingNode() ? j("{'a':1}") : null);
        ApiException e = assertThrows(ApiException.class, () -> Patches.jsonPatch(doc, j("[{'op':'test','path':'/metadata/annotations/k','value':'other'}]")));
        assertEquals(422, e.code());
        assertEquals(422, assertThrows(ApiException.class, () -> Patches.jsonPatch(doc, j("[{'op':'remove','path':'/nope'}]"))).code());
        assertEquals(400, assertThrows(ApiException.class, () -> Patches.jsonPatch(doc, j("{'op':'add'}"))).code());
    }

    @Test
    void strategicMergeByKeyWithDirectives() {
        JsonNode live = j("{'spec':{'template':{'spec':{'containers':[{'name':'a','image':'v1','env':[{'name':'X','value':'1'}],"
                + "'ports':[{'containerPort':80},{'containerPort':8002}]},{'name':'b','image':'x'}]}},"
                + "'strategy':{'type':'RollingUpdate','rollingUpdate':{'maxSurge':1}}},'metadata':{'finalizers':['f1','f2']}}");
        JsonNode patch = j("{'spec':{'template':{'spec':{'$setElementOrder/containers':[{'name':'a'},{'name':'b'}],"
                + "'containers':[{'name':'a','image':'v2','env':null,'ports':[{'$patch':'delete','containerPort':8002}]}]}},"
                + "'strategy':{'$retainKeys':['type'],'type':'Recreate'}},"
                + "'metadata':{'$deleteFromPrimitiveList/finalizers':['f1']}}");
        JsonNode out = Patches.strategicMerge(live, patch, ResourceStrategy::commonPatchMergeKey);
        assertEquals(j("{'spec':{'template':{'spec':{'containers':[{'name':'a','image':'v2','ports':[{'containerPort':80}]},{'name':'b','image':'x'}]}},"
                + "'strategy':{'type':'Recreate'}},'metadata':{'finalizers':['f2']}}"), out);
    }

    @Test
    void strategicMergeReplacesAtomicListsAndHonoursReplace() {
        JsonNode live = j("{'spec':{'taints':[{'key':'a','effect':'NoSchedule'}],'x':{'a':1,'b':2}}}");
        assertEquals(j("{'spec':{'taints':[{'key':'b','effect':'NoExecute'}],'x':{'c':3}}}"),
                Patches.strategicMerge(live, j("{'spec':{'taints':[{'key':'b','effect':'NoExecute'}],'x':{'$patch':'replace','c':3}}}"), ResourceStrategy::commonPatchMergeKey));
        assertEquals(j("{'spec':{'x':{'a':1,'b':2}}}"),
                Patches.strategicMerge(live, j("{'spec':{'taints':null}}"), ResourceStrategy::commonPatchMergeKey));
    }
}
