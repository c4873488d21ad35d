package io.wharf.controllers;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodList;
import io.fabric8.kubernetes.api.model.WatchEvent;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** Lazily built property deserializers decode exactly what fabric8's eager ones decode. */
class LazyModelDeserializersTest {
    /** fabric8's own serialization, eager, as the reference. */
    private static final KubernetesSerialization EAGER = new KubernetesSerialization();

    static final String POD = """
            {"apiVersion":"v1","kind":"Pod","metadata":{"name":"web-1","namespace":"default","labels":{"app":"web"},
             "ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"web","uid":"u1","controller":true}],
             "annotations":{"a":"b"},"finalizers":["x"]},
             "spec":{"nodeName":"n1","containers":[{"name":"c","image":"nginx","ports":[{"containerPort":80,"protocol":"TCP"}],
               "resources":{"limits":{"cpu":"500m","memory":"128Mi"},"requests":{"cpu":"0.1"}},
               "env":[{"name":"A","value":"1"},{"name":"B","valueFrom":{"configMapKeyRef":{"name":"cm","key":"k"}}}],
               "readinessProbe":{"httpGet":{"path":"/","port":"http"},"periodSeconds":5},
               "livenessProbe":{"tcpSocket":{"port":80}},
               "volumeMounts":[{"name":"v","mountPath":"/data"}], "unknownField":{"nested":[1,2]}}],
              "volumes":[{"name":"v","configMap":{"name":"cm","items":[{"key":"k","path":"p"}]}},{"name":"e","emptyDir":{}},
                         {"name":"s","secret":{"secretName":"s","defaultMode":420}}],
              "affinity":{"podAntiAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":[{"labelSelector":
                {"matchExpressions":[{"key":"app","operator":"In","values":["web"]}]},"topologyKey":"kubernetes.io/hostname"}]}},
              "tolerations":[{"key":"k","operator":"Exists","effect":"NoSchedule"}],"securityContext":null,"initContainers":[]},
             "status":{"phase":"Running","podIP":"10.0.0.5","conditions":[{"type":"Ready","status":"True"}],
               "containerStatuses":[{"name":"c","ready":true,"restartCount":0,"state":{"running":{"startedAt":"2026-01-01T00:00:00Z"}}}]}}
            """;

    @Test
    void podDecodesAsFabric8DecodesIt() {
        Pod lazy = Clients.SERIALIZATION.unmarshal(POD, Pod.class);
        Pod eager = EAGER.unmarshal(POD, Pod.class);
        assertEquals(eager, lazy);
        assertEquals("500m", lazy.getSpec().getContainers().getFirst().getResources().getLimits().get("cpu").toString());
        assertEquals("http", lazy.getSpec().getContainers().getFirst().getReadinessProbe().getHttpGet().getPort().getStrVal());
        assertEquals(80, lazy.getSpec().getContainers().getFirst().getLivenessProbe().getTcpSocket().getPort().getIntVal());
        assertEquals(java.util.Map.of("nested", java.util.List.of(1, 2)),
                lazy.getSpec().getContainers().getFirst().getAdditionalProperties().get("unknownField"), "unknown fields kept");
        assertNull(lazy.getSpec().getSecurityContext());
        // and back: the same JSON as fabric8 writes
        assertEquals(EAGER.asJson(eager), Clients.SERIALIZATION.asJson(lazy));
    }

    @Test
    void listsAndWatchEventsDecode() {
        PodList empty = Clients.SERIALIZATION.unmarshal("{\"apiVersion\":\"v1\",\"kind\":\"PodList\",\"metadata\":{\"resourceVersion\":\"7\"},\"items\":[]}", PodList.class);
        assertEquals("7", empty.getMetadata().getResourceVersion());
        assertTrue(empty.getItems().isEmpty());
        PodList one = Clients.SERIALIZATION.unmarshal("{\"apiVersion\":\"v1\",\"kind\":\"PodList\",\"items\":[" + POD + "]}", PodList.class);
        assertEquals(EAGER.unmarshal(POD, Pod.class), one.getItems().getFirst());
        Clients.SERIALIZATION.registerKubernetesResource(Pod.class);
        WatchEvent ev = Clients.SERIALIZATION.unmarshal("{\"type\":\"ADDED\",\"object\":" + POD + "}", WatchEvent.class);
        assertInstanceOf(Pod.class, ev.getObject());
        assertEquals("n1", ((Pod) ev.getObject()).getSpec().getNodeName());
        Deployment d = Clients.SERIALIZATION.unmarshal("""
                {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},"spec":{"replicas":2,
                 "selector":{"matchLabels":{"app":"web"}},"strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":"25%","maxUnavailable":0}},
                 "template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"c","image":"nginx"}]}}}}""", Deployment.class);
        assertEquals("25%", d.getSpec().getStrategy().getRollingUpdate().getMaxSurge().getStrVal());
        assertEquals(0, d.getSpec().getStrategy().getRollingUpdate().getMaxUnavailable().getIntVal());
    }

    @Test
    void wrongShapesStillFailClearly() {
        Exception e = assertThrows(Exception.class, () -> Clients.SERIALIZATION.unmarshal(
                "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"spec\":{\"containers\":\"not-a-list\"}}", Pod.class));
        assertTrue(String.valueOf(e.getMessage()).contains("containers") || String.valueOf(e.getCause()).contains("containers"), String.valueOf(e));
    }
}
