package io.wharf.controllers;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.NodeConditionBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.TaintBuilder;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.wharf.scheduler.Filters;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Node lifecycle (pkg/controller/nodelifecycle) with the NoExecute taint manager:
 * <ul>
 *   <li>a node whose Lease in kube-node-lease (or Ready heartbeat) has not changed for the grace period (40 s) gets
 *       its conditions set to Unknown ("Kubelet stopped posting node status."), judged by when this controller saw
 *       the renewal change, not by the timestamps written (clock skew);</li>
 *   <li>taints follow the Ready condition: False → {@code node.kubernetes.io/not-ready} NoSchedule + NoExecute,
 *       Unknown → {@code node.kubernetes.io/unreachable} NoSchedule + NoExecute, True → none of these;</li>
 *   <li>pods on a node with NoExecute taints they do not tolerate are deleted at once; tolerated with
 *       tolerationSeconds, they are deleted that long after the taint was added (300 s by the API server's
 *       DefaultTolerationSeconds), with a TaintManagerEviction event.</li>
 * </ul>
 */
public final class NodeLifecycleController extends Controller {
    static final String NOT_READY = "node.kubernetes.io/not-ready";
    static final String UNREACHABLE = "node.kubernetes.io/unreachable";

    private final Informers informers;
    private final ApiWriter writer;
    private final EventRecorder events;
    private final Clock clock;
    private final Duration grace;

    private record Seen(String value, Instant at) {}

    private final Map<String, Seen> heartbeats = new ConcurrentHashMap<>();

    public NodeLifecycleController(Informers informers, ApiWriter writer, Clock clock, Duration grace, int workers) {
        super("node-lifecycle-controller", workers);
        this.informers = informers;
        this.writer = writer;
        this.clock = clock;
        this.grace = grace;
        this.events = new EventRecorder(writer, "node-controller", clock);
        informers.of(Node.class).addEventHandler(enqueueSelf());
        informers.of(Lease.class).addEventHandler(enqueue(l -> "kube-node-lease".equals(l.getMetadata().getNamespace())
                ? List.of(l.getMetadata().getName()) : List.of()));
        informers.of(Pod.class).addEventHandler(enqueue(p -> p.getSpec().getNodeName() == null || p.getSpec().getNodeName().isEmpty()
                ? List.of() : List.of(p.getSpec().getNodeName())));
    }

    @Override
    protected void onStart() {
        informers.list(Node.class).forEach(n -> queue.add(n.getMetadata().getName()));
    }

    @Override
    public void reconcile(String name) {
        Node node = informers.get(Node.class, null, name);
        if (node == null) {
            heartbeats.remove(name);
            return;
        }
        Instant now = clock.instant();
        // the heartbeat: lease renewTime and the Ready condition's lastHeartbeatTime, as values whose change we timestamp
        Lease lease = informers.get(Lease.class, "kube-node-lease", name);
        NodeCondition ready = condition(node, "Ready");
        String beat = (lease == null || lease.getSpec() == null ? "" : String.valueOf(lease.getSpec().getRenewTime()))
                + "|" + (ready == null ? "" : ready.getLastHeartbeatTime() + ready.getStatus());
        Seen seen = heartbeats.compute(name, (k, old) -> old == null || !old.value().equals(beat) ? new Seen(beat, now) : old);
        Instant deadline = seen.at().plus(grace);
        if (now.isAfter(deadline) && ready != null && !"Unknown".equals(ready.getStatus())) {
            node = markUnknown(node, now);
            ready = condition(node, "Ready");
        } else if (!now.isAfter(deadline)) {
            requeueAfter(name, Duration.between(now, deadline).plusMillis(500));
        }
        node = syncTaints(node, ready == null ? "Unknown" : ready.getStatus(), now);
        evict(node, now);
    }

    private static NodeCondition condition(Node n, String type) {
        if (n.getStatus() == null || n.getStatus().getConditions() == null) return null;
        for (NodeCondition c : n.getStatus().getConditions()) if (type.equals(c.getType())) return c;
        return null;
    }

