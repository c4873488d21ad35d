package io.wharf.apiserver;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.wharf.common.ErrorKind;
import io.wharf.common.WharfException;

import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

/**
 * CONTRACT (serving core <- io.wharf.apiserver.kinds). The one entry point of the kinds package.
 *
 * <p>IMPLEMENT IT AS {@code io.wharf.apiserver.kinds.Kinds} (public class, public no-arg constructor). The serving core
 * finds it with {@link #load()}: first through {@link ServiceLoader} (optional file
 * {@code META-INF/services/io.wharf.apiserver.KindsProvider}), otherwise by that class name. Nothing in the serving core
 * imports the kinds package, so either side compiles alone.
 */
public interface KindsProvider {

    /** Registers every built-in type with its strategy (Namespace, Pod, Service, ..., the list of issue 5). */
    void registerAll(ResourceRegistry registry);

    /**
     * OpenAPI v3 component schemas of one group version ("v1", "apps/v1"), keyed by definition name
     * ("io.k8s.api.core.v1.Pod", "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta", ...), with "$ref" values of the form
     * "#/components/schemas/<name>". Each top-level kind's schema carries
     * {@code "x-kubernetes-group-version-kind":[{"group":"","version":"v1","kind":"Pod"}]} (kubectl explain finds it by that).
     * Include every referenced definition (ObjectMeta, ...) in each group version's map: the core serves
     * /openapi/v3/api/v1 and /openapi/v3/apis/apps/v1 as self-contained documents and writes the "paths" itself.
     * The core also uses the schemas for fieldValidation=Strict (unknown field detection: properties,
     * additionalProperties, x-kubernetes-preserve-unknown-fields). Empty map = no schemas (explain and Strict checks off).
     */
    default Map<String, ObjectNode> openApiSchemas(String groupVersion) { return Map.of(); }

    /**
     * The schemas {@link #openApiSchemas} gives, for checking objects (unknown fields) on the request path: they may leave
     * out what a check does not read (descriptions) and be shared between calls, so the caller must not change them.
     */
    default Map<String, ObjectNode> openApiCheckSchemas(String groupVersion) { return openApiSchemas(groupVersion); }

    /**
     * Decodes a Kubernetes protobuf request body (magic "k8s\0" + runtime.Unknown, kubectl-wire.md section 8) into the JSON
     * form, with apiVersion and kind set. Throws {@code WharfException(INVALID_ARGUMENT, ...)} for malformed input (the
     * core answers 400) and {@code WharfException(UNSUPPORTED, ...)} for a kind it cannot decode (the core answers 415).
     */
    default ObjectNode decodeProtobuf(byte[] body) {
        throw new WharfException(ErrorKind.UNSUPPORTED, "protobuf request bodies are not supported; send JSON");
    }

    /**
     * Objects created once at the first start of a cluster, besides the namespaces default/kube-system/kube-public/
     * kube-node-lease which the core creates: the default RBAC ClusterRoles and ClusterRoleBindings of Kubernetes
     * (cluster-admin, admin, edit, view, system:node, system:discovery, system:basic-user, system:public-info-viewer,
     * system:kube-scheduler, system:kube-controller-manager, system:node-bootstrapper ...), as full objects with apiVersion and kind.
     * If empty, the core seeds a minimal set itself (cluster-admin + system:masters, view, edit, admin, discovery).
     */
    default List<ObjectNode> bootstrapObjects() { return List.of(); }

    /** Finds the kinds package: ServiceLoader first, then io.wharf.apiserver.kinds.Kinds by name; null if absent. */
    static KindsProvider load() {
        for (KindsProvider p : ServiceLoader.load(KindsProvider.class)) return p;
        try {
            Class<?> c = Class.forName("io.wharf.apiserver.kinds.Kinds");
            return (KindsProvider) c.getDeclaredConstructor().newInstance();
        } catch (ClassNotFoundException e) {
            return null;
        } catch (ReflectiveOperationException | ClassCastException e) {
            throw new IllegalStateException("io.wharf.apiserver.kinds.Kinds must implement KindsProvider with a public no-arg constructor", e);
        }
    }
}
