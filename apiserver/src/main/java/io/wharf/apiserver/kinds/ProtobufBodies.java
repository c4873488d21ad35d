package io.wharf.apiserver.kinds;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.kubernetes.client.proto.Runtime;
import io.wharf.common.ErrorKind;
import io.wharf.common.Json;
import io.wharf.common.WharfException;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Decodes Kubernetes protobuf request bodies (kubectl 1.32+ typed creates): the magic {@code k8s\0}, a
 * {@code runtime.Unknown} envelope with the type and the raw object message, which is parsed with the descriptors of the
 * generated k8s.io/api messages (io.kubernetes:client-java-proto) and turned into the JSON form.
 *
 * <p>Go's gogo-protobuf writes every non-pointer field, zero or not, while Go's JSON encoder leaves zero values out
 * ({@code omitempty}). So zero scalars and empty messages are dropped, except for the fields that are pointers in
 * k8s.io/api (where zero means something, like {@code replicas: 0} or {@code immutable: false}).
 */
public final class ProtobufBodies {
    private ProtobufBodies() {}

    static final byte[] MAGIC = {0x6b, 0x38, 0x73, 0x00};

    /** Group -> the generated file descriptors holding its v1 messages. */
    private static final Map<String, List<FileDescriptor>> FILES = Map.ofEntries(
            Map.entry("", List.of(io.kubernetes.client.proto.V1.getDescriptor())),
            Map.entry("apps", List.of(io.kubernetes.client.proto.V1Apps.getDescriptor())),
            Map.entry("batch", List.of(io.kubernetes.client.proto.V1Batch.getDescriptor())),
            Map.entry("networking.k8s.io", List.of(io.kubernetes.client.proto.V1Networking.getDescriptor())),
            Map.entry("rbac.authorization.k8s.io", List.of(io.kubernetes.client.proto.V1Rbac.getDescriptor())),
            Map.entry("scheduling.k8s.io", List.of(io.kubernetes.client.proto.V1Scheduling.getDescriptor())),
            Map.entry("authorization.k8s.io", List.of(io.kubernetes.client.proto.V1Authorization.getDescriptor())),
            Map.entry("authentication.k8s.io", List.of(io.kubernetes.client.proto.V1Authentication.getDescriptor())),
            Map.entry("policy", List.of(io.kubernetes.client.proto.V1Policy.getDescriptor())),
            Map.entry("autoscaling", List.of(io.kubernetes.client.proto.V1Autoscaling.getDescriptor())),
            Map.entry("storage.k8s.io", List.of(io.kubernetes.client.proto.V1Storage.getDescriptor())),
            Map.entry("certificates.k8s.io", List.of(io.kubernetes.client.proto.V1Certificates.getDescriptor())),
            Map.entry("admissionregistration.k8s.io", List.of(io.kubernetes.client.proto.V1Admissionregistration.getDescriptor())));

    /** Integer fields that are pointers in k8s.io/api: a present 0 is kept. */
    static final Set<String> POINTER_INTS = Set.of("replicas", "parallelism", "completions", "backoffLimit", "backoffLimitPerIndex",
            "maxFailedIndexes", "activeDeadlineSeconds", "ttlSecondsAfterFinished", "startingDeadlineSeconds",
            "successfulJobsHistoryLimit", "failedJobsHistoryLimit", "revisionHistoryLimit", "progressDeadlineSeconds",
            "terminationGracePeriodSeconds", "defaultMode", "mode", "expirationSeconds", "priority", "tolerationSeconds",
            "runAsUser", "runAsGroup", "fsGroup", "deletionGracePeriodSeconds", "partition", "value", "leaseDurationSeconds",
            "leaseTransitions", "timeoutSeconds", "port", "endPort", "revision", "weight");

    /** Boolean fields that are pointers in k8s.io/api: a present false is kept. */
    static final Set<String> POINTER_BOOLS = Set.of("immutable", "suspend", "manualSelector", "automountServiceAccountToken",
            "allowPrivilegeEscalation", "privileged", "readOnlyRootFilesystem", "runAsNonRoot", "controller", "blockOwnerDeletion",
            "optional", "allocateLoadBalancerNodePorts", "ready", "serving", "terminating", "hostUsers", "enableServiceLinks",
            "shareProcessNamespace", "setHostnameAsFQDN", "allowed", "denied", "readOnly");

    /** Messages whose empty form means something ({@code emptyDir: {}} selects the volume type). */
    static final Set<String> KEEP_EMPTY = Set.of("emptyDir", "podSelector", "namespaceSelector", "securityContext", "spec");