    private Node markUnknown(Node node, Instant now) {
        String ts = now.truncatedTo(ChronoUnit.SECONDS).toString();
        List<NodeCondition> conds = new ArrayList<>();
        for (NodeCondition c : node.getStatus().getConditions()) {
            if ("Unknown".equals(c.getStatus())) {
                conds.add(c);
                continue;
            }
            conds.add(new NodeConditionBuilder(c).withStatus("Unknown").withReason("NodeStatusUnknown")
                    .withMessage("Kubelet stopped posting node status.").withLastTransitionTime(ts).build());
        }
        Node out = writer.updateStatus(new NodeBuilder(node).editStatus().withConditions(conds).endStatus().build());
        events.event(node, EventRecorder.NORMAL, "NodeNotReady", "Node " + node.getMetadata().getName() + " status is now: NodeNotReady");
        return out;
    }

    private Node syncTaints(Node node, String readyStatus, Instant now) {
        List<Taint> current = node.getSpec().getTaints() == null ? List.of() : node.getSpec().getTaints();
        String want = switch (readyStatus) {
            case "True" -> null;
            case "False" -> NOT_READY;
            default -> UNREACHABLE;
        };
        List<Taint> next = new ArrayList<>();
        for (Taint t : current) {
            boolean ours = NOT_READY.equals(t.getKey()) || UNREACHABLE.equals(t.getKey());
            if (!ours || t.getKey().equals(want)) next.add(t);
        }
        if (want != null) {
            String ts = now.truncatedTo(ChronoUnit.SECONDS).toString();
            for (String effect : List.of("NoSchedule", "NoExecute"))
                if (next.stream().noneMatch(t -> want.equals(t.getKey()) && effect.equals(t.getEffect())))
                    next.add(new TaintBuilder().withKey(want).withEffect(effect).withTimeAdded(effect.equals("NoExecute") ? ts : null).build());
        }
        if (next.equals(current)) return node;
        return writer.update(new NodeBuilder(node).editSpec().withTaints(next.isEmpty() ? null : next).endSpec().build());
    }

    /** The NoExecute taint manager: evict at once, or after the smallest tolerationSeconds of the matching tolerations. */
    private void evict(Node node, Instant now) {
        List<Taint> noExec = node.getSpec().getTaints() == null ? List.of()
                : node.getSpec().getTaints().stream().filter(t -> "NoExecute".equals(t.getEffect())).toList();
        if (noExec.isEmpty()) return;
        String name = node.getMetadata().getName();
        Instant next = null;
        for (Pod p : informers.list(Pod.class)) {
            if (!name.equals(p.getSpec().getNodeName()) || p.getMetadata().getDeletionTimestamp() != null) continue;
            List<Toleration> tols = p.getSpec().getTolerations() == null ? List.of() : p.getSpec().getTolerations();
            Instant evictAt = null;
            boolean never = true;
            for (Taint t : noExec) {
                List<Toleration> matching = tols.stream().filter(x -> Filters.tolerates(x, t)).toList();
                if (matching.isEmpty()) {
                    evictAt = now;
                    never = false;
                    break;
                }
                Long secs = matching.stream().map(Toleration::getTolerationSeconds).filter(Objects::nonNull).min(Long::compare).orElse(null);
                if (matching.stream().anyMatch(x -> x.getTolerationSeconds() == null)) secs = null;
                if (secs == null) continue;
                never = false;
                Instant added = Pods.parseTime(t.getTimeAdded());
                Instant at = (added == null ? now : added).plusSeconds(Math.max(0, secs));
                if (evictAt == null || at.isBefore(evictAt)) evictAt = at;
            }
            if (never || evictAt == null) continue;
            if (!evictAt.isAfter(now)) {
                try {
                    events.event(p, EventRecorder.NORMAL, "TaintManagerEviction", "Marking for deletion Pod " + p.getMetadata().getNamespace() + "/" + p.getMetadata().getName());
                    writer.delete(p);
                } catch (KubernetesClientException e) {
                    if (e.getCode() != 404) throw e;
                }
            } else if (next == null || evictAt.isBefore(next)) next = evictAt;
        }
        if (next != null) requeueAfter(name, Duration.between(now, next).plusMillis(200));
    }
}
