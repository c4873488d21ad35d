package io.wharf.apiserver.kinds;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.wharf.apiserver.FieldError;
import io.wharf.apiserver.ObjectReader;
import io.wharf.apiserver.ResourceStrategy;
import io.wharf.apiserver.ResourceType;
import io.wharf.apiserver.TableColumn;

import java.util.List;

/**
 * Wraps a kind's strategy so that {@link #patchMergeKey} answers from the upstream schema's
 * x-kubernetes-patch-merge-key (every list of the kind, not only the common ones); falls back to the SPI's table for
 * paths the schema does not know.
 */
record SchemaPatchKeys(ResourceType type, ResourceStrategy delegate) implements ResourceStrategy {

    @Override
    public String patchMergeKey(List<String> fieldPath) {
        OpenApi.PatchMeta pm = OpenApi.patchMeta(type.apiVersion(), type.kind(), fieldPath);
        if (pm == null) return delegate.patchMergeKey(fieldPath);
        return pm.mergeKey();
    }

    @Override public void applyDefaults(ObjectNode obj) { delegate.applyDefaults(obj); }
    @Override public void prepareForCreate(ObjectNode obj) { delegate.prepareForCreate(obj); }
    @Override public void prepareForUpdate(ObjectNode n, ObjectNode o) { delegate.prepareForUpdate(n, o); }
    @Override public void prepareForStatusUpdate(ObjectNode n, ObjectNode o) { delegate.prepareForStatusUpdate(n, o); }
    @Override public List<FieldError> validateCreate(ObjectNode obj) { return delegate.validateCreate(obj); }
    @Override public List<FieldError> validateUpdate(ObjectNode n, ObjectNode o) { return delegate.validateUpdate(n, o); }
    @Override public List<FieldError> allocate(ObjectNode n, ObjectNode o, ObjectReader r) { return delegate.allocate(n, o, r); }
    @Override public void release(ObjectNode obj) { delegate.release(obj); }
    @Override public List<TableColumn> tableColumns() { return delegate.tableColumns(); }
    @Override public List<Object> tableRow(ObjectNode obj) { return delegate.tableRow(obj); }
    @Override public List<String> selectableFields() { return delegate.selectableFields(); }
}
