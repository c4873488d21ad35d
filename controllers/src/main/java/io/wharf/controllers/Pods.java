package io.wharf.controllers;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.ContainerStatus;

import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/** Pod and ownership helpers shared by the controllers (pkg/controller/controller_utils.go, podutil). */
public final class Pods {
    private Pods() {}

    public static OwnerReference controllerRef(HasMetadata o) {
        List<OwnerReference> refs = o.getMetadata().getOwnerReferences();
        if (refs == null) return null;
        for (OwnerReference r : refs) if (Boolean.TRUE.equals(r.getController())) return r;
        return null;
    }

    public static OwnerReference newControllerRef(HasMetadata owner, String apiVersion, String kind) {
        return new OwnerReferenceBuilder().withApiVersion(apiVersion).withKind(kind).withName(owner.getMetadata().getName())
                .withUid(owner.getMetadata().getUid()).withController(true).withBlockOwnerDeletion(true).build();
    }

    /** Not terminal and not being deleted (controller.IsPodActive). */
    public static boolean isActive(Pod p) {
        String phase = p.getStatus() == null ? null : p.getStatus().getPhase();
        return !"Succeeded".equals(phase) && !"Failed".equals(phase) && p.getMetadata().getDeletionTimestamp() == null;
    }

    public static PodCondition condition(Pod p, String type) {
        if (p.getStatus() == null || p.getStatus().getConditions() == null) return null;
        for (PodCondition c : p.getStatus().getConditions()) if (type.equals(c.getType())) return c;
        return null;
    }

    public static boolean isReady(Pod p) {
        PodCondition c = condition(p, "Ready");
        return c != null && "True".equals(c.getStatus());
    }

    /** Ready for at least minReadySeconds at {@code now} (podutil.IsPodAvailable). */
    public static boolean isAvailable(Pod p, int minReadySeconds, Instant now) {
        PodCondition c = condition(p, "Ready");
        if (c == null || !"True".equals(c.getStatus())) return false;
        if (minReadySeconds == 0) return true;
        Instant t = parseTime(c.getLastTransitionTime());
        return t != null && !t.plusSeconds(minReadySeconds).isAfter(now);
    }

    public static Instant parseTime(String s) {
        if (s == null || s.isEmpty()) return null;
        try {
            return Instant.parse(s);
        } catch (RuntimeException e) {
            return null;
        }
    }

    public static Instant created(HasMetadata o) {
        Instant t = parseTime(o.getMetadata().getCreationTimestamp());
        return t == null ? Instant.EPOCH : t;
    }

    /** LabelSelector semantics (metav1.LabelSelectorAsSelector): a null selector matches nothing, an empty one everything. */
    public static boolean matches(LabelSelector sel, Map<String, String> labels) {
        if (sel == null) return false;
        Map<String, String> l = labels == null ? Map.of() : labels;
        if (sel.getMatchLabels() != null)
            for (var e : sel.getMatchLabels().entrySet()) if (!e.getValue().equals(l.get(e.getKey()))) return false;
        if (sel.getMatchExpressions() != null)
            for (LabelSelectorRequirement r : sel.getMatchExpressions()) {
                List<String> vals = r.getValues() == null ? List.of() : r.getValues();
                boolean has = l.containsKey(r.getKey());
                boolean ok = switch (r.getOperator()) {
                    case "In" -> has && vals.contains(l.get(r.getKey()));
                    case "NotIn" -> !has || !vals.contains(l.get(r.getKey()));
                    case "Exists" -> has;
                    case "DoesNotExist" -> !has;
                    default -> false;
                };
                if (!ok) return false;
            }
        return true;
    }

    public static boolean selectorEmpty(LabelSelector s) {
        return s != null && (s.getMatchLabels() == null || s.getMatchLabels().isEmpty())
                && (s.getMatchExpressions() == null || s.getMatchExpressions().isEmpty());
    }

    static int restarts(Pod p) {
        int n = 0;
        if (p.getStatus() != null && p.getStatus().getContainerStatuses() != null)
            for (ContainerStatus cs : p.getStatus().getContainerStatuses()) n = Math.max(n, cs.getRestartCount() == null ? 0 : cs.getRestartCount());
        return n;
    }

    private static int phaseRank(Pod p) {
        String phase = p.getStatus() == null ? "" : String.valueOf(p.getStatus().getPhase());
        return switch (phase) {
            case "Pending" -> 0;
            case "Running" -> 2;
            default -> 1; // Unknown
        };
    }

    /**
     * The order in which a ReplicaSet deletes surplus pods, first to go first (controller.ActivePodsWithRanks.Less):
     * unassigned before assigned; Pending before Unknown before Running; not ready before ready; pods on nodes that
     * hold more of the controller's pods first (the rank); ready for less time first; more restarts first; newer first.
     */
    public static Comparator<Pod> deletionOrder(Map<String, Integer> podsOnNode) {
        return (a, b) -> {
            boolean sa = a.getSpec().getNodeName() != null && !a.getSpec().getNodeName().isEmpty();
            boolean sb = b.getSpec().getNodeName() != null && !b.getSpec().getNodeName().isEmpty();
            if (sa != sb) return sa ? 1 : -1;
            int pa = phaseRank(a), pb = phaseRank(b);
            if (pa != pb) return Integer.compare(pa, pb);
            boolean ra = isReady(a), rb = isReady(b);
            if (ra != rb) return ra ? 1 : -1;
            int ka = podsOnNode.getOrDefault(String.valueOf(a.getSpec().getNodeName()), 0);
            int kb = podsOnNode.getOrDefault(String.valueOf(b.getSpec().getNodeName()), 0);
            if (ka != kb) return Integer.compare(kb, ka);
            if (ra) {
                Instant ta = readySince(a), tb = readySince(b);
                if (!ta.equals(tb)) return tb.compareTo(ta);
            }
            int xa = restarts(a), xb = restarts(b);
            if (xa != xb) return Integer.compare(xb, xa);
            return created(b).compareTo(created(a));
        };
    }

    private static Instant readySince(Pod p) {
        PodCondition c = condition(p, "Ready");
        Instant t = c == null ? null : parseTime(c.getLastTransitionTime());
        return t == null ? Instant.EPOCH : t;
    }
}
