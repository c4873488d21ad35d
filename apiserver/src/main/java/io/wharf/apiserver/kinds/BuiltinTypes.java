package io.wharf.apiserver.kinds;

import io.wharf.apiserver.ResourceType;
import io.wharf.apiserver.ResourceType.Subresource;

import java.util.List;
import java.util.Set;

/**
 * The served types with what Kubernetes 1.31 discovery reports for them: plural, singular, kind, namespaced, verbs,
 * short names, categories and subresources (kubectl api-resources prints these).
 */
public final class BuiltinTypes {
    private BuiltinTypes() {}

    static final String[] ALL = {"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"};

    static ResourceType t(String group, String version, String kind, String plural, boolean namespaced) {
        return ResourceType.of(group, version, kind, plural, namespaced).withVerbs(ALL);
    }

    static Subresource status(ResourceType t) { return Subresource.status(t.group(), t.version(), t.kind()); }

    static Subresource sub(String name, String group, String version, String kind, String... verbs) {
        return new Subresource(name, group, version, kind, Set.of(verbs));
    }

    // core/v1
    public static final ResourceType NAMESPACES = withStatus(t("", "v1", "Namespace", "namespaces", false)
            .withShortNames("ns").withVerbs("create", "delete", "get", "list", "patch", "update", "watch"));
    public static final ResourceType PODS;
    static {
        ResourceType p = t("", "v1", "Pod", "pods", true).withShortNames("po").withCategories("all");
        PODS = p.withSubresources(
                sub("attach", "", "v1", "PodAttachOptions", "create", "get"),
                sub("binding", "", "v1", "Binding", "create"),
                sub("eviction", "policy", "v1", "Eviction", "create"),
                sub("exec", "", "v1", "PodExecOptions", "create", "get"),
                sub("log", "", "v1", "Pod", "get"),
                sub("portforward", "", "v1", "PodPortForwardOptions", "create", "get"),
                status(p));
    }
    public static final ResourceType SERVICES = withStatus(t("", "v1", "Service", "services", true).withShortNames("svc").withCategories("all"));
    public static final ResourceType ENDPOINTS = t("", "v1", "Endpoints", "endpoints", true).withShortNames("ep");
    public static final ResourceType CONFIGMAPS = t("", "v1", "ConfigMap", "configmaps", true).withShortNames("cm");
    public static final ResourceType SECRETS = t("", "v1", "Secret", "secrets", true);
    public static final ResourceType NODES = withStatus(t("", "v1", "Node", "nodes", false).withShortNames("no"));
    public static final ResourceType EVENTS = t("", "v1", "Event", "events", true).withShortNames("ev");
    public static final ResourceType SERVICEACCOUNTS = t("", "v1", "ServiceAccount", "serviceaccounts", true).withShortNames("sa")
            .withSubresources(sub("token", "authentication.k8s.io", "v1", "TokenRequest", "create"));
    public static final ResourceType LIMITRANGES = t("", "v1", "LimitRange", "limitranges", true).withShortNames("limits");
    public static final ResourceType PERSISTENTVOLUMES = withStatus(t("", "v1", "PersistentVolume", "persistentvolumes", false).withShortNames("pv"));
    public static final ResourceType PERSISTENTVOLUMECLAIMS = withStatus(t("", "v1", "PersistentVolumeClaim", "persistentvolumeclaims", true).withShortNames("pvc"));
    public static final ResourceType REPLICATIONCONTROLLERS = withScaleAndStatus(t("", "v1", "ReplicationController", "replicationcontrollers", true)
            .withShortNames("rc").withCategories("all"));
    public static final ResourceType RESOURCEQUOTAS = withStatus(t("", "v1", "ResourceQuota", "resourcequotas", true).withShortNames("quota"));

    // apps/v1
    public static final ResourceType CONTROLLERREVISIONS = t("apps", "v1", "ControllerRevision", "controllerrevisions", true);
    public static final ResourceType DAEMONSETS = withStatus(t("apps", "v1", "DaemonSet", "daemonsets", true).withShortNames("ds").withCategories("all"));
    public static final ResourceType DEPLOYMENTS = withScaleAndStatus(t("apps", "v1", "Deployment", "deployments", true).withShortNames("deploy").withCategories("all"));
    public static final ResourceType REPLICASETS = withScaleAndStatus(t("apps", "v1", "ReplicaSet", "replicasets", true).withShortNames("rs").withCategories("all"));
    public static final ResourceType STATEFULSETS = withScaleAndStatus(t("apps", "v1", "StatefulSet", "statefulsets", true).withShortNames("sts").withCategories("all"));

    // batch/v1
    public static final ResourceType CRONJOBS = withStatus(t("batch", "v1", "CronJob", "cronjobs", true).withShortNames("cj").withCategories("all"));
    public static final ResourceType JOBS = withStatus(t("batch", "v1", "Job", "jobs", true).withCategories("all"));

