/**
 * The serving core of the API server. A request flows: {@link io.wharf.apiserver.server.HttpFrontend} (TLS, ALPN h2 or
 * http/1.1, 3 MiB body limit, one virtual thread per request) → {@link io.wharf.apiserver.server.ApiHandler}
 * (authentication, RBAC, routing, discovery/OpenAPI, the REST verbs and subresources) → {@link
 * io.wharf.apiserver.server.Storage} (keys, JSON encoding, resourceVersion = store revision, Secrets encryption,
 * lists and watches from the store's WatchCache). Per-kind behaviour comes from the {@link
 * io.wharf.apiserver.ResourceStrategy} registered for the type; every failure leaves as a Kubernetes {@code Status}
 * built by {@link io.wharf.apiserver.server.ApiException}, the one place where {@link io.wharf.common.ErrorKind}
 * meets HTTP codes.
 *
 * <p>Names: the core checks metadata.name once, with the rule the strategy names ({@link
 * io.wharf.apiserver.ResourceStrategy#nameRule()}: DNS subdomain by default, DNS label for Namespaces, DNS-1035 for
 * Services, path segment for RBAC so "system:node" is valid). Allocation runs under a per-type lock only for strategies
 * that take from a shared pool ({@link io.wharf.apiserver.ResourceStrategy#allocatesFromSharedPool()}: Services);
 * creates of every other type run in parallel. Streaming subresources (log, exec, attach, portforward, proxy) answer at
 * once, 400 for an unscheduled pod and 503 for a bound one, with "no node agent serves pod X: the node agent (kubelet)
 * is not part of this Wharf yet", which kubectl prints as is.
 *
 * <p>Start-up: PKI is read (made only on the first start, re-signed only when a required SAN is missing) in parallel
 * with opening the store; the TLS context is built from a plain javax.net.ssl.SSLContext; OpenAPI schemas load on
 * first use. {@link io.wharf.apiserver.StartupTraining} is the training run for a JVM AOT cache.
 */
package io.wharf.apiserver.server;
