/**
 * The per-kind knowledge of Wharf's Kubernetes API server: everything that differs between Pod, Service, Deployment...
 * The serving core (package {@code io.wharf.apiserver.server}) finds {@link io.wharf.apiserver.kinds.Kinds} by name and
 * talks to it only through the SPI of {@code io.wharf.apiserver} ({@code KindsProvider}, {@code ResourceStrategy}).
 *
 * <h2>What is here</h2>
 * <ul>
 *   <li>{@link io.wharf.apiserver.kinds.BuiltinTypes}: the served types with the discovery data of Kubernetes 1.31
 *       (plural, singular, short names, categories, verbs, subresources).</li>
 *   <li>Strategies (defaulting as pkg/apis/.../v1/defaults.go and the admission plugins that always run
 *       (ServiceAccount, Priority, DefaultTolerationSeconds), validation with Kubernetes' messages, Table rows as
 *       pkg/printers/internalversion/printers.go): {@code PodStrategy}, {@code ServiceStrategy} (ClusterIP and NodePort
 *       allocation), {@code Workloads}, {@code Batch}, {@code CoreKinds}, {@code OtherKinds}.</li>
 *   <li>{@link io.wharf.apiserver.kinds.OpenApi}: OpenAPI v3 component schemas and strategic-merge-patch metadata.</li>
 *   <li>{@link io.wharf.apiserver.kinds.ProtobufBodies}: Kubernetes protobuf request bodies to JSON.</li>
 *   <li>{@link io.wharf.apiserver.kinds.BootstrapPolicy}: the default RBAC ClusterRoles and bindings.</li>
 * </ul>
 *
 * <h2>Where the schemas come from (and why)</h2>
 * Kubernetes publishes its OpenAPI documents only in the kubernetes/kubernetes repository (api/openapi-spec), which no
 * package registry reachable here ships: fabric8's model jars stopped shipping kube-schema.json in 7.x, and
 * io.kubernetes:client-java-api ships no JSON. What client-java-api (24.0.0, generated from the 1.32 document) does ship
 * is every model class with its JSON field names, types, required flags and upstream descriptions as annotations. The
 * test-scope {@code OpenApiGenerator} turns those into OpenAPI v3 component schemas once; definition names
 * ({@code io.k8s.api.apps.v1.DeploymentSpec}) follow the protobuf packages of client-java-proto. What the models lose is
 * added back by hand: the x-kubernetes-patch-merge-key / patch-strategy / list-type / list-map-keys markers of the
 * k8s.io/api struct tags (the lists kubectl's patches touch), and descriptions of reference-typed properties (taken from
 * the referenced type). The result is shipped as {@code openapi/definitions.json} (about 300 definitions; plain JSON so the repository holds no binary files) so
 * the server has no runtime dependency on client-java-api. Regenerate with
 * {@code mvn -pl apiserver test -Dtest=OpenApiGeneratorTest -Dwharf.openapi.regenerate=true}.
 *
 * <h2>Settings</h2>
 * The serving core loads {@link io.wharf.apiserver.kinds.Kinds} with its no-arg constructor; system properties named
 * after kube-apiserver's flags change the defaults: {@code wharf.apiserver.serviceClusterIpRange} (10.96.0.0/12),
 * {@code wharf.apiserver.serviceNodePortRange} (30000-32767), {@code wharf.apiserver.serviceAccountTokenVolume}
 * (false: the projected kube-api-access-xxxxx volume needs a node agent that mounts projected volumes).
 *
 * <h2>Protobuf</h2>
 * Request bodies are decoded with the generated message descriptors of io.kubernetes:client-java-proto (core, apps,
 * batch, networking, rbac, scheduling, authorization, authentication, policy, autoscaling, storage, certificates,
 * admissionregistration v1). discovery.k8s.io, coordination.k8s.io and events.k8s.io are not in that artifact: such
 * bodies get UNSUPPORTED (415); kubectl never sends them as protobuf.
 */
package io.wharf.apiserver.kinds;