    /**
     * Fields that are Go structs embedded with {@code json:",inline"}: protobuf nests them as a message field, JSON
     * spreads their fields into the parent (IngressRule.http, Volume.emptyDir, Probe.httpGet...).
     */
    static final Set<String> INLINE = Set.of("ingressRuleValue", "volumeSource", "persistentVolumeSource", "handler",
            "ephemeralContainerCommon");

    private static final DateTimeFormatter MICRO = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'").withZone(ZoneOffset.UTC);

    /** Decodes one body; throws INVALID_ARGUMENT for malformed bytes and UNSUPPORTED for a kind it has no message for. */
    public static ObjectNode decode(byte[] body) {
        if (body == null || body.length < 4 || body[0] != MAGIC[0] || body[1] != MAGIC[1] || body[2] != MAGIC[2] || body[3] != MAGIC[3])
            throw new WharfException(ErrorKind.INVALID_ARGUMENT, "provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]");
        Runtime.Unknown unknown;
        try {
            unknown = Runtime.Unknown.parseFrom(ByteString.copyFrom(body, 4, body.length - 4));
        } catch (InvalidProtocolBufferException e) {
            throw new WharfException(ErrorKind.INVALID_ARGUMENT, "unable to decode protobuf body: " + e.getMessage());
        }
        String apiVersion = unknown.getTypeMeta().getApiVersion(), kind = unknown.getTypeMeta().getKind();
        if (kind.isEmpty()) throw new WharfException(ErrorKind.INVALID_ARGUMENT, "Object 'Kind' is missing in protobuf body");
        if (!unknown.getContentEncoding().isEmpty())
            throw new WharfException(ErrorKind.UNSUPPORTED, "protobuf content encoding " + unknown.getContentEncoding() + " is not supported");
        Descriptor d = descriptorFor(apiVersion, kind);
        if (d == null) throw new WharfException(ErrorKind.UNSUPPORTED, "no protobuf decoder for " + apiVersion + ", Kind=" + kind + "; send JSON");
        DynamicMessage msg;
        try {
            msg = DynamicMessage.parseFrom(d, unknown.getRaw());
        } catch (InvalidProtocolBufferException e) {
            throw new WharfException(ErrorKind.INVALID_ARGUMENT, "unable to decode " + kind + " from protobuf: " + e.getMessage());
        }
        ObjectNode out = Nodes.F.objectNode();
        out.put("apiVersion", apiVersion);
        out.put("kind", kind);
        ObjectNode fields;
        try {
            fields = (ObjectNode) toJson(msg, "");
        } catch (WharfException e) {
            throw e;
        } catch (RuntimeException e) {
            // e.g. a timestamp outside java.time's range: hostile input is a 400, never a 500
            throw new WharfException(ErrorKind.INVALID_ARGUMENT, "unable to decode " + kind + " from protobuf: " + e.getMessage());
        }
        if (fields != null) out.setAll(fields);
        if (!out.has("metadata")) out.putObject("metadata");
        return out;
    }

    /** The message descriptor of a kind, or null. */
    static Descriptor descriptorFor(String apiVersion, String kind) {
        int slash = apiVersion.indexOf('/');
        String group = slash < 0 ? "" : apiVersion.substring(0, slash);
        String version = slash < 0 ? apiVersion : apiVersion.substring(slash + 1);
        if (!version.equals("v1")) return null;
        List<FileDescriptor> files = FILES.get(group);
        if (files == null) return null;
        for (FileDescriptor f : files) {
            Descriptor d = f.findMessageTypeByName(kind);
            if (d != null) return d;
        }
        return null;
    }

