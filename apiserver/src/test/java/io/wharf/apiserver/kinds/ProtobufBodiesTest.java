package io.wharf.apiserver.kinds;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import io.kubernetes.client.proto.Meta;
import io.kubernetes.client.proto.Runtime;
import io.kubernetes.client.proto.V1;
import io.kubernetes.client.proto.V1Apps;
import io.wharf.common.ErrorKind;
import io.wharf.common.WharfException;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.*;

class ProtobufBodiesTest {

    /** Bytes captured from real kubectl 1.32 `create namespace nohi` (kubectl-wire-transcripts.txt). */
    static final String NAMESPACE_NOHI = "6b3873000a0f0a02763112094e616d657370616365121c0a140a046e6f686912001a0022002a0032003800420012001a020a001a002200";

    static byte[] envelope(String apiVersion, String kind, com.google.protobuf.Message m) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(ProtobufBodies.MAGIC);
        Runtime.Unknown.newBuilder()
                .setTypeMeta(Runtime.TypeMeta.newBuilder().setApiVersion(apiVersion).setKind(kind))
                .setRaw(m.toByteString()).setContentEncoding("").setContentType("")
                .build().writeTo(out);
        return out.toByteArray();
    }

    /** gogo-protobuf writes empty non-pointer strings; mimic that for the metadata kubectl sends. */
    static Meta.ObjectMeta.Builder meta(String name) {
        return Meta.ObjectMeta.newBuilder().setName(name).setGenerateName("").setNamespace("").setSelfLink("").setUid("")
                .setResourceVersion("").setGeneration(0).setCreationTimestamp(Meta.Time.newBuilder());
    }

    @Test
    void decodesRealKubectlNamespace() {
        ObjectNode o = ProtobufBodies.decode(HexFormat.of().parseHex(NAMESPACE_NOHI));
        assertEquals("{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"nohi\"},\"spec\":{}}", o.toString());
    }

    @Test
    void decodesConfigMapWithData() throws Exception {
        V1.ConfigMap cm = V1.ConfigMap.newBuilder().setMetadata(meta("myblog").setNamespace("nohi"))
                .putData("MYSQL_HOST", "mysql").putData("MYSQL_PORT", "3306").build();
        ObjectNode o = ProtobufBodies.decode(envelope("v1", "ConfigMap", cm));
        assertEquals("ConfigMap", o.path("kind").asText());
        assertEquals("nohi", o.path("metadata").path("namespace").asText());
        assertEquals("3306", o.path("data").path("MYSQL_PORT").asText());
        assertFalse(o.path("metadata").has("generation"), "zero non-pointer ints are dropped like Go's omitempty");
        assertFalse(o.path("metadata").has("creationTimestamp"));
    }

    @Test
    void decodesSecretBytesAsBase64AndEmptyType() throws Exception {
        V1.Secret s = V1.Secret.newBuilder().setMetadata(meta("https-secret")).setType("kubernetes.io/tls")
                .putData("tls.crt", ByteString.copyFromUtf8("CERT")).putData("tls.key", ByteString.copyFromUtf8("KEY")).build();
        ObjectNode o = ProtobufBodies.decode(envelope("v1", "Secret", s));
        assertEquals("Q0VSVA==", o.path("data").path("tls.crt").asText());
        assertEquals("kubernetes.io/tls", o.path("type").asText());
        V1.Secret generic = V1.Secret.newBuilder().setMetadata(meta("myblog")).setType("").putData("A", ByteString.copyFromUtf8("b")).build();
        ObjectNode g = ProtobufBodies.decode(envelope("v1", "Secret", generic));
        assertFalse(g.has("type"), "kubectl sends an empty type; the server defaults it to Opaque");
    }

    @Test
    void decodesDeploymentWithPointerZeroAndIntOrString() throws Exception {
        V1Apps.Deployment d = V1Apps.Deployment.newBuilder().setMetadata(meta("web"))
                .setSpec(V1Apps.DeploymentSpec.newBuilder().setReplicas(0).setMinReadySeconds(0)
                        .setSelector(Meta.LabelSelector.newBuilder().putMatchLabels("app", "web"))
                        .setTemplate(V1.PodTemplateSpec.newBuilder()
                                .setMetadata(meta("").putLabels("app", "web"))
                                .setSpec(V1.PodSpec.newBuilder().addContainers(V1.Container.newBuilder().setName("nginx").setImage("nginx")
                                        .addPorts(V1.ContainerPort.newBuilder().setContainerPort(80).setHostPort(0).setProtocol(""))
                                        .setResources(V1.ResourceRequirements.newBuilder().putLimits("cpu",
                                                io.kubernetes.client.proto.Resource.Quantity.newBuilder().setString("500m").build())))))
                        .setStrategy(V1Apps.DeploymentStrategy.newBuilder().setType("RollingUpdate").setRollingUpdate(
                                V1Apps.RollingUpdateDeployment.newBuilder().setMaxSurge(io.kubernetes.client.proto.IntStr.IntOrString.newBuilder()
                                        .setType(1).setStrVal("25%")).setMaxUnavailable(io.kubernetes.client.proto.IntStr.IntOrString.newBuilder().setType(0).setIntVal(1)))))
                .build();
        ObjectNode o = ProtobufBodies.decode(envelope("apps/v1", "Deployment", d));
        assertEquals(0, o.path("spec").path("replicas").asInt(-1), "replicas is a pointer: an explicit 0 stays");
        assertFalse(o.path("spec").has("minReadySeconds"), "minReadySeconds is not a pointer: 0 is left out like omitempty");
        assertEquals("25%", o.path("spec").path("strategy").path("rollingUpdate").path("maxSurge").asText());
        assertEquals(1, o.path("spec").path("strategy").path("rollingUpdate").path("maxUnavailable").asInt());
        assertEquals("500m", o.at("/spec/template/spec/containers/0/resources/limits/cpu").asText());
        assertEquals(80, o.at("/spec/template/spec/containers/0/ports/0/containerPort").asInt());
        assertTrue(o.at("/spec/template/spec/containers/0/ports/0/hostPort").isMissingNode());
        assertEquals("web", o.at("/spec/template/metadata/labels/app").asText());
    }

    @Test
    void inlineStructsAreSpreadIntoTheirParent() throws Exception {
        io.kubernetes.client.proto.V1Networking.Ingress ing = io.kubernetes.client.proto.V1Networking.Ingress.newBuilder()
                .setMetadata(meta("ing1"))
                .setSpec(io.kubernetes.client.proto.V1Networking.IngressSpec.newBuilder().setIngressClassName("nginx")
                        .addRules(io.kubernetes.client.proto.V1Networking.IngressRule.newBuilder().setHost("myblog.pod.com")
                                .setIngressRuleValue(io.kubernetes.client.proto.V1Networking.IngressRuleValue.newBuilder()
                                        .setHttp(io.kubernetes.client.proto.V1Networking.HTTPIngressRuleValue.newBuilder()
                                                .addPaths(io.kubernetes.client.proto.V1Networking.HTTPIngressPath.newBuilder()
                                                        .setPath("/").setPathType("Prefix")
                                                        .setBackend(io.kubernetes.client.proto.V1Networking.IngressBackend.newBuilder()
                                                                .setService(io.kubernetes.client.proto.V1Networking.IngressServiceBackend.newBuilder()
                                                                        .setName("myblog").setPort(io.kubernetes.client.proto.V1Networking.ServiceBackendPort.newBuilder().setNumber(80)))))))))
                .build();
        ObjectNode o = ProtobufBodies.decode(envelope("networking.k8s.io/v1", "Ingress", ing));
        assertEquals("Prefix", o.at("/spec/rules/0/http/paths/0/pathType").asText());
        assertFalse(o.at("/spec/rules/0").has("ingressRuleValue"));
        V1.Pod pod = V1.Pod.newBuilder().setMetadata(meta("p")).setSpec(V1.PodSpec.newBuilder()
                .addVolumes(V1.Volume.newBuilder().setName("data").setVolumeSource(V1.VolumeSource.newBuilder().setEmptyDir(V1.EmptyDirVolumeSource.newBuilder())))
                .addContainers(V1.Container.newBuilder().setName("c").setImage("i").setLivenessProbe(V1.Probe.newBuilder()
                        .setHandler(V1.ProbeHandler.newBuilder().setTcpSocket(V1.TCPSocketAction.newBuilder().setPort(
                                io.kubernetes.client.proto.IntStr.IntOrString.newBuilder().setType(0).setIntVal(80)))).setPeriodSeconds(5)))).build();
        ObjectNode p = ProtobufBodies.decode(envelope("v1", "Pod", pod));
        assertTrue(p.at("/spec/volumes/0/emptyDir").isObject(), p.toString());
        assertEquals(80, p.at("/spec/containers/0/livenessProbe/tcpSocket/port").asInt());
    }

    @Test
    void hostileBytesGiveOnlyInvalidArgumentOrUnsupported() throws Exception {
        java.util.Random r = new java.util.Random(42);
        byte[] good = HexFormat.of().parseHex(NAMESPACE_NOHI);
        for (int i = 0; i < 2000; i++) {
            byte[] b = good.clone();
            int flips = 1 + r.nextInt(4);
            for (int j = 0; j < flips; j++) b[4 + r.nextInt(b.length - 4)] = (byte) r.nextInt(256);
            try {
                ProtobufBodies.decode(b);
            } catch (WharfException e) {
                assertTrue(e.kind() == ErrorKind.INVALID_ARGUMENT || e.kind() == ErrorKind.UNSUPPORTED, e.toString());
            }
        }
        V1.Namespace farFuture = V1.Namespace.newBuilder().setMetadata(meta("x").setCreationTimestamp(Meta.Time.newBuilder().setSeconds(Long.MAX_VALUE))).build();
        assertEquals(ErrorKind.INVALID_ARGUMENT, assertThrows(WharfException.class, () -> ProtobufBodies.decode(envelope("v1", "Namespace", farFuture))).kind());
    }

    @Test
    void rejectsMalformedAndUnknown() throws Exception {
        WharfException e = assertThrows(WharfException.class, () -> ProtobufBodies.decode(new byte[]{1, 2, 3}));
        assertEquals(ErrorKind.INVALID_ARGUMENT, e.kind());
        byte[] bad = HexFormat.of().parseHex("6b387300ffffffff");
        assertEquals(ErrorKind.INVALID_ARGUMENT, assertThrows(WharfException.class, () -> ProtobufBodies.decode(bad)).kind());
        byte[] truncated = HexFormat.of().parseHex(NAMESPACE_NOHI.substring(0, 60));
        assertEquals(ErrorKind.INVALID_ARGUMENT, assertThrows(WharfException.class, () -> ProtobufBodies.decode(truncated)).kind());
        byte[] unknownKind = envelope("example.com/v1", "Widget", V1.ConfigMap.newBuilder().build());
        assertEquals(ErrorKind.UNSUPPORTED, assertThrows(WharfException.class, () -> ProtobufBodies.decode(unknownKind)).kind());
    }
}
