package io.wharf.apiserver.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.wharf.common.Json;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class SelectorsTest {
    @Test
    void equalityAndSetBasedLabelSelectors() {
        Map<String, String> l = Map.of("app", "web", "tier", "front");
        assertTrue(LabelSelector.parse("app=web").matches(l));
        assertTrue(LabelSelector.parse("app==web,tier").matches(l));
        assertFalse(LabelSelector.parse("app!=web").matches(l));
        assertTrue(LabelSelector.parse("app in (web, db)").matches(l));
        assertFalse(LabelSelector.parse("app notin (web,db)").matches(l));
        assertTrue(LabelSelector.parse("!missing,tier in (front)").matches(l));
        assertFalse(LabelSelector.parse("missing").matches(l));
        assertTrue(LabelSelector.parse("missing!=x").matches(l), "!= matches when the label is absent");
        assertTrue(LabelSelector.parse("").isEverything());
    }

    @Test
    void malformedLabelSelectorIsBadRequest() {
        for (String bad : new String[]{"app in web", "app in (web", "a b", "app=in valid!", "=x"}) {
            ApiException e = assertThrows(ApiException.class, () -> LabelSelector.parse(bad), bad);
            assertEquals(400, e.code(), bad);
        }
    }

    @Test
    void formatsLabelSelectorObjects() throws Exception {
        JsonNode sel = Json.MAPPER.readTree("{\"matchLabels\":{\"app\":\"x\"},\"matchExpressions\":[{\"key\":\"t\",\"operator\":\"In\",\"values\":[\"b\",\"a\"]}]}");
        assertEquals("app=x,t in (a,b)", LabelSelector.format(sel));
    }

    @Test
    void fieldSelectors() throws Exception {
        JsonNode pod = Json.MAPPER.readTree("{\"metadata\":{\"name\":\"p\",\"namespace\":\"n\"},\"spec\":{\"nodeName\":\"n1\"},\"status\":{\"phase\":\"Running\"}}");
        assertTrue(FieldSelector.parse("spec.nodeName=n1,status.phase!=Succeeded,status.phase!=Failed").matches(pod));
        assertFalse(FieldSelector.parse("status.phase==Failed").matches(pod));
        assertTrue(FieldSelector.parse("metadata.namespace=").matches(Json.MAPPER.readTree("{\"metadata\":{\"name\":\"x\"}}")));
        assertEquals("a,b", FieldSelector.parse("metadata.name=a\\,b").terms().getFirst().value());
        assertEquals("p", FieldSelector.parse("status.phase=Running,metadata.name=p").pinnedName());
        assertEquals(400, assertThrows(ApiException.class, () -> FieldSelector.parse("novalue")).code());
        ApiException e = assertThrows(ApiException.class,
                () -> FieldSelector.parse("spec.bogus=1").check(java.util.Set.of("metadata.name"), "Pod"));
        assertTrue(e.getMessage().contains("field label not supported: spec.bogus"));
    }
}
