/**
 * The serving core of the API server. A request flows: {@link io.wharf.apiserver.server.HttpFrontend} (TLS, ALPN h2 or
 * http/1.1, 3 MiB body limit, one virtual thread per request) → {@link io.wharf.apiserver.server.ApiHandler}
 * (authentication, RBAC, routing, discovery/OpenAPI, the REST verbs and subresources) → {@link
 * io.wharf.apiserver.server.Storage} (keys, JSON encoding, resourceVersion = store revision, Secrets encryption,
 * lists and watches from the store's WatchCache). Per-kind behaviour comes from the {@link
 * io.wharf.apiserver.ResourceStrategy} registered for the type; every failure leaves as a Kubernetes {@code Status}
 * built by {@link io.wharf.apiserver.server.ApiException}, the one place where {@link io.wharf.common.ErrorKind}
 * meets HTTP codes.
 */
package io.wharf.apiserver.server;
