package io.wharf.store;

import java.util.Objects;

/**
 * The result of a successful {@link Store#delete}.
 *
 * @param previous the version that was deleted (its value, createRevision and modRevision)
 * @param revision the new revision of the delete itself. Kubernetes returns the deleted object with this as its
 *                 resourceVersion (as the etcd3 storage of kube-apiserver does).
 */
public record Deleted(KeyValue previous, long revision) {
    public Deleted {
        Objects.requireNonNull(previous, "previous");
        if (revision <= previous.modRevision()) {
            throw new IllegalArgumentException("delete revision " + revision + " <= " + previous.modRevision());
        }
    }
}
