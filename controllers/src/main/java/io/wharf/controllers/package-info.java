/**
 * Wharf's controllers (kube-controller-manager's job), talking to the cluster only through the Kubernetes API with
 * the fabric8 client, so they run against Wharf's API server or any other.
 *
 * <p>Machinery: {@link io.wharf.controllers.WorkQueue} (keyed, deduplicating, never one key on two workers, per-key
 * exponential backoff), {@link io.wharf.controllers.Informers} (one shared informer per type; handlers enqueue keys),
 * {@link io.wharf.controllers.Expectations} (creates/deletes in flight vs a lagging cache),
 * {@link io.wharf.controllers.Controller} (workers, reconcile-by-key, retry), {@link io.wharf.controllers.ApiWriter}
 * (every write, recordable by tests), {@link io.wharf.controllers.EventRecorder} (core/v1 Events, folded repeats),
 * {@link io.wharf.controllers.ControllerManager} (the {@link io.wharf.common.Component} that runs them all, with
 * optional Lease leader election).
 *
 * <p>Controllers: ReplicaSet, Deployment, StatefulSet, DaemonSet, Job, CronJob, Endpoints + EndpointSlice,
 * ServiceAccount, GarbageCollector, NodeLifecycle (with the NoExecute taint manager), PodGc. Namespace deletion is
 * done by Wharf's API server itself.
 */
package io.wharf.controllers;