    /** The JSON form of a message, or null when it is empty (so the caller can leave it out). */
    static JsonNode toJson(Message m, String fieldName) {
        String type = m.getDescriptorForType().getFullName();
        if (type.endsWith("apis.meta.v1.Time")) {
            long s = longField(m, "seconds");
            int n = (int) longField(m, "nanos");
            if (s == 0 && n == 0) return null;
            return Nodes.str(DateTimeFormatter.ISO_INSTANT.format(Instant.ofEpochSecond(s)));
        }
        if (type.endsWith("apis.meta.v1.MicroTime")) {
            long s = longField(m, "seconds");
            int n = (int) longField(m, "nanos");
            if (s == 0 && n == 0) return null;
            return Nodes.str(MICRO.format(Instant.ofEpochSecond(s, n)));
        }
        if (type.endsWith("util.intstr.IntOrString")) {
            return longField(m, "type") == 1 ? Nodes.str(stringField(m, "strVal")) : Nodes.num(longField(m, "intVal"));
        }
        if (type.endsWith("api.resource.Quantity")) {
            String s = stringField(m, "string");
            return s.isEmpty() ? null : Nodes.str(s);
        }
        if (type.endsWith("runtime.RawExtension") || type.endsWith("apis.meta.v1.FieldsV1")) {
            ByteString raw = bytesField(m, type.endsWith("FieldsV1") ? "Raw" : "raw");
            if (raw == null || raw.isEmpty()) return null;
            try {
                return Json.MAPPER.readTree(raw.toByteArray());
            } catch (java.io.IOException e) {
                throw new WharfException(ErrorKind.INVALID_ARGUMENT, "embedded object in protobuf body is not JSON");
            }
        }
        if (type.endsWith("apis.meta.v1.Duration")) {
            long ns = longField(m, "duration");
            return ns == 0 ? null : Nodes.str(goDuration(ns));
        }
        ObjectNode o = Nodes.F.objectNode();
        for (FieldDescriptor f : m.getDescriptorForType().getFields()) {
            String name = f.getName();
            if (f.isMapField()) {
                @SuppressWarnings("unchecked") List<Message> entries = (List<Message>) m.getField(f);
                if (entries.isEmpty()) continue;
                ObjectNode map = o.putObject(name);
                FieldDescriptor kf = f.getMessageType().findFieldByName("key"), vf = f.getMessageType().findFieldByName("value");
                for (Message e : entries) {
                    Object v = e.getField(vf);
                    JsonNode jv = scalarOrMessage(vf, v, name, true);
                    map.set(String.valueOf(e.getField(kf)), jv == null ? Nodes.str("") : jv);
                }
            } else if (f.isRepeated()) {
                int count = m.getRepeatedFieldCount(f);
                if (count == 0) continue;
                ArrayNode arr = o.putArray(name);
                for (int i = 0; i < count; i++) {
                    JsonNode jv = scalarOrMessage(f, m.getRepeatedField(f, i), name, true);
                    arr.add(jv == null ? (f.getJavaType() == FieldDescriptor.JavaType.MESSAGE ? Nodes.F.objectNode() : Nodes.str("")) : jv);
                }
            } else {
                if (!m.hasField(f)) continue;
                JsonNode jv = scalarOrMessage(f, m.getField(f), name, false);
                if (jv == null) continue;
                if (INLINE.contains(name) && jv instanceof ObjectNode inner) o.setAll(inner);
                else o.set(name, jv);
            }
        }
        if (o.isEmpty() && !KEEP_EMPTY.contains(fieldName)) return null;
        return o;
    }

    private static JsonNode scalarOrMessage(FieldDescriptor f, Object v, String name, boolean inCollection) {
        return switch (f.getJavaType()) {
            case MESSAGE -> toJson((Message) v, name);
            case STRING -> {
                String s = (String) v;
                yield s.isEmpty() && !inCollection ? null : Nodes.str(s);
            }
            case BYTE_STRING -> Nodes.str(Base64.getEncoder().encodeToString(((ByteString) v).toByteArray()));
            case BOOLEAN -> {
                boolean b = (Boolean) v;
                yield !b && !inCollection && !POINTER_BOOLS.contains(name) ? null : Nodes.F.booleanNode(b);
            }
            case INT, LONG -> {
                long n = ((Number) v).longValue();
                yield n == 0 && !inCollection && !POINTER_INTS.contains(name) ? null : Nodes.num(n);
            }
            case FLOAT, DOUBLE -> Nodes.F.numberNode(((Number) v).doubleValue());
            case ENUM -> Nodes.str(v.toString());
        };
    }

    private static long longField(Message m, String name) {
        FieldDescriptor f = m.getDescriptorForType().findFieldByName(name);
        return f == null ? 0 : ((Number) m.getField(f)).longValue();
    }

    private static String stringField(Message m, String name) {
        FieldDescriptor f = m.getDescriptorForType().findFieldByName(name);
        return f == null ? "" : (String) m.getField(f);
    }

    private static ByteString bytesField(Message m, String name) {
        FieldDescriptor f = m.getDescriptorForType().findFieldByName(name);
        if (f == null) f = m.getDescriptorForType().findFieldByName(name.toLowerCase());
        return f == null ? null : (ByteString) m.getField(f);
    }

    /** Go's time.Duration.String() for whole units as the API uses them ("1h0m0s", "30s", "1.5s"). */
    static String goDuration(long ns) {
        if (ns % 1_000_000_000L != 0) return (ns / 1e9) + "s";
        long s = ns / 1_000_000_000L;
        long h = s / 3600, mi = (s % 3600) / 60, se = s % 60;
        if (h > 0) return h + "h" + mi + "m" + se + "s";
        if (mi > 0) return mi + "m" + se + "s";
        return se + "s";
    }
}
