package io.wharf.apiserver;

import com.sun.management.GarbageCollectionNotificationInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A soft limit on the old generation for the serial collector, which the launcher uses for its small footprint.
 *
 * <p>The serial collector grows its old generation whenever a young collection promotes more than fits, and collects it
 * only once the heap has reached its maximum (a quarter of the host's memory by default). A burst of writes (10,000
 * pods created at 32 at a time) therefore left ~800 MB of heap committed, mostly garbage, for ~150 MB of live objects.
 * This does what G1's occupancy-triggered marking does for it: after a young collection, if the old generation holds
 * more than {@link #FACTOR} times what the last full collection kept (and at least {@link #FLOOR} bytes), it asks for a
 * full collection, which compacts and, with the launcher's {@code -XX:MaxHeapFreeRatio}, gives the rest back to the
 * OS. No maximum is imposed, so a cluster that truly needs more heap still gets it; the cost is a full collection
 * each time the old generation doubles, the same as a heap capped at twice the live size would pay.
 *
 * <p>Off with {@code -Dwharf.heapGovernor=false}; inactive with any collector but the serial one.
 */
public final class HeapGovernor {
    private static final Logger log = LoggerFactory.getLogger(HeapGovernor.class);
    /** Old generation size (bytes) below which nothing is done: the idle server's live heap is ~35 MB. */
    static final long FLOOR = 64L << 20;
    /** Collect when the old generation reaches this multiple of the last full collection's survivors. */
    static final double FACTOR = 2.0;
    /** At most one requested collection per this many milliseconds. */
    static final long MIN_INTERVAL_MS = 1_000;
    private static final String OLD_POOL = "Tenured Gen";
    private static final AtomicBoolean installed = new AtomicBoolean();

    private volatile long liveAfterFull;
    private volatile long lastRequest;
    private final AtomicBoolean requested = new AtomicBoolean();

    private HeapGovernor() {}

    /** Installs the governor once per process (later calls do nothing); false if it is off or not applicable. */
    public static boolean installOnce() {
        if (!Boolean.parseBoolean(System.getProperty("wharf.heapGovernor", "true")) || !installed.compareAndSet(false, true)) {
            return false;
        }
        try {
            boolean serial = false;
            for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
                if (gc.getName().equals("MarkSweepCompact")) serial = true;
            }
            if (!serial) return false;
            HeapGovernor g = new HeapGovernor();
            for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
                if (gc instanceof NotificationEmitter e) e.addNotificationListener((n, h) -> g.onGc(n), null, null);
            }
            return true;
        } catch (RuntimeException | LinkageError e) {
            log.debug("heap governor not installed: {}", e.toString());
            return false;
        }
    }

    private void onGc(Notification n) {
        if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(n.getType())) return;
        GarbageCollectionNotificationInfo info = GarbageCollectionNotificationInfo.from((CompositeData) n.getUserData());
        MemoryUsage old = info.getGcInfo().getMemoryUsageAfterGc().get(OLD_POOL);
        if (old == null) return;
        if (info.getGcAction().contains("major")) {
            liveAfterFull = old.getUsed();
            requested.set(false);
            return;
        }
        long now = System.currentTimeMillis();
        if (shouldCollect(old.getUsed(), liveAfterFull) && now - lastRequest >= MIN_INTERVAL_MS && requested.compareAndSet(false, true)) {
            lastRequest = now;
            // Not on the notification thread: a full collection there would delay the next notifications.
            Thread.ofVirtual().name("wharf-heap-governor").start(System::gc);
        }
    }

    /** True when an old generation of {@code used} bytes should be collected, the last full collection having kept {@code live}. */
    static boolean shouldCollect(long used, long live) {
        return used > Math.max(FLOOR, (long) (live * FACTOR));
    }
}