    // networking.k8s.io/v1
    public static final ResourceType INGRESSCLASSES = t("networking.k8s.io", "v1", "IngressClass", "ingressclasses", false);
    public static final ResourceType INGRESSES = withStatus(t("networking.k8s.io", "v1", "Ingress", "ingresses", true).withShortNames("ing"));
    public static final ResourceType NETWORKPOLICIES = t("networking.k8s.io", "v1", "NetworkPolicy", "networkpolicies", true).withShortNames("netpol");

    // discovery.k8s.io/v1, coordination.k8s.io/v1
    public static final ResourceType ENDPOINTSLICES = t("discovery.k8s.io", "v1", "EndpointSlice", "endpointslices", true);
    public static final ResourceType LEASES = t("coordination.k8s.io", "v1", "Lease", "leases", true);

    // rbac.authorization.k8s.io/v1
    public static final ResourceType CLUSTERROLEBINDINGS = t("rbac.authorization.k8s.io", "v1", "ClusterRoleBinding", "clusterrolebindings", false);
    public static final ResourceType CLUSTERROLES = t("rbac.authorization.k8s.io", "v1", "ClusterRole", "clusterroles", false);
    public static final ResourceType ROLEBINDINGS = t("rbac.authorization.k8s.io", "v1", "RoleBinding", "rolebindings", true);
    public static final ResourceType ROLES = t("rbac.authorization.k8s.io", "v1", "Role", "roles", true);

    // policy/v1
    public static final ResourceType PODDISRUPTIONBUDGETS = withStatus(t("policy", "v1", "PodDisruptionBudget", "poddisruptionbudgets", true).withShortNames("pdb"));

    // storage.k8s.io/v1
    public static final ResourceType CSIDRIVERS = t("storage.k8s.io", "v1", "CSIDriver", "csidrivers", false);
    public static final ResourceType CSINODES = t("storage.k8s.io", "v1", "CSINode", "csinodes", false);
    public static final ResourceType STORAGECLASSES = t("storage.k8s.io", "v1", "StorageClass", "storageclasses", false).withShortNames("sc");
    public static final ResourceType VOLUMEATTACHMENTS = withStatus(t("storage.k8s.io", "v1", "VolumeAttachment", "volumeattachments", false));

    // events.k8s.io/v1, scheduling.k8s.io/v1, authorization.k8s.io/v1
    public static final ResourceType EVENTS_V1 = t("events.k8s.io", "v1", "Event", "events", true).withShortNames("ev");
    public static final ResourceType PRIORITYCLASSES = t("scheduling.k8s.io", "v1", "PriorityClass", "priorityclasses", false).withShortNames("pc");
    public static final ResourceType SELFSUBJECTACCESSREVIEWS = ResourceType.of("authorization.k8s.io", "v1", "SelfSubjectAccessReview",
            "selfsubjectaccessreviews", false).withVerbs("create");

    public static final ResourceType SELFSUBJECTREVIEWS = ResourceType.of("authentication.k8s.io", "v1", "SelfSubjectReview",
            "selfsubjectreviews", false).withVerbs("create");

    static ResourceType withStatus(ResourceType t) { return t.withSubresources(status(t)); }

    static ResourceType withScaleAndStatus(ResourceType t) { return t.withSubresources(Subresource.scale(), status(t)); }

    /** Every type in discovery order: core first, then the groups as kube-apiserver orders them. */
    public static List<ResourceType> all() {
        return List.of(
                // core/v1, alphabetical by plural as kube-apiserver lists them
                CONFIGMAPS, ENDPOINTS, EVENTS, LIMITRANGES, NAMESPACES, NODES, PERSISTENTVOLUMECLAIMS, PERSISTENTVOLUMES, PODS,
                REPLICATIONCONTROLLERS, RESOURCEQUOTAS, SECRETS, SERVICEACCOUNTS, SERVICES,
                CONTROLLERREVISIONS, DAEMONSETS, DEPLOYMENTS, REPLICASETS, STATEFULSETS,
                EVENTS_V1,
                SELFSUBJECTREVIEWS,
                SELFSUBJECTACCESSREVIEWS,
                CRONJOBS, JOBS,
                INGRESSCLASSES, INGRESSES, NETWORKPOLICIES,
                PODDISRUPTIONBUDGETS,
                CLUSTERROLEBINDINGS, CLUSTERROLES, ROLEBINDINGS, ROLES,
                CSIDRIVERS, CSINODES, STORAGECLASSES, VOLUMEATTACHMENTS,
                PRIORITYCLASSES,
                LEASES,
                ENDPOINTSLICES);
    }
}
