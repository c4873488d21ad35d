package io.wharf.controllers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;

/** The pure parts of the Deployment controller (pkg/controller/deployment/util), unit-tested on their own. */
public final class DeploymentUtil {
    private DeploymentUtil() {}

    public static final String REVISION = "deployment.kubernetes.io/revision";
    public static final String REVISION_HISTORY = "deployment.kubernetes.io/revision-history";
    public static final String DESIRED_REPLICAS = "deployment.kubernetes.io/desired-replicas";
    public static final String MAX_REPLICAS = "deployment.kubernetes.io/max-replicas";
    public static final String ROLLBACK_TO = "deprecated.deployment.rollback.to";
    public static final String LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";
    public static final String POD_TEMPLATE_HASH = "pod-template-hash";

    private static final ObjectMapper SORTED = new ObjectMapper().configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

    /** k8s.io/apimachinery/pkg/util/rand.SafeEncodeString's alphabet: no vowels, no 0/1/3 (no bad words, no look-alikes). */
    private static final String ALPHANUMS = "bcdfghjklmnpqrstvwxz2456789";

    public static String safeEncode(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (byte c : s.getBytes(StandardCharsets.UTF_8)) b.append(ALPHANUMS.charAt((c & 0xff) % ALPHANUMS.length()));
        return b.toString();
    }

    public static int fnv32a(byte[] data, int hash) {
        for (byte b : data) {
            hash ^= (b & 0xff);
            hash *= 0x01000193;
        }
        return hash;
    }

    /**
     * pod-template-hash (controller.ComputeHash): FNV-32a over the template, then the collision count as 4
     * little-endian bytes, printed as an unsigned decimal and safe-encoded. Kubernetes feeds the hasher a
     * go-spew dump of the Go struct, which Java cannot reproduce byte for byte; here it is the canonical JSON (sorted
     * keys, empty values dropped, the hash label removed), so equal templates give equal hashes and the value has
     * the same shape (up to 10 characters of the same alphabet) but not the same digits as on a real cluster.
     */
    public static String computeHash(PodTemplateSpec template, Integer collisionCount) {
        int h = fnv32a(canonical(template).getBytes(StandardCharsets.UTF_8), 0x811c9dc5);
        if (collisionCount != null) {
            h = fnv32a(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(collisionCount).array(), h);
        }
        return safeEncode(Long.toString(Integer.toUnsignedLong(h)));
    }

