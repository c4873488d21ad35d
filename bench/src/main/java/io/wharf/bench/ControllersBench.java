package io.wharf.bench;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.wharf.controllers.ControllerManager;

import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The Java half of bench/controllers.sh (issue 6, "Speed"), run with the source launcher on bin/wharf's classpath
 * (or from the bench jar):
 * <ul>
 *   <li>{@code create-pods KUBECONFIG NS COUNT [CONCURRENCY]}: creates COUNT bare pods (no requests, as
 *       {@code kubectl create deploy} makes them) in NS through the API, CONCURRENCY at a time; prints the rate.</li>
 *   <li>{@code run-cm KUBECONFIG EXPECT}: runs Wharf's ControllerManager (all controllers and the scheduler) in this
 *       process, against a server started with {@code -Dwharf.controllers=none}; prints "SCHED ..." once EXPECT pods
 *       are seen bound (from the first bind request: the scheduling rate; from process start: with the informers'
 *       initial list); then keeps running until killed, so that the script can
 *       read this process's RSS with the pods in its caches.</li>
 * </ul>
 */
public final class ControllersBench {
    private ControllersBench() {}

    public static void main(String[] args) throws Exception {
        switch (args.length == 0 ? "" : args[0]) {
            case "create-pods" -> createPods(Path.of(args[1]), args[2], Integer.parseInt(args[3]), args.length > 4 ? Integer.parseInt(args[4]) : 32);
            case "run-cm" -> runCm(Path.of(args[1]), Integer.parseInt(args[2]));
            default -> {
                System.err.println("usage: ControllersBench create-pods KUBECONFIG NS COUNT [CONCURRENCY] | run-cm KUBECONFIG EXPECT");
                System.exit(2);
            }
        }
    }

    static void createPods(Path kubeconfig, String ns, int count, int concurrency) throws Exception {
        try (KubernetesClient client = ControllerManager.client(kubeconfig)) {
            if (client.namespaces().withName(ns).get() == null)
                client.resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build()).create();
            Semaphore slots = new Semaphore(concurrency);
            CountDownLatch done = new CountDownLatch(count);
            AtomicInteger failed = new AtomicInteger();
            long t0 = System.nanoTime();
            for (int i = 0; i < count; i++) {
                slots.acquire();
                Pod p = new PodBuilder().withNewMetadata().withName("p-" + i).withNamespace(ns).addToLabels("app", "sched-bench").endMetadata()
                        .withNewSpec().addNewContainer().withName("c").withImage("nginx:alpine").endContainer().endSpec().build();
                Thread.ofVirtual().start(() -> {
                    try {
                        for (int attempt = 1; ; attempt++) {
                            try {
                                client.resource(p).create();
                                break;
                            } catch (RuntimeException e) {
                                if (attempt >= 3) throw e;
                            }
                        }
                    } catch (RuntimeException e) {
                        if (failed.incrementAndGet() <= 3) System.err.println("create " + p.getMetadata().getName() + ": " + e);
                    } finally {
                        slots.release();
                        done.countDown();
                    }
                });
            }
            done.await();
            double s = (System.nanoTime() - t0) / 1e9;
            System.out.printf("CREATE %d pods in %.1f s = %.0f pods/s (%d failed, %d concurrent)%n", count, s, count / s, failed.get(), concurrency);
            if (failed.get() > 0) System.exit(1);
        }
    }

    static void runCm(Path kubeconfig, int expect) throws Exception {
        long t0 = System.nanoTime();
        AtomicLong first = new AtomicLong(), last = new AtomicLong(), lastRequest = new AtomicLong();
        AtomicInteger requests = new AtomicInteger();
        CountDownLatch all = new CountDownLatch(1);
        // inside `wharf server` the controllers share the JVM with the API server, which installs its heap governor
        // (a full collection when the old generation doubles) for the whole process: the same here, so that this
        // process's RSS is the controllers' share of what `wharf server` would hold
        io.wharf.apiserver.HeapGovernor.installOnce();
        ControllerManager cm = ControllerManager.fromKubeconfig(kubeconfig, ControllerManager.Options.defaults());
        // the start: the scheduler's first bind request (the writer's hook sees each bind as it is sent)
        cm.writer().onWrite(w -> {
            if (!w.verb().equals("bind")) return;
            long now = System.nanoTime();
            first.compareAndSet(0, now);
            if (requests.incrementAndGet() == expect) lastRequest.set(now);
        });
        Runtime.getRuntime().addShutdownHook(new Thread(cm::close));
        cm.start();
        double startS = (System.nanoTime() - t0) / 1e9;
        System.out.printf("CM started (caches synced) in %.1f s%n", startS);
        System.out.flush();
        // the end: the EXPECT-th pod seen bound by the controllers' own pod informer (bind done, its watch event
        // delivered); a handler on the shared informer adds no cache of its own, so the RSS below stays the manager's
        Set<String> bound = ConcurrentHashMap.newKeySet();
        cm.informers().of(Pod.class).addEventHandler(new ResourceEventHandler<>() {
            private void seen(Pod p) {
                if (p.getSpec().getNodeName() == null || p.getSpec().getNodeName().isEmpty()) return;
                if (bound.add(p.getMetadata().getUid()) && bound.size() == expect) {
                    last.set(System.nanoTime());
                    all.countDown();
                }
            }
            @Override public void onAdd(Pod p) { seen(p); }
            @Override public void onUpdate(Pod a, Pod b) { seen(b); }
            @Override public void onDelete(Pod p, boolean unknown) {}
        });
        all.await();
        double pure = (last.get() - first.get()) / 1e9, whole = (last.get() - t0) / 1e9;
        System.out.printf("SCHED %d pods bound: %.2f s from first bind request to last bind seen = %.0f pods/s; %.2f s from process start (incl. informer sync) = %.0f pods/s%n",
                expect, pure, expect / Math.max(pure, 1e-9), whole, expect / whole);
        if (lastRequest.get() != 0)
            System.out.printf("SCHED the scheduling loop issued its %d bind requests in %.2f s (%.0f decisions/s; %d requests in all, retries included)%n",
                    expect, (lastRequest.get() - first.get()) / 1e9, expect / Math.max((lastRequest.get() - first.get()) / 1e9, 1e-9), requests.get());
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
