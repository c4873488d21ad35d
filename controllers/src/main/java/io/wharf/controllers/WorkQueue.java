package io.wharf.controllers;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A keyed, rate-limited work queue with client-go's workqueue semantics (k8s.io/client-go/util/workqueue):
 * <ul>
 *   <li>a key added several times before a worker takes it is processed once (dedup through the dirty set);</li>
 *   <li>a key is never handed to two workers at once: a key added while it is processing is queued again only when
 *       {@link #done} is called for it;</li>
 *   <li>{@link #addRateLimited} retries with per-key exponential backoff (5 ms doubling up to 1000 s, the
 *       ItemExponentialFailureRateLimiter defaults) until {@link #forget};</li>
 *   <li>{@link #addAfter} keeps only the earliest pending time per key.</li>
 * </ul>
 * Thread-safe; workers are typically virtual threads blocked in {@link #take}.
 */
public final class WorkQueue<K> implements AutoCloseable {
    private final String name;
    private final Duration baseDelay;
    private final Duration maxDelay;
    private final ArrayDeque<K> queue = new ArrayDeque<>();
    private final Set<K> dirty = new HashSet<>();
    private final Set<K> processing = new HashSet<>();
    private final Map<K, Integer> failures = new HashMap<>();
    private final Map<K, Long> waitingUntil = new HashMap<>();
    private final ScheduledExecutorService delayer;
    private boolean shutdown;

    public WorkQueue(String name) {
        this(name, Duration.ofMillis(5), Duration.ofSeconds(1000));
    }

    public WorkQueue(String name, Duration baseDelay, Duration maxDelay) {
        this.name = name;
        this.baseDelay = baseDelay;
        this.maxDelay = maxDelay;
        this.delayer = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("workqueue-" + name + "-delay").factory());
    }

    public String name() { return name; }

    /** Marks the key as needing processing. */
    public synchronized void add(K key) {
        if (shutdown || dirty.contains(key)) return;
        dirty.add(key);
        if (processing.contains(key)) return;
        queue.addLast(key);
        notifyAll();
    }

    /** Adds the key after the delay; a later call with an earlier time wins, a later time is ignored. */
    public void addAfter(K key, Duration delay) {
        if (delay.isZero() || delay.isNegative()) {
            add(key);
            return;
        }
        long readyAt = System.nanoTime() + delay.toNanos();
        synchronized (this) {
            if (shutdown) return;
            Long prev = waitingUntil.get(key);
            if (prev != null && prev - readyAt <= 0) return;
            waitingUntil.put(key, readyAt);
        }
        delayer.schedule(() -> {
            synchronized (this) {
                Long at = waitingUntil.get(key);
                if (at == null || at != readyAt) return;
                waitingUntil.remove(key);
            }
            add(key);
        }, delay.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Adds the key after its next backoff delay: base * 2^failures, capped at the maximum. */
    public void addRateLimited(K key) {
        addAfter(key, nextDelay(key));
    }

    synchronized Duration nextDelay(K key) {
        int n = failures.merge(key, 1, Integer::sum) - 1;
        if (n >= 40) return maxDelay;
        long nanos = baseDelay.toNanos() * (1L << Math.min(n, 40));
        return nanos <= 0 || nanos > maxDelay.toNanos() ? maxDelay : Duration.ofNanos(nanos);
    }

    /** Clears the key's failure count (call after a successful reconcile). */
    public synchronized void forget(K key) { failures.remove(key); }

    public synchronized int numRequeues(K key) { return failures.getOrDefault(key, 0); }

    /** Blocks until a key is available; returns null once the queue is shut down. */
    public synchronized K take() throws InterruptedException {
        while (queue.isEmpty() && !shutdown) wait();
        if (shutdown) return null;
        K key = queue.pollFirst();
        processing.add(key);
        dirty.remove(key);
        return key;
    }

    /** Marks the key processed; if it was added meanwhile it goes back to the queue now. */
    public synchronized void done(K key) {
        processing.remove(key);
        if (dirty.contains(key)) {
            queue.addLast(key);
            notifyAll();
        }
    }

    public synchronized int length() { return queue.size(); }

    public synchronized boolean isShutdown() { return shutdown; }

    @Override
    public void close() {
        synchronized (this) {
            shutdown = true;
            notifyAll();
        }
        delayer.shutdownNow();
    }
}
