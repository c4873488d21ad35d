package io.wharf.scheduler;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirement;
import io.fabric8.kubernetes.api.model.NodeSelectorTerm;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.Toleration;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The filter plugins of the default profile, in its order (NodeUnschedulable, NodeName, TaintToleration,
 * NodeAffinity, NodePorts, NodeResourcesFit); a node is rejected by the first plugin that fails, with that plugin's
 * reason texts (pkg/scheduler/framework/plugins/...). {@code resolvable} says whether preemption could help (only
 * ports and resources), which decides the "preemption:" half of the FailedScheduling message.
 */
public final class Filters {
    private Filters() {}

    public record Failure(List<String> reasons, boolean resolvable) {}

    public static final String UNSCHEDULABLE = "node(s) were unschedulable";
    public static final String NODE_NAME = "node(s) didn't match the requested node name";
    public static final String NODE_AFFINITY = "node(s) didn't match Pod's node affinity/selector";
    public static final String NODE_PORTS = "node(s) didn't have free ports for the requested pod ports";

    /** Null when the pod fits the node. */
    static Failure check(Pod pod, NodeInfo info, Resources podRequests, List<String> podPorts) {
        Node node = info.node;
        List<Toleration> tols = pod.getSpec().getTolerations() == null ? List.of() : pod.getSpec().getTolerations();
        if (Boolean.TRUE.equals(node.getSpec().getUnschedulable())) {
            Taint t = new Taint("NoSchedule", "node.kubernetes.io/unschedulable", null, null);
            if (tols.stream().noneMatch(x -> tolerates(x, t))) return new Failure(List.of(UNSCHEDULABLE), false);
        }
        String wanted = pod.getSpec().getNodeName();
        if (wanted != null && !wanted.isEmpty() && !wanted.equals(node.getMetadata().getName()))
            return new Failure(List.of(NODE_NAME), false);
        if (node.getSpec().getTaints() != null)
            for (Taint t : node.getSpec().getTaints()) {
                if (!"NoSchedule".equals(t.getEffect()) && !"NoExecute".equals(t.getEffect())) continue;
                if (tols.stream().noneMatch(x -> tolerates(x, t)))
                    return new Failure(List.of("node(s) had untolerated taint {" + t.getKey() + ": " + (t.getValue() == null ? "" : t.getValue()) + "}"), false);
            }
        if (!matchesNodeSelectorAndAffinity(pod, node)) return new Failure(List.of(NODE_AFFINITY), false);
        for (String hp : podPorts) if (info.portInUse(hp)) return new Failure(List.of(NODE_PORTS), true);
        List<String> insufficient = new ArrayList<>();
        NodeInfo.Allocatable alloc = info.allocatable;
        if (info.podCount() + 1 > alloc.pods()) insufficient.add("Too many pods");
        Resources req = info.requested;
        if (podRequests.milliCpu() > 0 && req.milliCpu() + podRequests.milliCpu() > alloc.milliCpu())
            insufficient.add("Insufficient cpu");
        if (podRequests.memory() > 0 && req.memory() + podRequests.memory() > alloc.memory())
            insufficient.add("Insufficient memory");
        if (!insufficient.isEmpty()) return new Failure(insufficient, true);
        return null;
    }

    /** v1helper.ToleratesTaint. */
    public static boolean tolerates(Toleration tol, Taint taint) {
        if (tol.getEffect() != null && !tol.getEffect().isEmpty() && !tol.getEffect().equals(taint.getEffect())) return false;
        if (tol.getKey() != null && !tol.getKey().isEmpty() && !tol.getKey().equals(taint.getKey())) return false;
        String op = tol.getOperator() == null || tol.getOperator().isEmpty() ? "Equal" : tol.getOperator();
        if (op.equals("Exists")) return tol.getKey() == null || tol.getKey().isEmpty() || tol.getKey().equals(taint.getKey());
        if (tol.getKey() == null || tol.getKey().isEmpty()) return false;
        String tv = tol.getValue() == null ? "" : tol.getValue(), v = taint.getValue() == null ? "" : taint.getValue();
        return op.equals("Equal") && tv.equals(v);
    }

    /** pod.spec.nodeSelector and requiredDuringSchedulingIgnoredDuringExecution (terms ORed, requirements ANDed). */
    static boolean matchesNodeSelectorAndAffinity(Pod pod, Node node) {
        Map<String, String> labels = node.getMetadata().getLabels() == null ? Map.of() : node.getMetadata().getLabels();
        if (pod.getSpec().getNodeSelector() != null)
            for (var e : pod.getSpec().getNodeSelector().entrySet()) if (!e.getValue().equals(labels.get(e.getKey()))) return false;
        var aff = pod.getSpec().getAffinity();
        if (aff == null || aff.getNodeAffinity() == null || aff.getNodeAffinity().getRequiredDuringSchedulingIgnoredDuringExecution() == null) return true;
        List<NodeSelectorTerm> terms = aff.getNodeAffinity().getRequiredDuringSchedulingIgnoredDuringExecution().getNodeSelectorTerms();
        if (terms == null || terms.isEmpty()) return false;
        for (NodeSelectorTerm t : terms) if (termMatches(t, node)) return true;
        return false;
    }

    static boolean termMatches(NodeSelectorTerm t, Node node) {
        boolean any = false;
        Map<String, String> labels = node.getMetadata().getLabels() == null ? Map.of() : node.getMetadata().getLabels();
        if (t.getMatchExpressions() != null)
            for (NodeSelectorRequirement r : t.getMatchExpressions()) {
                any = true;
                if (!requirement(r, labels.get(r.getKey()), labels.containsKey(r.getKey()))) return false;
            }
        if (t.getMatchFields() != null)
            for (NodeSelectorRequirement r : t.getMatchFields()) {
                any = true;
                if (!"metadata.name".equals(r.getKey())) return false;
                if (!requirement(r, node.getMetadata().getName(), true)) return false;
            }
        return any; // an empty term matches no objects
    }

    private static boolean requirement(NodeSelectorRequirement r, String value, boolean has) {
        List<String> vals = r.getValues() == null ? List.of() : r.getValues();
        return switch (r.getOperator()) {
            case "In" -> has && vals.contains(value);
            case "NotIn" -> !has || !vals.contains(value);
            case "Exists" -> has;
            case "DoesNotExist" -> !has;
            case "Gt", "Lt" -> {
                if (!has || vals.size() != 1) yield false;
                try {
                    long v = Long.parseLong(value), w = Long.parseLong(vals.getFirst());
                    yield r.getOperator().equals("Gt") ? v > w : v < w;
                } catch (NumberFormatException e) {
                    yield false;
                }
            }
            default -> false;
        };
    }
}
