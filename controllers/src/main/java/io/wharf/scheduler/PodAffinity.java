package io.wharf.scheduler;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodAffinityTerm;
import io.wharf.controllers.Pods;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The InterPodAffinity filter (required terms only): the pod's podAffinity terms need a matching pod in the node's
 * topology domain (a term matching the pod itself passes when no pod matches anywhere: the first of a group); its
 * podAntiAffinity terms forbid domains holding a matching pod; and existing pods' anti-affinity terms that match the
 * incoming pod forbid their domains. Computed once per scheduling cycle from the placed pods.
 */
final class PodAffinity {
    static final String AFFINITY = "node(s) didn't match pod affinity rules";
    static final String ANTI_AFFINITY = "node(s) didn't match pod anti-affinity rules";
    static final String EXISTING_ANTI_AFFINITY = "node(s) didn't satisfy existing pods anti-affinity rules";

    private record Domain(String key, String value) {}

    private final List<PodAffinityTerm> affinity;
    private final List<Set<Domain>> affinityDomains = new ArrayList<>();
    private final List<Boolean> affinitySelfMatch = new ArrayList<>();
    private final Set<Domain> antiDomains = new HashSet<>();
    private final Set<Domain> existingAntiDomains = new HashSet<>();
    private final boolean active;

    private PodAffinity(Pod pod, Iterable<NodeInfo> nodes, boolean existingAntiAffinity) {
        var aff = pod.getSpec().getAffinity();
        affinity = aff == null || aff.getPodAffinity() == null || aff.getPodAffinity().getRequiredDuringSchedulingIgnoredDuringExecution() == null
                ? List.of() : aff.getPodAffinity().getRequiredDuringSchedulingIgnoredDuringExecution();
        List<PodAffinityTerm> anti = aff == null || aff.getPodAntiAffinity() == null || aff.getPodAntiAffinity().getRequiredDuringSchedulingIgnoredDuringExecution() == null
                ? List.of() : aff.getPodAntiAffinity().getRequiredDuringSchedulingIgnoredDuringExecution();
        for (PodAffinityTerm t : affinity) {
            affinityDomains.add(new HashSet<>());
            affinitySelfMatch.add(matches(t, pod, pod));
        }
        boolean any = !affinity.isEmpty() || !anti.isEmpty();
        boolean own = any; // with no terms of its own the pod only needs the (few) pods with anti-affinity
        // and with none of those placed anywhere there is nothing to look at (the common case: no walk of every node)
        for (NodeInfo ni : own || existingAntiAffinity ? nodes : List.<NodeInfo>of()) {
            if (ni.node == null) continue;
            Map<String, String> labels = labels(ni.node);
            for (Pod q : own ? ni.podList() : ni.antiAffinityPodList()) {
                for (int i = 0; i < affinity.size(); i++) {
                    PodAffinityTerm t = affinity.get(i);
                    if (labels.containsKey(t.getTopologyKey()) && matches(t, pod, q))
                        affinityDomains.get(i).add(new Domain(t.getTopologyKey(), labels.get(t.getTopologyKey())));
                }
                for (PodAffinityTerm t : anti)
                    if (labels.containsKey(t.getTopologyKey()) && matches(t, pod, q)) antiDomains.add(new Domain(t.getTopologyKey(), labels.get(t.getTopologyKey())));
                var qa = q.getSpec().getAffinity();
                if (qa != null && qa.getPodAntiAffinity() != null && qa.getPodAntiAffinity().getRequiredDuringSchedulingIgnoredDuringExecution() != null)
                    for (PodAffinityTerm t : qa.getPodAntiAffinity().getRequiredDuringSchedulingIgnoredDuringExecution())
                        if (labels.containsKey(t.getTopologyKey()) && matches(t, q, pod)) {
                            existingAntiDomains.add(new Domain(t.getTopologyKey(), labels.get(t.getTopologyKey())));
                            any = true;
                        }
            }
        }
        active = any;
    }

    static PodAffinity of(Pod pod, Iterable<NodeInfo> nodes) { return new PodAffinity(pod, nodes, true); }

    /** As {@link #of(Pod, Iterable)}; {@code existingAntiAffinity} false says no placed pod has required anti-affinity. */
    static PodAffinity of(Pod pod, Iterable<NodeInfo> nodes, boolean existingAntiAffinity) { return new PodAffinity(pod, nodes, existingAntiAffinity); }

    /** A term of {@code owner} selects {@code candidate}: its namespaces (default the owner's) and label selector. */
    private static boolean matches(PodAffinityTerm t, Pod owner, Pod candidate) {
        List<String> nss = t.getNamespaces() == null || t.getNamespaces().isEmpty() ? List.of(owner.getMetadata().getNamespace()) : t.getNamespaces();
        if (t.getNamespaceSelector() == null && !nss.contains(candidate.getMetadata().getNamespace())) return false;
        return t.getLabelSelector() != null && Pods.matches(t.getLabelSelector(), candidate.getMetadata().getLabels());
    }

    private static Map<String, String> labels(Node n) {
        return n.getMetadata().getLabels() == null ? Map.of() : n.getMetadata().getLabels();
    }

    /** The failure reason for the node, or null. */
    Filters.Failure check(Node node) {
        if (!active) return null;
        Map<String, String> labels = labels(node);
        for (Domain d : existingAntiDomains)
            if (d.value().equals(labels.get(d.key()))) return new Filters.Failure(List.of(EXISTING_ANTI_AFFINITY), true);
        for (int i = 0; i < affinity.size(); i++) {
            PodAffinityTerm t = affinity.get(i);
            Set<Domain> ds = affinityDomains.get(i);
            String v = labels.get(t.getTopologyKey());
            if (v == null) return new Filters.Failure(List.of(AFFINITY), false);
            if (ds.isEmpty() && affinitySelfMatch.get(i)) continue; // the first pod of a self-affine group
            if (!ds.contains(new Domain(t.getTopologyKey(), v))) return new Filters.Failure(List.of(AFFINITY), false);
        }
        for (Domain d : antiDomains)
            if (d.value().equals(labels.get(d.key()))) return new Filters.Failure(List.of(ANTI_AFFINITY), true);
        return null;
    }
}