    static String canonical(PodTemplateSpec t) {
        try {
            return SORTED.writeValueAsString(sortTree(normalize(t)));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static Object sortTree(JsonNode n) {
        if (n.isObject()) {
            Map<String, Object> m = new TreeMap<>();
            n.properties().forEach(e -> m.put(e.getKey(), sortTree(e.getValue())));
            return m;
        }
        if (n.isArray()) {
            java.util.List<Object> l = new java.util.ArrayList<>();
            n.forEach(x -> l.add(sortTree(x)));
            return l;
        }
        return n;
    }

    /** The template as a JSON tree with null/empty values and the pod-template-hash label dropped, quantities canonical. */
    static JsonNode normalize(PodTemplateSpec t) {
        JsonNode n;
        try {
            // the JSON fabric8 writes, re-read as a tree with sorted keys for the normalization below
            n = SORTED.readTree(Clients.SERIALIZATION.asJson(t == null ? new PodTemplateSpec() : t));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        JsonNode labels = n.path("metadata").path("labels");
        if (labels instanceof ObjectNode o) o.remove(POD_TEMPLATE_HASH);
        return clean(n, null);
    }

    private static JsonNode clean(JsonNode n, String parentKey) {
        if (n == null || n.isNull()) return null;
        if (n.isObject()) {
            ObjectNode out = JsonNodeFactory.instance.objectNode();
            boolean quantities = "limits".equals(parentKey) || "requests".equals(parentKey);
            for (Iterator<Map.Entry<String, JsonNode>> it = n.properties().iterator(); it.hasNext(); ) {
                var e = it.next();
                JsonNode v = e.getValue();
                if (quantities && v.isTextual()) {
                    try {
                        v = JsonNodeFactory.instance.textNode(Quantity.getAmountInBytes(new Quantity(v.asText())).stripTrailingZeros().toPlainString());
                    } catch (RuntimeException ignored) { /* keep the text */ }
                }
                JsonNode c = clean(v, e.getKey());
                if (c != null) out.set(e.getKey(), c);
            }
            return out.isEmpty() ? null : out;
        }
        if (n.isArray()) {
            ArrayNode out = JsonNodeFactory.instance.arrayNode();
            for (JsonNode x : n) {
                JsonNode c = clean(x, null);
                out.add(c == null ? JsonNodeFactory.instance.objectNode() : c);
            }
            return out.isEmpty() ? null : out;
        }
        return n;
    }

    /** Two templates equal by meaning, ignoring pod-template-hash (deploymentutil.EqualIgnoreHash). */
    public static boolean equalIgnoreHash(PodTemplateSpec a, PodTemplateSpec b) {
        return java.util.Objects.equals(normalize(a), normalize(b));
    }

    /** intstr.GetScaledValueFromIntOrPercent: "25%" of total, rounded up or down; an int as is. */
    public static int scaled(IntOrString v, int total, boolean roundUp) {
        if (v == null) return 0;
        if (v.getStrVal() != null) {
            String s = v.getStrVal();
            if (!s.endsWith("%")) {
                try {
                    return Integer.parseInt(s);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("invalid value for IntOrString: invalid type: string is not a percentage");
                }
            }
            int pct = Integer.parseInt(s.substring(0, s.length() - 1));
            long num = (long) pct * total;
            return (int) (roundUp ? (num + 99) / 100 : num / 100);
        }
        return v.getIntVal() == null ? 0 : v.getIntVal();
    }

    public record Fenceposts(int maxSurge, int maxUnavailable) {}

    /** deploymentutil.ResolveFenceposts: surge rounds up, unavailable down; both zero means unavailable 1. */
    public static Fenceposts resolveFenceposts(IntOrString maxSurge, IntOrString maxUnavailable, int desired) {
        int surge = scaled(maxSurge == null ? new IntOrString("25%") : maxSurge, desired, true);
        int unavailable = scaled(maxUnavailable == null ? new IntOrString("25%") : maxUnavailable, desired, false);
        if (surge == 0 && unavailable == 0) unavailable = 1;
        return new Fenceposts(surge, unavailable);
    }

    public static boolean isRolling(Deployment d) {
        return d.getSpec().getStrategy() == null || !"Recreate".equals(d.getSpec().getStrategy().getType());
    }

    public static int replicas(Deployment d) {
        return d.getSpec().getReplicas() == null ? 1 : d.getSpec().getReplicas();
    }

    public static int maxSurge(Deployment d) {
        if (!isRolling(d)) return 0;
        var ru = d.getSpec().getStrategy() == null ? null : d.getSpec().getStrategy().getRollingUpdate();
        return resolveFenceposts(ru == null ? null : ru.getMaxSurge(), ru == null ? null : ru.getMaxUnavailable(), replicas(d)).maxSurge();
    }

    public static int maxUnavailable(Deployment d) {
        if (!isRolling(d) || replicas(d) == 0) return 0;
        var ru = d.getSpec().getStrategy() == null ? null : d.getSpec().getStrategy().getRollingUpdate();
        int u = resolveFenceposts(ru == null ? null : ru.getMaxSurge(), ru == null ? null : ru.getMaxUnavailable(), replicas(d)).maxUnavailable();
        return Math.min(u, replicas(d));
    }

    public static long revision(ReplicaSet rs) {
        var a = rs.getMetadata().getAnnotations();
        if (a == null || a.get(REVISION) == null) return 0;
        try {
            return Long.parseLong(a.get(REVISION));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    public static int specReplicas(ReplicaSet rs) {
        return rs.getSpec().getReplicas() == null ? 0 : rs.getSpec().getReplicas();
    }

    static int statusInt(Integer i) { return i == null ? 0 : i; }

    /**
     * deploymentutil.NewRSNewReplicas for RollingUpdate: grow the new ReplicaSet as far as maxSurge allows, never
     * past spec.replicas. Recreate: spec.replicas.
     */
    public static int newRSNewReplicas(Deployment d, java.util.List<ReplicaSet> all, ReplicaSet newRS) {
        int desired = replicas(d);
        int newReplicas = newRS == null ? 0 : specReplicas(newRS);
        if (!isRolling(d)) return desired;
        int current = 0;
        for (ReplicaSet rs : all) current += specReplicas(rs);
        int maxTotal = desired + maxSurge(d);
        if (current >= maxTotal) return newReplicas;
        int scaleUp = Math.min(maxTotal - current, desired - newReplicas);
        return newReplicas + scaleUp;
    }
}
