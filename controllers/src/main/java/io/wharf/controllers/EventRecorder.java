package io.wharf.controllers;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes core/v1 Events the way client-go's record.EventRecorder does: name {@code <object>.<hex nanos>}, source
 * component, involvedObject, and identical repeats (same object, type, reason, message) folded into one Event whose
 * count and lastTimestamp grow ({@code kubectl describe} prints "(x3 over 2m)"). A failed event write is logged, never
 * fails the reconcile.
 *
 * <p>Synchronous ({@link #EventRecorder(ApiWriter, String, Clock)}: the write is made before {@link #event} returns, so a
 * controller test sees it among the reconcile's writes) or {@linkplain #async asynchronous}, as client-go's broadcaster
 * is: events wait in a bounded queue that one sender drains, and an event that finds the queue full is dropped
 * (client-go: {@code maxQueuedEvents} 1000, {@code DropIfChannelFull}). The scheduler records one event per pod it
 * binds; written inline they doubled the API writes of a burst of binds and held each bind's thread for a second
 * round trip.
 */
public final class EventRecorder implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EventRecorder.class);
    public static final String NORMAL = "Normal";
    public static final String WARNING = "Warning";

    private final ApiWriter writer;
    private final String component;
    private final Clock clock;
    private final Map<String, Event> recent = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Event> e) { return size() > 4096; }
    };

    private record Pending(HasMetadata obj, String type, String reason, String message, String ts) {}

    /** Events waiting for the sender (null: synchronous). */
    private final java.util.concurrent.BlockingQueue<Pending> queue;
    private final java.util.concurrent.atomic.AtomicLong dropped = new java.util.concurrent.atomic.AtomicLong();
    private Thread sender;
    private volatile boolean closed;

    public EventRecorder(ApiWriter writer, String component, Clock clock) {
        this(writer, component, clock, 0);
    }

    private EventRecorder(ApiWriter writer, String component, Clock clock, int capacity) {
        this.writer = writer;
        this.component = component;
        this.clock = clock;
        this.queue = capacity > 0 ? new java.util.concurrent.ArrayBlockingQueue<>(capacity) : null;
    }

    /** A recorder whose events are written by a sender thread of its own, at most {@code capacity} of them waiting. */
    public static EventRecorder async(ApiWriter writer, String component, Clock clock, int capacity) {
        if (capacity <= 0) throw new IllegalArgumentException("capacity must be positive");
        return new EventRecorder(writer, component, clock, capacity);
    }

    /** Events dropped because the queue was full (asynchronous recorders only). */
    public long dropped() { return dropped.get(); }

    public void event(HasMetadata obj, String type, String reason, String message) {
        String ts = Instant.now(clock).truncatedTo(ChronoUnit.SECONDS).toString();
        if (queue == null) {
            send(obj, type, reason, message, ts);
            return;
        }
        if (closed) return;
        if (!queue.offer(new Pending(obj, type, reason, message, ts))) {
            long n = dropped.incrementAndGet();
            if (n == 1 || n % 1000 == 0) log.info("{}: event queue full, {} event(s) dropped so far", component, n);
            return;
        }
        synchronized (this) {
            if (sender == null && !closed) sender = Thread.ofVirtual().name(component + "-events").start(this::drain);
        }
    }

    private void drain() {
        while (!closed) {
            Pending p;
            try {
                p = queue.take();
            } catch (InterruptedException e) {
                return;
            }
            send(p.obj(), p.type(), p.reason(), p.message(), p.ts());
        }
    }

    /** Stops the sender of an asynchronous recorder; events still queued are not written. */
    @Override
    public void close() {
        Thread t;
        synchronized (this) {
            closed = true;
            t = sender;
        }
        if (t != null) t.interrupt();
    }

    private void send(HasMetadata obj, String type, String reason, String message, String ts) {
        String ns = obj.getMetadata().getNamespace() == null ? "default" : obj.getMetadata().getNamespace();
        String key = obj.getMetadata().getUid() + "\0" + type + "\0" + reason + "\0" + message;
        try {
            Event prev;
            synchronized (recent) {
                prev = recent.get(key);
            }
            if (prev != null) {
                Event e = new EventBuilder(prev).withCount(prev.getCount() == null ? 2 : prev.getCount() + 1).withLastTimestamp(ts).build();
                try {
                    Event out = writer.update(e);
                    synchronized (recent) {
                        recent.put(key, out);
                    }
                    return;
                } catch (RuntimeException ex) {
                    // the event may have expired or been deleted: create a fresh one below
                }
            }
            Event e = new EventBuilder()
                    .withNewMetadata().withName(obj.getMetadata().getName() + "." + Long.toHexString(System.nanoTime() ^ System.currentTimeMillis() << 20))
                    .withNamespace(ns).endMetadata()
                    .withInvolvedObject(new ObjectReferenceBuilder().withApiVersion(obj.getApiVersion()).withKind(obj.getKind())
                            .withName(obj.getMetadata().getName()).withNamespace(obj.getMetadata().getNamespace())
                            .withUid(obj.getMetadata().getUid()).withResourceVersion(obj.getMetadata().getResourceVersion()).build())
                    .withType(type).withReason(reason).withMessage(message)
                    .withNewSource().withComponent(component).endSource()
                    .withReportingComponent(component).withReportingInstance(component)
                    .withFirstTimestamp(ts).withLastTimestamp(ts).withCount(1)
                    .build();
            Event out = writer.create(e);
            synchronized (recent) {
                recent.put(key, out);
            }
        } catch (RuntimeException ex) {
            if (ApiWriter.namespaceTerminating(ex) || closed) return;
            log.warn("{}: could not record event {} {} on {}/{}: {}", component, reason, message, ns, obj.getMetadata().getName(), ex.toString());
        }
    }
}
