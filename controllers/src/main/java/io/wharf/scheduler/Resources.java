package io.wharf.scheduler;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

/**
 * A pod's resource requests as the scheduler counts them (resource.PodRequests): the sum over containers, at least
 * the largest init container, plus pod overhead. cpu in millicores, memory in bytes.
 */
public record Resources(long milliCpu, long memory) {
    public static final Resources ZERO = new Resources(0, 0);
    /** Defaults for containers without requests when scoring (schedutil.DefaultMilliCPURequest / DefaultMemoryRequest). */
    static final long DEFAULT_MILLI_CPU = 100;
    static final long DEFAULT_MEMORY = 200L * 1024 * 1024;

    public Resources plus(Resources o) { return new Resources(milliCpu + o.milliCpu, memory + o.memory); }

    public Resources minus(Resources o) { return new Resources(milliCpu - o.milliCpu, memory - o.memory); }

    public static Resources requests(Pod p) { return compute(p, false); }

    /** With 100m / 200Mi for a container that requests nothing, for scoring only (so empty pods still spread). */
    public static Resources nonZeroRequests(Pod p) { return compute(p, true); }

    private static Resources compute(Pod p, boolean nonZero) {
        long cpu = 0, mem = 0;
        List<Container> cs = p.getSpec().getContainers() == null ? List.of() : p.getSpec().getContainers();
        for (Container c : cs) {
            Map<String, Quantity> r = c.getResources() == null ? null : c.getResources().getRequests();
            long cc = milli(r == null ? null : r.get("cpu")), mm = bytes(r == null ? null : r.get("memory"));
            if (nonZero && (r == null || r.get("cpu") == null)) cc = DEFAULT_MILLI_CPU;
            if (nonZero && (r == null || r.get("memory") == null)) mm = DEFAULT_MEMORY;
            cpu += cc;
            mem += mm;
        }
        if (p.getSpec().getInitContainers() != null)
            for (Container c : p.getSpec().getInitContainers()) {
                Map<String, Quantity> r = c.getResources() == null ? null : c.getResources().getRequests();
                cpu = Math.max(cpu, milli(r == null ? null : r.get("cpu")));
                mem = Math.max(mem, bytes(r == null ? null : r.get("memory")));
            }
        Map<String, Quantity> o = p.getSpec().getOverhead();
        if (o != null) {
            cpu += milli(o.get("cpu"));
            mem += bytes(o.get("memory"));
        }
        return new Resources(cpu, mem);
    }

    public static long milli(Quantity q) {
        if (q == null) return 0;
        BigDecimal v = Quantity.getAmountInBytes(q).multiply(BigDecimal.valueOf(1000));
        return v.setScale(0, java.math.RoundingMode.CEILING).longValueExact();
    }

    public static long bytes(Quantity q) {
        if (q == null) return 0;
        return Quantity.getAmountInBytes(q).setScale(0, java.math.RoundingMode.CEILING).longValueExact();
    }

    public static long count(Quantity q) {
        if (q == null) return 0;
        return Quantity.getAmountInBytes(q).longValue();
    }
}
