package io.wharf.store;

import java.util.Objects;

/**
 * One version of one key, as etcd v3's {@code mvccpb.KeyValue}.
 *
 * @param key            the key, e.g. {@code /registry/pods/default/web-0}
 * @param value          the stored bytes; never null (may be empty). Callers must not modify the array: stores
 *                       and caches share it between readers.
 * @param createRevision the revision of the write that created this incarnation of the key (a key deleted and
 *                       created again gets a new createRevision)
 * @param modRevision    the revision of the write that produced this version; what Kubernetes calls the
 *                       object's {@code resourceVersion}. Always {@code >= createRevision}.
 */
public record KeyValue(String key, byte[] value, long createRevision, long modRevision) {
    public KeyValue {
        Keys.check(key);
        Objects.requireNonNull(value, "value");
        if (createRevision <= 0 || modRevision < createRevision) {
            throw new IllegalArgumentException("bad revisions create=" + createRevision + " mod=" + modRevision
                    + " for " + key);
        }
    }

    /** True when this version is the one that created the key (createRevision == modRevision). */
    public boolean isCreate() {
        return createRevision == modRevision;
    }

    @Override
    public String toString() {
        return "KeyValue[" + key + " create=" + createRevision + " mod=" + modRevision + " " + value.length + "B]";
    }
}
