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
 */
public final class EventRecorder {
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

    public EventRecorder(ApiWriter writer, String component, Clock clock) {
        this.writer = writer;
        this.component = component;
        this.clock = clock;
    }

    public void event(HasMetadata obj, String type, String reason, String message) {
        String ts = Instant.now(clock).truncatedTo(ChronoUnit.SECONDS).toString();
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
            if (ApiWriter.namespaceTerminating(ex)) return;
            log.warn("{}: could not record event {} {} on {}/{}: {}", component, reason, message, ns, obj.getMetadata().getName(), ex.toString());
        }
    }
}
