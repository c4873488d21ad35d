package io.wharf.scheduler;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PreferredSchedulingTerm;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.wharf.controllers.ApiWriter;
import io.wharf.controllers.EventRecorder;
import io.wharf.controllers.Informers;
import io.wharf.controllers.Pods;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The scheduler (kube-scheduler's default profile, reduced): a priority queue of pending pods (higher
 * spec.priority first, then oldest), per-pod exponential backoff (1 s doubling to 10 s), unschedulable pods parked
 * until a node or pod changes (or 60 s pass; released by a node addition they wait {@link #NODE_ADD_SETTLE} so that
 * nodes joining together share them); {@link Filters} then scores (NodeResourcesFit least-allocated,
 * balanced allocation, preferred node affinity, PreferNoSchedule taints, spreading a controller's pods over nodes)
 * with the default plugin weights; the pod is assumed on the chosen node and bound through {@code pods/binding}.
 * A pod that fits nowhere gets a FailedScheduling event and a PodScheduled=False condition with Kubernetes' message.
 * Only pods whose schedulerName is empty or "default-scheduler" are considered.
 */
public final class Scheduler implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Scheduler.class);
    public static final String NAME = "default-scheduler";
    static final Duration INITIAL_BACKOFF = Duration.ofSeconds(1);
    static final Duration MAX_BACKOFF = Duration.ofSeconds(10);
    static final Duration UNSCHEDULABLE_FLUSH = Duration.ofSeconds(60);
    /**
     * Parked pods released by a Node being added wait this long after the last addition (at most
     * {@link #NODE_ADD_SETTLE_MAX} after the first), so that nodes registering together (a node pool booting, the
     * node simulator) share the pending pods: released at once, every pod would go to the first node seen, as the
     * only feasible one. Kubernetes gets much the same from its 1 s initial backoff and slower kubelet registration.
     */
    static final Duration NODE_ADD_SETTLE = Duration.ofMillis(500);
    static final Duration NODE_ADD_SETTLE_MAX = Duration.ofSeconds(3);

    private final Informers informers;
    private final ApiWriter writer;
    private final EventRecorder events;
    private final Clock clock;

    private record Entry(String key, int priority, long seq) {}

    private final PriorityQueue<Entry> active = new PriorityQueue<>((a, b) -> a.priority != b.priority
            ? Integer.compare(b.priority, a.priority) : Long.compare(a.seq, b.seq));
    private final Map<String, Entry> inActive = new HashMap<>();
    private final Map<String, Integer> attempts = new HashMap<>();
    private final Map<String, Long> backoffUntil = new HashMap<>();
    private final Map<String, Long> unschedulable = new HashMap<>();
    private long seq;
    private boolean closed;
    /** Keys released by a node addition, held until {@link #settleUntil} (System.nanoTime). */
    private final java.util.Set<String> settling = new java.util.HashSet<>();
    private long settleUntil, settleStart;

    /** By node name, sorted: the round-robin start index of numFeasibleNodesToFind needs a stable order. */
    private final Map<String, NodeInfo> nodes = new java.util.concurrent.ConcurrentSkipListMap<>();
    /** pod uid -> node, for pods bound by us and not yet seen bound in the informer (the "assumed" cache). */
    private final Map<String, String> assumed = new ConcurrentHashMap<>();
    /** pod uid -> node it is counted on. */
    private final Map<String, String> placed = new ConcurrentHashMap<>();
    /** Binds in flight at once: thousands of concurrent POSTs only queue up in the API server. */
    private final java.util.concurrent.Semaphore binds = new java.util.concurrent.Semaphore(Integer.getInteger("wharf.scheduler.binds", 16));
    private Thread loop;
    private Thread timer;
    /** Placed pods with required anti-affinity terms (every incoming pod must respect them): usually none. */
    private final java.util.concurrent.atomic.AtomicInteger antiAffinityPods = new java.util.concurrent.atomic.AtomicInteger();

    private NodeInfo newNodeInfo() { return new NodeInfo(antiAffinityPods); }

    public Scheduler(Informers informers, ApiWriter writer, Clock clock) {
        this.informers = informers;
        this.writer = writer;
        this.clock = clock;
        // Scheduled / FailedScheduling events go through a queue of their own (client-go's broadcaster: 1000 queued,
        // the rest dropped), so that a burst of binds is not slowed by, nor doubled in API writes by, its events
        this.events = EventRecorder.async(writer, NAME, clock, 1000);
        informers.of(Node.class).addEventHandler(new ResourceEventHandler<>() {
            @Override public void onAdd(Node n) {
                nodes.computeIfAbsent(n.getMetadata().getName(), k -> newNodeInfo()).setNode(n);
                nodeAdded();
            }
            @Override public void onUpdate(Node a, Node b) {
                nodes.computeIfAbsent(b.getMetadata().getName(), k -> newNodeInfo()).setNode(b);
                if (!Objects.equals(a.getMetadata().getLabels(), b.getMetadata().getLabels()) || !Objects.equals(a.getSpec(), b.getSpec())
                        || !Objects.equals(allocatable(a), allocatable(b))) moveAllToActive();
            }
            @Override public void onDelete(Node n, boolean unknown) {
                nodes.remove(n.getMetadata().getName());
            }
        });
        informers.of(Pod.class).addEventHandler(new ResourceEventHandler<>() {
            @Override public void onAdd(Pod p) { podChanged(p); }
            @Override public void onUpdate(Pod a, Pod b) { podChanged(b); }
            @Override public void onDelete(Pod p, boolean unknown) {
                unplace(p.getMetadata().getUid());
                forget(key(p));
                moveAllToActive();
            }
        });
    }

    /** A node's allocatable map, null while it has no status (just created, before the kubelet's first report). */
    private static Object allocatable(Node n) { return n.getStatus() == null ? null : n.getStatus().getAllocatable(); }

    static String key(Pod p) { return p.getMetadata().getNamespace() + "/" + p.getMetadata().getName(); }

    private static boolean assigned(Pod p) { return p.getSpec().getNodeName() != null && !p.getSpec().getNodeName().isEmpty(); }

    private static boolean terminal(Pod p) {
        String ph = p.getStatus() == null ? null : p.getStatus().getPhase();
        return "Succeeded".equals(ph) || "Failed".equals(ph);
    }

    static boolean responsible(Pod p) {
        String s = p.getSpec().getSchedulerName();
        return s == null || s.isEmpty() || s.equals(NAME);
    }

    private void podChanged(Pod p) {
        String uid = p.getMetadata().getUid();
        if (assigned(p)) {
            assumed.remove(uid);
            forget(key(p));
            if (terminal(p)) {
                unplace(uid);
                moveAllToActive();
            } else place(p, p.getSpec().getNodeName());
            return;
        }
        if (assumed.containsKey(uid)) return; // bound by us, the informer has not caught up
        if (p.getMetadata().getDeletionTimestamp() != null || terminal(p) || !responsible(p)) return;
        enqueue(key(p), p.getSpec().getPriority() == null ? 0 : p.getSpec().getPriority(), false);
    }

    private void place(Pod p, String node) {
        String uid = p.getMetadata().getUid();
        String prev = placed.put(uid, node);
        if (prev != null && !prev.equals(node)) {
            NodeInfo old = nodes.get(prev);
            if (old != null) old.remove(uid);
        }
        nodes.computeIfAbsent(node, k -> newNodeInfo()).add(p);
    }

    private void unplace(String uid) {
        String node = placed.remove(uid);
        assumed.remove(uid);
        if (node != null) {
            NodeInfo ni = nodes.get(node);
            if (ni != null) ni.remove(uid);
        }
    }

    private synchronized void enqueue(String key, int priority, boolean force) {
        if (closed || inActive.containsKey(key)) return;
        if (!force && unschedulable.containsKey(key)) return;
        unschedulable.remove(key);
        Entry e = new Entry(key, priority, seq++);
        inActive.put(key, e);
        active.add(e);
        notifyAll();
    }

    private synchronized void forget(String key) {
        Entry e = inActive.remove(key);
        if (e != null) active.remove(e);
        unschedulable.remove(key);
        attempts.remove(key);
        backoffUntil.remove(key);
        settling.remove(key);
    }

    /** A cluster change may make parked pods schedulable: back to the active queue (their backoff still applies). */
    private synchronized void moveAllToActive() {
        if (unschedulable.isEmpty()) return;
        for (String k : new ArrayList<>(unschedulable.keySet())) {
            Pod p = informers.get(Pod.class, k);
            unschedulable.remove(k);
            if (p != null) enqueue(k, p.getSpec().getPriority() == null ? 0 : p.getSpec().getPriority(), true);
        }
    }

    /** moveAllToActive, with the released pods held for the settle window (opened or extended here). */
    private synchronized void nodeAdded() {
        long now = System.nanoTime();
        if (settling.isEmpty() || now - settleUntil > 0) settleStart = now;
        settleUntil = Math.min(now + NODE_ADD_SETTLE.toNanos(), settleStart + NODE_ADD_SETTLE_MAX.toNanos());
        settling.addAll(unschedulable.keySet());
        moveAllToActive();
    }

    private synchronized Entry next() throws InterruptedException {
        while (!closed) {
            long now = System.nanoTime();
            Entry ready = null;
            long wait = Long.MAX_VALUE;
            List<Entry> deferred = new ArrayList<>();
            while (!active.isEmpty()) {
                Entry e = active.poll();
                Long until = backoffUntil.get(e.key);
                if (settling.contains(e.key)) {
                    if (settleUntil - now > 0) until = until == null || settleUntil - until > 0 ? settleUntil : until;
                    else settling.remove(e.key);
                }
                if (until != null && until - now > 0) {
                    deferred.add(e);
                    wait = Math.min(wait, until - now);
                    continue;
                }
                ready = e;
                break;
            }
            active.addAll(deferred);
            if (ready != null) {
                inActive.remove(ready.key);
                return ready;
            }
            if (wait == Long.MAX_VALUE) wait();
            else wait(Math.max(1, wait / 1_000_000), 0);
        }
        return null;
    }

    public void start() {
        for (Node n : informers.list(Node.class)) nodes.computeIfAbsent(n.getMetadata().getName(), k -> newNodeInfo()).setNode(n);
        for (Pod p : informers.list(Pod.class)) podChanged(p);
        loop = Thread.ofPlatform().name("scheduler").daemon().start(this::run);
        timer = Thread.ofVirtual().name("scheduler-flush").start(() -> {
            while (!closed) {
                try {
                    Thread.sleep(5000);
                } catch (InterruptedException e) {
                    return;
                }
                flushOld();
            }
        });
    }

    private synchronized void flushOld() {
        long now = System.nanoTime();
        for (var e : new ArrayList<>(unschedulable.entrySet()))
            if (now - e.getValue() > UNSCHEDULABLE_FLUSH.toNanos()) {
                unschedulable.remove(e.getKey());
                Pod p = informers.get(Pod.class, e.getKey());
                if (p != null) enqueue(e.getKey(), p.getSpec().getPriority() == null ? 0 : p.getSpec().getPriority(), true);
            }
    }

    private void run() {
        while (true) {
            Entry e;
            try {
                e = next();
            } catch (InterruptedException ex) {
                return;
            }
            if (e == null) return;
            Pod p = informers.get(Pod.class, e.key);
            if (p == null || assigned(p) || p.getMetadata().getDeletionTimestamp() != null || terminal(p) || !responsible(p)
                    || assumed.containsKey(p.getMetadata().getUid())) continue;
            try {
                scheduleOne(p);
            } catch (RuntimeException ex) {
                log.warn("scheduling {} failed: {}", e.key, ex.toString());
                backoff(e.key, true);
            }
        }
    }

    private synchronized void backoff(String key, boolean requeue) {
        int n = attempts.merge(key, 1, Integer::sum);
        long d = Math.min(INITIAL_BACKOFF.toNanos() << Math.min(n - 1, 20), MAX_BACKOFF.toNanos());
        backoffUntil.put(key, System.nanoTime() + d);
        if (requeue) {
            Pod p = informers.get(Pod.class, key);
            if (p != null) enqueue(key, p.getSpec().getPriority() == null ? 0 : p.getSpec().getPriority(), true);
        } else unschedulable.put(key, System.nanoTime());
        notifyAll();
    }

    /** The outcome of one scheduling cycle, for tests: the node chosen, or the FailedScheduling message. */
    public record Decision(String node, String message) {}

    /** Nodes this scheduler's cache holds (fed by the informer's handlers, which may trail the informer's store). */
    int knownNodes() {
        int n = 0;
        for (NodeInfo ni : nodes.values()) if (ni.node != null) n++;
        return n;
    }

    /** Runs filters and scores for the pod and returns the decision without writing anything. */
    public Decision decide(Pod pod) {
        List<NodeInfo> all = new ArrayList<>();
        for (NodeInfo ni : nodes.values()) if (ni.node != null && ni.node.getMetadata().getDeletionTimestamp() == null) all.add(ni);
        if (all.isEmpty()) return new Decision(null, "no nodes available to schedule pods");
        Resources req = Resources.requests(pod);
        List<String> ports = NodeInfo.hostPorts(pod);
        List<NodeInfo> feasible = new ArrayList<>();
        Map<String, Integer> reasons = new TreeMap<>();
        int notHelpful = 0, noVictims = 0;
        // percentageOfNodesToScore: on big clusters stop once enough feasible nodes are found, starting where the
        // previous cycle stopped so that every node gets its turn (schedule_one.go numFeasibleNodesToFind)
        int want = numFeasibleNodesToFind(all.size());
        PodAffinity podAffinity = PodAffinity.of(pod, all, antiAffinityPods.get() > 0);
        int start = Math.floorMod(nextStartNodeIndex, all.size());
        int evaluated = 0;
        for (int idx = 0; idx < all.size() && feasible.size() < want; idx++) {
            NodeInfo ni = all.get((start + idx) % all.size());
            evaluated++;
            Filters.Failure f = Filters.check(pod, ni, req, ports);
            if (f == null) f = podAffinity.check(ni.node); // InterPodAffinity runs after the per-node filters
            if (f == null) {
                feasible.add(ni);
                continue;
            }
            for (String r : f.reasons()) reasons.merge(r, 1, Integer::sum);
            if (f.resolvable()) noVictims++;
            else notHelpful++;
        }
        nextStartNodeIndex = start + evaluated;
        if (feasible.isEmpty()) return new Decision(null, fitError(all.size(), reasons, notHelpful, noVictims));
        return new Decision(select(pod, feasible).node.getMetadata().getName(), null);
    }

    private int nextStartNodeIndex;

    /** 100 nodes minimum; above that 50% - nodes/125 (at least 5%) of them. */
    static int numFeasibleNodesToFind(int nodes) {
        if (nodes < 100) return nodes;
        int pct = Math.max(5, 50 - nodes / 125);
        return Math.max(100, nodes * pct / 100);
    }

    /**
     * framework.FitError.Error(): "0/N nodes are available: " + the reasons histogram ("count reason", sorted as
     * strings, joined with ", ") + "." and the preemption post-filter's own histogram.
     */
    static String fitError(int nodes, Map<String, Integer> reasons, int notHelpful, int noVictims) {
        List<String> parts = new ArrayList<>();
        reasons.forEach((r, n) -> parts.add(n + " " + r));
        parts.sort(null);
        List<String> pre = new ArrayList<>();
        if (noVictims > 0) pre.add(noVictims + " No preemption victims found for incoming pod");
        if (notHelpful > 0) pre.add(notHelpful + " Preemption is not helpful for scheduling");
        pre.sort(null);
        return "0/" + nodes + " nodes are available: " + String.join(", ", parts) + ". preemption: 0/" + nodes
                + " nodes are available: " + String.join(", ", pre) + ".";
    }

    private NodeInfo select(Pod pod, List<NodeInfo> feasible) {
        if (feasible.size() == 1) return feasible.getFirst();
        Resources nz = Resources.nonZeroRequests(pod);
        var ref = Pods.controllerRef(pod);
        String owner = ref == null ? null : ref.getUid();
        int n = feasible.size();
        double[] fit = new double[n], balanced = new double[n], affinity = new double[n], taints = new double[n], spread = new double[n];
        for (int i = 0; i < n; i++) {
            NodeInfo ni = feasible.get(i);
            NodeInfo.Allocatable alloc = ni.allocatable;
            long cpuCap = alloc.milliCpu(), memCap = alloc.memory();
            Resources used = ni.nonZeroRequested.plus(nz);
            double cpuFree = cpuCap == 0 ? 0 : Math.max(0, (cpuCap - used.milliCpu()) * 100.0 / cpuCap);
            double memFree = memCap == 0 ? 0 : Math.max(0, (memCap - used.memory()) * 100.0 / memCap);
            fit[i] = (cpuFree + memFree) / 2;
            double fc = cpuCap == 0 ? 1 : Math.min(1, (double) used.milliCpu() / cpuCap);
            double fm = memCap == 0 ? 1 : Math.min(1, (double) used.memory() / memCap);
            balanced[i] = (1 - Math.abs(fc - fm) / 2) * 100;
            affinity[i] = preferredAffinity(pod, ni.node);
            taints[i] = intolerablePreferNoSchedule(pod, ni.node);
            spread[i] = ni.podsOwnedBy(owner);
        }
        normalize(affinity, false);
        normalize(taints, true);
        normalize(spread, true);
        double best = -1;
        List<NodeInfo> top = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            // default plugin weights: TaintToleration 3, NodeAffinity 2, PodTopologySpread 2, Fit 1, Balanced 1
            double s = fit[i] + balanced[i] + 2 * affinity[i] + 3 * taints[i] + 2 * spread[i];
            s = Math.floor(s);
            if (s > best) {
                best = s;
                top.clear();
            }
            if (s == best) top.add(feasible.get(i));
        }
        return top.get(ThreadLocalRandom.current().nextInt(top.size()));
    }

    /** Scales raw values to 0..100 (reverse: fewer is better), as DefaultNormalizeScore. */
    private static void normalize(double[] v, boolean reverse) {
        double max = 0;
        for (double x : v) max = Math.max(max, x);
        for (int i = 0; i < v.length; i++) {
            if (max == 0) v[i] = reverse ? 100 : 0;
            else v[i] = reverse ? 100 - v[i] * 100 / max : v[i] * 100 / max;
        }
    }

    private static double preferredAffinity(Pod pod, Node node) {
        var aff = pod.getSpec().getAffinity();
        if (aff == null || aff.getNodeAffinity() == null || aff.getNodeAffinity().getPreferredDuringSchedulingIgnoredDuringExecution() == null) return 0;
        double s = 0;
        for (PreferredSchedulingTerm t : aff.getNodeAffinity().getPreferredDuringSchedulingIgnoredDuringExecution())
            if (t.getPreference() != null && Filters.termMatches(t.getPreference(), node)) s += t.getWeight() == null ? 0 : t.getWeight();
        return s;
    }

    private static double intolerablePreferNoSchedule(Pod pod, Node node) {
        if (node.getSpec().getTaints() == null) return 0;
        List<Toleration> tols = pod.getSpec().getTolerations() == null ? List.of() : pod.getSpec().getTolerations();
        int n = 0;
        for (Taint t : node.getSpec().getTaints())
            if ("PreferNoSchedule".equals(t.getEffect()) && tols.stream().noneMatch(x -> Filters.tolerates(x, t))) n++;
        return n;
    }

    private void scheduleOne(Pod pod) {
        String key = key(pod);
        Decision d = decide(pod);
        if (d.node() == null) {
            backoff(key, false); // parked first: the status write below must not bring it straight back
            recordFailure(pod, d.message());
            return;
        }
        String uid = pod.getMetadata().getUid();
        assumed.put(uid, d.node());
        place(pod, d.node());
        // bind off the scheduling loop, as kube-scheduler's binding cycle does
        Thread.ofVirtual().name("bind-" + pod.getMetadata().getName()).start(() -> {
            try {
                binds.acquireUninterruptibly();
                try {
                    writer.bind(pod, d.node());
                } finally {
                    binds.release();
                }
                events.event(pod, EventRecorder.NORMAL, "Scheduled", "Successfully assigned " + key + " to " + d.node());
                synchronized (this) {
                    attempts.remove(key);
                    backoffUntil.remove(key);
                }
            } catch (KubernetesClientException e) {
                unplace(uid);
                if (e.getCode() == 404) return;
                log.info("binding {} to {} failed: {}", key, d.node(), e.getMessage());
                backoff(key, true);
            }
        });
    }

    private void recordFailure(Pod pod, String message) {
        events.event(pod, EventRecorder.WARNING, "FailedScheduling", message);
        PodCondition cur = Pods.condition(pod, "PodScheduled");
        if (cur != null && "False".equals(cur.getStatus()) && message.equals(cur.getMessage())) return;
        String ts = clock.instant().truncatedTo(ChronoUnit.SECONDS).toString();
        List<PodCondition> conds = new ArrayList<>();
        if (pod.getStatus() != null && pod.getStatus().getConditions() != null)
            for (PodCondition c : pod.getStatus().getConditions()) if (!"PodScheduled".equals(c.getType())) conds.add(c);
        conds.add(new PodConditionBuilder().withType("PodScheduled").withStatus("False").withReason("Unschedulable").withMessage(message)
                .withLastTransitionTime(cur != null && "False".equals(cur.getStatus()) ? cur.getLastTransitionTime() : ts).build());
        try {
            writer.updateStatus(new PodBuilder(pod).editOrNewStatus().withPhase("Pending").withConditions(conds).endStatus().build());
        } catch (KubernetesClientException e) {
            log.debug("could not write PodScheduled for {}: {}", key(pod), e.getMessage());
        }
    }

    @Override
    public void close() {
        synchronized (this) {
            closed = true;
            notifyAll();
        }
        if (loop != null) loop.interrupt();
        if (timer != null) timer.interrupt();
        events.close();
    }
}
