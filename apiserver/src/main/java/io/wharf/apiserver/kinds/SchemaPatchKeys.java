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
 *
 * <p>It is also the safety net for malformed objects (a string where a list belongs...): the strategies are written to
 * tolerate any JSON (HostileInputTest), but should one still throw, defaulting is skipped and validation answers an
 * InternalError field error (422) rather than letting a 500 escape.
 */
record SchemaPatchKeys(ResourceType type, ResourceStrategy delegate) implements ResourceStrategy {

    @Override
    public String patchMergeKey(List<String> fieldPath) {
        OpenApi.PatchMeta pm = OpenApi.patchMeta(type.apiVersion(), type.kind(), fieldPath);
        if (pm == null) return delegate.patchMergeKey(fieldPath);
        return pm.mergeKey();
    }

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(SchemaPatchKeys.class);

    private void guarded(String what, Runnable r) {
        try {
            r.run();
        } catch (io.wharf.common.WharfException e) {
            throw e; // deliberate: a decode-level error (bad base64...) the core answers with 400
        } catch (RuntimeException e) {
            LOG.warn("{} of {} failed on a malformed object: {}", what, type.kind(), e.toString());
        }
    }

    private List<FieldError> guarded(java.util.function.Supplier<List<FieldError>> s) {
        try {
            return s.get();
        } catch (RuntimeException e) {
            LOG.warn("validation of {} failed on a malformed object: {}", type.kind(), e.toString());
            return List.of(new FieldError(FieldError.Type.INTERNAL, "", null, "malformed " + type.kind() + ": " + e.getMessage()));
        }
    }

    @Override public void applyDefaults(ObjectNode obj) { guarded("defaulting", () -> delegate.applyDefaults(obj)); }
    @Override public void prepareForCreate(ObjectNode obj) { guarded("prepareForCreate", () -> delegate.prepareForCreate(obj)); }
    @Override public void prepareForUpdate(ObjectNode n, ObjectNode o) { guarded("prepareForUpdate", () -> delegate.prepareForUpdate(n, o)); }
    @Override public void prepareForStatusUpdate(ObjectNode n, ObjectNode o) { guarded("prepareForStatusUpdate", () -> delegate.prepareForStatusUpdate(n, o)); }
    @Override public List<FieldError> validateCreate(ObjectNode obj) { return guarded(() -> delegate.validateCreate(obj)); }
    @Override public List<FieldError> validateUpdate(ObjectNode n, ObjectNode o) { return guarded(() -> delegate.validateUpdate(n, o)); }
    @Override public List<FieldError> allocate(ObjectNode n, ObjectNode o, ObjectReader r) { return delegate.allocate(n, o, r); }
    @Override public io.wharf.apiserver.NameRule nameRule() { return delegate.nameRule(); }
    @Override public boolean allocatesFromSharedPool() { return delegate.allocatesFromSharedPool(); }
    @Override public void release(ObjectNode obj) { delegate.release(obj); }
    @Override public List<TableColumn> tableColumns() { return delegate.tableColumns(); }
    @Override public List<Object> tableRow(ObjectNode obj) { return delegate.tableRow(obj); }
    @Override public List<String> selectableFields() { return delegate.selectableFields(); }
}
