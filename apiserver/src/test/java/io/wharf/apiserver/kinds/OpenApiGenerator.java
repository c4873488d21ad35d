package io.wharf.apiserver.kinds;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.gson.annotations.SerializedName;
import com.google.protobuf.Descriptors.FileDescriptor;
import io.swagger.annotations.ApiModel;
import io.swagger.annotations.ApiModelProperty;
import io.wharf.common.Json;

import java.io.OutputStream;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Rebuilds {@code kinds/openapi/definitions.json}, the OpenAPI v3 component schemas of every served kind.
 *
 * <p>Source: the model classes of the official Kubernetes Java client (io.kubernetes:client-java-api 24.0.0, generated
 * from Kubernetes 1.32's OpenAPI document). They carry each field's JSON name (gson {@code @SerializedName}), its type,
 * and the upstream description and required flag ({@code @ApiModelProperty}). Definition names
 * ({@code io.k8s.api.apps.v1.DeploymentSpec}) come from the protobuf packages of client-java-proto. The patch
 * metadata (x-kubernetes-patch-merge-key/strategy, list-type, list-map-keys) that the model classes lose is added from
 * {@link #PATCH_META}, copied from the k8s.io/api struct tags. Run with
 * {@code mvn -pl apiserver test -Dtest=OpenApiGeneratorTest -Dwharf.openapi.regenerate=true}.
 */
public final class OpenApiGenerator {
    static final JsonNodeFactory F = JsonNodeFactory.instance;
    static final String MODELS = "io.kubernetes.client.openapi.models.";
    static final String META = "io.k8s.apimachinery.pkg.apis.meta.v1.";

    /** The served kinds (plus the subresource and option kinds) with their group/version. */
    static final String[][] ROOTS = {
            {"", "v1", "Namespace"}, {"", "v1", "Pod"}, {"", "v1", "Service"}, {"", "v1", "Endpoints"}, {"", "v1", "ConfigMap"},
            {"", "v1", "Secret"}, {"", "v1", "Node"}, {"", "v1", "Event", "CoreV1Event"}, {"", "v1", "ServiceAccount"},
            {"", "v1", "LimitRange"}, {"", "v1", "ResourceQuota"}, {"", "v1", "Binding"},
            {"", "v1", "PersistentVolume"}, {"", "v1", "PersistentVolumeClaim"}, {"", "v1", "ReplicationController"},
            {"apps", "v1", "Deployment"}, {"apps", "v1", "ReplicaSet"}, {"apps", "v1", "DaemonSet"}, {"apps", "v1", "StatefulSet"},
            {"apps", "v1", "ControllerRevision"},
            {"batch", "v1", "Job"}, {"batch", "v1", "CronJob"},
            {"networking.k8s.io", "v1", "Ingress"}, {"networking.k8s.io", "v1", "IngressClass"}, {"networking.k8s.io", "v1", "NetworkPolicy"},
            {"discovery.k8s.io", "v1", "EndpointSlice"}, {"coordination.k8s.io", "v1", "Lease"},
            {"rbac.authorization.k8s.io", "v1", "Role"}, {"rbac.authorization.k8s.io", "v1", "ClusterRole"},
            {"rbac.authorization.k8s.io", "v1", "RoleBinding"}, {"rbac.authorization.k8s.io", "v1", "ClusterRoleBinding"},
            {"events.k8s.io", "v1", "Event", "EventsV1Event"}, {"scheduling.k8s.io", "v1", "PriorityClass"},
            {"authorization.k8s.io", "v1", "SelfSubjectAccessReview"}, {"authentication.k8s.io", "v1", "SelfSubjectReview"},
            {"autoscaling", "v1", "Scale"}, {"policy", "v1", "Eviction"}, {"authentication.k8s.io", "v1", "TokenRequest", "AuthenticationV1TokenRequest"},
            {"policy", "v1", "PodDisruptionBudget"},
            {"storage.k8s.io", "v1", "StorageClass"}, {"storage.k8s.io", "v1", "CSINode"}, {"storage.k8s.io", "v1", "CSIDriver"},
            {"storage.k8s.io", "v1", "VolumeAttachment"},
    };

    /** Kinds served in list form (kind + "List"), as the real documents carry them. */
    static final Set<String> NO_LIST = Set.of("Binding", "SelfSubjectAccessReview", "SelfSubjectReview", "Scale", "Eviction", "TokenRequest");

    /** (definition, property) -> patch metadata, from the k8s.io/api struct tags and +listType markers. */
    static final Map<String, String[]> PATCH_META = new LinkedHashMap<>();

    static void pm(String def, String prop, String key, String strategy, String listType, String... mapKeys) {
        PATCH_META.put(def + "#" + prop, new String[]{key, strategy, listType, String.join(",", mapKeys)});
    }

    static {
        String core = "io.k8s.api.core.v1.";
        for (String c : List.of("containers", "initContainers", "ephemeralContainers"))
            pm(core + "PodSpec", c, "name", "merge", "map", "name");
        pm(core + "PodSpec", "volumes", "name", "merge,retainKeys", "map", "name");
        pm(core + "PodSpec", "imagePullSecrets", "name", "merge", "map", "name");
        pm(core + "PodSpec", "hostAliases", "ip", "merge", "map", "ip");
        pm(core + "PodSpec", "topologySpreadConstraints", "topologyKey", "merge", "map", "topologyKey", "whenUnsatisfiable");
        pm(core + "PodSpec", "resourceClaims", "name", "merge,retainKeys", "map", "name");
        pm(core + "PodSpec", "schedulingGates", "name", "merge", "map", "name");
        pm(core + "PodSpec", "tolerations", null, null, "atomic");
        pm(core + "PodSpec", "readinessGates", null, null, "atomic");
        for (String ctr : List.of("Container", "EphemeralContainer")) {
            pm(core + ctr, "ports", "containerPort", "merge", "map", "containerPort", "protocol");
            pm(core + ctr, "env", "name", "merge", "map", "name");
            pm(core + ctr, "volumeMounts", "mountPath", "merge", "map", "mountPath");
            pm(core + ctr, "volumeDevices", "devicePath", "merge", "map", "devicePath");
            pm(core + ctr, "args", null, null, "atomic");
            pm(core + ctr, "command", null, null, "atomic");
            pm(core + ctr, "envFrom", null, null, "atomic");
            pm(core + ctr, "resizePolicy", null, null, "atomic");
        }
        pm(core + "ServiceSpec", "ports", "port", "merge", "map", "port", "protocol");
        pm(core + "ServiceSpec", "clusterIPs", null, null, "atomic");
        pm(core + "ServiceSpec", "ipFamilies", null, null, "atomic");
        pm(core + "ServiceSpec", "externalIPs", null, null, "atomic");
        pm(META + "ObjectMeta", "ownerReferences", "uid", "merge", "map", "uid");
        pm(META + "ObjectMeta", "finalizers", null, "merge", "set");
        for (String st : List.of(core + "PodStatus", core + "NodeStatus", core + "NamespaceStatus", core + "PersistentVolumeClaimStatus",
                "io.k8s.api.apps.v1.DeploymentStatus", "io.k8s.api.apps.v1.ReplicaSetStatus", "io.k8s.api.apps.v1.DaemonSetStatus",
                "io.k8s.api.apps.v1.StatefulSetStatus", "io.k8s.api.batch.v1.JobStatus", core + "ServiceStatus"))
            pm(st, "conditions", "type", "merge", "map", "type");
        pm(core + "NodeStatus", "addresses", "type", "merge", "map", "type");
        pm(core + "NodeSpec", "taints", null, null, "atomic");
        pm(core + "NodeSpec", "podCIDRs", null, "merge", "set");
        pm(core + "ServiceAccount", "secrets", "name", "merge", "map", "name");
        pm(core + "ServiceAccount", "imagePullSecrets", null, null, "atomic");
        pm(core + "Endpoints", "subsets", null, null, "atomic");
        pm(core + "PodStatus", "podIPs", "ip", "merge", "map", "ip");
        pm(core + "PodStatus", "hostIPs", "ip", "merge", "atomic");
        pm(core + "PodStatus", "containerStatuses", null, null, "atomic");
        pm(core + "PodStatus", "initContainerStatuses", null, null, "atomic");
        pm("io.k8s.api.apps.v1.DeploymentSpec", "strategy", null, "retainKeys", null);
        pm("io.k8s.api.apps.v1.StatefulSetSpec", "volumeClaimTemplates", null, null, "atomic");
        pm("io.k8s.api.rbac.v1.Role", "rules", null, null, "atomic");
        pm("io.k8s.api.rbac.v1.ClusterRole", "rules", null, null, "atomic");
        pm("io.k8s.api.rbac.v1.RoleBinding", "subjects", null, null, "atomic");
        pm("io.k8s.api.rbac.v1.ClusterRoleBinding", "subjects", null, null, "atomic");
        pm("io.k8s.api.networking.v1.IngressSpec", "rules", null, null, "atomic");
        pm("io.k8s.api.networking.v1.IngressSpec", "tls", null, null, "atomic");
        pm("io.k8s.api.networking.v1.HTTPIngressRuleValue", "paths", null, null, "atomic");
        pm("io.k8s.api.discovery.v1.EndpointSlice", "endpoints", null, null, "atomic");
        pm("io.k8s.api.discovery.v1.EndpointSlice", "ports", null, null, "atomic");
    }

    static final Map<String, String> GROUP_PACKAGE = Map.ofEntries(Map.entry("", "core"), Map.entry("apps", "apps"), Map.entry("batch", "batch"),
            Map.entry("networking.k8s.io", "networking"), Map.entry("discovery.k8s.io", "discovery"), Map.entry("coordination.k8s.io", "coordination"),
            Map.entry("rbac.authorization.k8s.io", "rbac"), Map.entry("events.k8s.io", "events"), Map.entry("scheduling.k8s.io", "scheduling"),
            Map.entry("authorization.k8s.io", "authorization"), Map.entry("autoscaling", "autoscaling"), Map.entry("policy", "policy"),
            Map.entry("authentication.k8s.io", "authentication"), Map.entry("storage.k8s.io", "storage"));

    static final Map<String, FileDescriptor> PROTO = Map.ofEntries(
            Map.entry("core", io.kubernetes.client.proto.V1.getDescriptor()), Map.entry("apps", io.kubernetes.client.proto.V1Apps.getDescriptor()),
            Map.entry("batch", io.kubernetes.client.proto.V1Batch.getDescriptor()), Map.entry("networking", io.kubernetes.client.proto.V1Networking.getDescriptor()),
            Map.entry("rbac", io.kubernetes.client.proto.V1Rbac.getDescriptor()), Map.entry("scheduling", io.kubernetes.client.proto.V1Scheduling.getDescriptor()),
            Map.entry("authorization", io.kubernetes.client.proto.V1Authorization.getDescriptor()),
            Map.entry("autoscaling", io.kubernetes.client.proto.V1Autoscaling.getDescriptor()),
            Map.entry("policy", io.kubernetes.client.proto.V1Policy.getDescriptor()),
            Map.entry("authentication", io.kubernetes.client.proto.V1Authentication.getDescriptor()),
            Map.entry("storage", io.kubernetes.client.proto.V1Storage.getDescriptor()),
            Map.entry("meta", io.kubernetes.client.proto.Meta.getDescriptor()));

    static final Set<String> MICRO_TIME_FIELDS = Set.of("eventTime", "renewTime", "acquireTime", "lastObservedTime");
    static final Pattern PREFIXED = Pattern.compile("^([A-Z][a-z]+)V1([A-Z].*)$");

    final Map<String, ObjectNode> defs = new TreeMap<>();
    final Map<String, Set<String>> rootsByGv = new TreeMap<>();
    final Deque<Object[]> todo = new ArrayDeque<>();
    final Set<Class<?>> seen = new HashSet<>();

    /** The definition name of a model class, seen from a root in package {@code rootPkg}. */
    static String defName(Class<?> c, String rootPkg) {
        String simple = c.getSimpleName();
        Matcher m = PREFIXED.matcher(simple);
        if (m.matches() && !simple.startsWith("V1")) return "io.k8s.api." + m.group(1).toLowerCase() + ".v1." + m.group(2);
        String name = simple.substring(2);
        if (PROTO.get("meta").findMessageTypeByName(name) != null && !name.equals("Status") || Set.of("Status", "StatusDetails", "StatusCause").contains(name)) {
            if (!Set.of("Event").contains(name)) return META + name;
        }
        FileDescriptor own = PROTO.get(rootPkg);
        if (own != null && own.findMessageTypeByName(name) != null) return "io.k8s.api." + rootPkg + ".v1." + name;
        if (PROTO.get("core").findMessageTypeByName(name) != null) return "io.k8s.api.core.v1." + name;
        for (var e : PROTO.entrySet())
            if (!e.getKey().equals("meta") && e.getValue().findMessageTypeByName(name) != null) return "io.k8s.api." + e.getKey() + ".v1." + name;
        return "io.k8s.api." + rootPkg + ".v1." + name;
    }

    void run() throws Exception {
        for (String[] r : ROOTS) {
            String group = r[0], version = r[1], kind = r[2];
            String cls = r.length > 3 ? r[3] : "V1" + kind;
            String pkg = GROUP_PACKAGE.get(group);
            String gv = group.isEmpty() ? version : group + "/" + version;
            Set<String> roots = rootsByGv.computeIfAbsent(gv, k -> new java.util.TreeSet<>());
            for (String suffix : NO_LIST.contains(kind) ? List.of("") : List.of("", "List")) {
                Class<?> c = Class.forName(MODELS + cls + suffix);
                String name = defName(c, pkg);
                roots.add(name);
                visit(c, pkg);
                ObjectNode gvk = F.objectNode().put("group", group).put("kind", kind + suffix).put("version", version);
                defs.get(name).putArray("x-kubernetes-group-version-kind").add(gvk);
            }
        }
        addSpecialTypes();
        describeReferences();
    }

    void visit(Class<?> root, String pkg) throws Exception {
        todo.push(new Object[]{root, pkg});
        while (!todo.isEmpty()) {
            Object[] t = todo.pop();
            Class<?> c = (Class<?>) t[0];
            if (!seen.add(c)) continue;
            defs.put(defName(c, (String) t[1]), schemaOf(c, (String) t[1]));
        }
    }

    ObjectNode schemaOf(Class<?> c, String pkg) throws Exception {
        ObjectNode s = F.objectNode();
        ApiModel am = c.getAnnotation(ApiModel.class);
        if (am != null && !am.description().isEmpty()) s.put("description", am.description());
        s.put("type", "object");
        TreeMap<String, ObjectNode> props = new TreeMap<>();
        java.util.TreeSet<String> required = new java.util.TreeSet<>();
        String def = defName(c, pkg);
        for (Field f : c.getDeclaredFields()) {
            SerializedName sn = f.getAnnotation(SerializedName.class);
            if (sn == null || java.lang.reflect.Modifier.isStatic(f.getModifiers())) continue;
            String json = sn.value();
            ApiModelProperty ap = getterAnnotation(c, f);
            ObjectNode ps = typeSchema(f.getGenericType(), pkg, json);
            String desc = ap == null ? "" : ap.value();
            if (ps.has("$ref")) {
                // OpenAPI v3 as Kubernetes writes it: a described reference is wrapped in allOf.
                String ref = ps.get("$ref").asText();
                ps = F.objectNode();
                ps.putArray("allOf").addObject().put("$ref", ref);
                if (!isScalarRef(ref)) ps.set("default", F.objectNode());
            }
            if (!desc.isEmpty()) ps.put("description", desc);
            if (ap != null && ap.required()) required.add(json);
            String[] pm = PATCH_META.get(def + "#" + json);
            if (pm != null) {
                if (pm[2] != null) ps.put("x-kubernetes-list-type", pm[2]);
                if (!pm[3].isEmpty()) { ArrayNode mk = ps.putArray("x-kubernetes-list-map-keys"); for (String k : pm[3].split(",")) mk.add(k); }
                if (pm[0] != null) ps.put("x-kubernetes-patch-merge-key", pm[0]);
                if (pm[1] != null) ps.put("x-kubernetes-patch-strategy", pm[1]);
            }
            props.put(json, ps);
        }
        ObjectNode p = s.putObject("properties");
        props.forEach(p::set);
        if (!required.isEmpty()) { ArrayNode r = s.putArray("required"); required.forEach(r::add); }
        if (def.equals(META + "LabelSelector")) s.put("x-kubernetes-map-type", "atomic");
        return s;
    }

    static boolean isScalarRef(String ref) {
        return ref.endsWith(".Quantity") || ref.endsWith(".Time") || ref.endsWith(".MicroTime") || ref.endsWith(".IntOrString");
    }

    static ApiModelProperty getterAnnotation(Class<?> c, Field f) {
        String n = f.getName();
        String cap = Character.toUpperCase(n.charAt(0)) + n.substring(1);
        for (String g : List.of("get" + cap, "is" + cap)) {
            try {
                Method m = c.getMethod(g);
                ApiModelProperty a = m.getAnnotation(ApiModelProperty.class);
                if (a != null) return a;
            } catch (NoSuchMethodException ignored) { }
        }
        return f.getAnnotation(ApiModelProperty.class);
    }

    ObjectNode ref(String name) { return F.objectNode().put("$ref", "#/components/schemas/" + name); }

    ObjectNode typeSchema(Type t, String pkg, String fieldName) {
        if (t instanceof ParameterizedType pt) {
            Class<?> raw = (Class<?>) pt.getRawType();
            if (List.class.isAssignableFrom(raw)) {
                ObjectNode s = F.objectNode().put("type", "array");
                ObjectNode items = typeSchema(pt.getActualTypeArguments()[0], pkg, fieldName);
                if (items.has("$ref") && !isScalarRef(items.get("$ref").asText())) {
                    String r = items.get("$ref").asText();
                    items = F.objectNode();
                    items.putArray("allOf").addObject().put("$ref", r);
                    items.set("default", F.objectNode());
                }
                s.set("items", items);
                return s;
            }
            if (Map.class.isAssignableFrom(raw)) {
                ObjectNode s = F.objectNode().put("type", "object");
                ObjectNode v = typeSchema(pt.getActualTypeArguments()[1], pkg, fieldName);
                if (v.has("type") && v.get("type").asText().equals("string") && !v.has("format")) v.put("default", "");
                s.set("additionalProperties", v);
                return s;
            }
        }
        Class<?> c = (Class<?>) t;
        if (c == String.class) return F.objectNode().put("type", "string");
        if (c == Integer.class || c == int.class) return F.objectNode().put("type", "integer").put("format", "int32");
        if (c == Long.class || c == long.class) return F.objectNode().put("type", "integer").put("format", "int64");
        if (c == Boolean.class || c == boolean.class) return F.objectNode().put("type", "boolean");
        if (c == Double.class || c == Float.class) return F.objectNode().put("type", "number").put("format", "double");
        if (c == byte[].class) return F.objectNode().put("type", "string").put("format", "byte");
        if (c == java.time.OffsetDateTime.class) return ref(MICRO_TIME_FIELDS.contains(fieldName) ? META + "MicroTime" : META + "Time");
        if (c.getName().equals("io.kubernetes.client.custom.Quantity")) return ref("io.k8s.apimachinery.pkg.api.resource.Quantity");
        if (c.getName().equals("io.kubernetes.client.custom.IntOrString")) return ref("io.k8s.apimachinery.pkg.util.intstr.IntOrString");
        if (c == Object.class) {
            if (fieldName.equals("fieldsV1")) return ref(META + "FieldsV1");
            return ref("io.k8s.apimachinery.pkg.runtime.RawExtension");
        }
        if (c.getName().startsWith(MODELS)) {
            todo.push(new Object[]{c, pkg});
            return ref(defName(c, pkg));
        }
        if (c.isEnum()) return F.objectNode().put("type", "string");
        throw new IllegalStateException("unmapped type " + c + " of " + fieldName);
    }

    void addSpecialTypes() {
        defs.put("io.k8s.apimachinery.pkg.api.resource.Quantity", F.objectNode()
                .put("description", "Quantity is a fixed-point representation of a number. It provides convenient marshaling/unmarshaling in JSON and YAML, in addition to String() and AsInt64() accessors.\n\nThe serialization format is:\n\n``` <quantity>        ::= <signedNumber><suffix>\n\n\t(Note that <suffix> may be empty, from the \"\" case in <decimalSI>.)\n\n<digit>           ::= 0 | 1 | ... | 9 <digits>          ::= <digit> | <digit><digits> <number>          ::= <digits> | <digits>.<digits> | <digits>. | .<digits> <sign>            ::= \"+\" | \"-\" <signedNumber>    ::= <number> | <sign><number> <suffix>          ::= <binarySI> | <decimalExponent> | <decimalSI> <binarySI>        ::= Ki | Mi | Gi | Ti | Pi | Ei\n\n\t(International System of units; See: http://physics.nist.gov/cuu/Units/binary.html)\n\n<decimalSI>       ::= m | \"\" | k | M | G | T | P | E\n\n\t(Note that 1024 = 1Ki but 1000 = 1k; I didn't choose the capitalization.)\n\n<decimalExponent> ::= \"e\" <signedNumber> | \"E\" <signedNumber> ```")
                .put("type", "string"));
        defs.put("io.k8s.apimachinery.pkg.util.intstr.IntOrString", F.objectNode()
                .put("description", "IntOrString is a type that can hold an int32 or a string.  When used in JSON or YAML marshalling and unmarshalling, it produces or consumes the inner type.  This allows you to have, for example, a JSON field that can accept a name or number.")
                .put("format", "int-or-string").put("type", "string"));
        defs.put(META + "Time", F.objectNode()
                .put("description", "Time is a wrapper around time.Time which supports correct marshaling to YAML and JSON.  Wrappers are provided for many of the factory methods that the time package offers.")
                .put("format", "date-time").put("type", "string"));
        defs.put(META + "MicroTime", F.objectNode()
                .put("description", "MicroTime is version of Time with microsecond level precision.")
                .put("format", "date-time").put("type", "string"));
        defs.put(META + "FieldsV1", F.objectNode()
                .put("description", "FieldsV1 stores a set of fields in a data structure like a Trie, in JSON format.\n\nEach key is either a '.' representing the field itself, and will always map to an empty set, or a string representing a sub-field or item. The string will follow one of these four formats: 'f:<name>', where <name> is the name of a field in a struct, or key in a map 'v:<value>', where <value> is the exact json formatted value of a list item 'i:<index>', where <index> is position of a item in a list 'k:<keys>', where <keys> is a map of  a list item's key fields to their unique values If a key maps to an empty Fields value, the field that key represents is part of the set.\n\nThe exact format is defined in sigs.k8s.io/structured-merge-diff")
                .put("type", "object"));
        defs.put("io.k8s.apimachinery.pkg.runtime.RawExtension", F.objectNode()
                .put("description", "RawExtension is used to hold extensions in external versions.")
                .put("type", "object"));
    }

    /**
     * The model classes lose the descriptions of properties that are references (metadata, spec, status, strategy...).
     * Those are filled from the JSDoc of the npm package kubernetes-types 1.30.0 (generated from the same upstream
     * OpenAPI document), extracted once into {@code kubernetes-types-1.30-descriptions.json}. A reference without a
     * text there keeps none: kubectl explain then prints the referenced type's description (repeating it would print it twice).
     */
    void describeReferences() throws java.io.IOException {
        com.fasterxml.jackson.databind.JsonNode known;
        try (var in = OpenApiGenerator.class.getResourceAsStream("kubernetes-types-1.30-descriptions.json")) {
            known = Json.MAPPER.readTree(in);
        }
        for (var d : defs.entrySet()) {
            ObjectNode def = d.getValue();
            if (!def.has("description") && known.path(d.getKey()).has("")) def.put("description", known.path(d.getKey()).path("").asText());
            if (!(def.get("properties") instanceof ObjectNode props)) continue;
            for (var it = props.fields(); it.hasNext(); ) {
                var e = it.next();
                ObjectNode p = (ObjectNode) e.getValue();
                if (p.has("description")) continue;
                String text = known.path(d.getKey()).path(e.getKey()).asText("");
                if (!text.isEmpty()) p.put("description", text);
            }
        }
    }

    /** Writes {defs, roots} as plain JSON. */
    void write(Path out) throws Exception {
        ObjectNode doc = F.objectNode();
        ObjectNode r = doc.putObject("roots");
        rootsByGv.forEach((gv, names) -> { ArrayNode a = r.putArray(gv); names.forEach(a::add); });
        ObjectNode d = doc.putObject("definitions");
        defs.forEach(d::set);
        Files.createDirectories(out.getParent());
        try (OutputStream os = Files.newOutputStream(out)) {
            Json.MAPPER.writeValue(os, doc);
        }
    }

    public static void main(String[] args) throws Exception {
        OpenApiGenerator g = new OpenApiGenerator();
        g.run();
        g.write(Path.of(args[0]));
        System.out.println("wrote " + g.defs.size() + " definitions to " + args[0]);
    }
}
