/**
 * The scheduler (kube-scheduler's default profile, reduced): {@link io.wharf.scheduler.Scheduler} with the filters
 * of {@link io.wharf.scheduler.Filters}, scores, binding through pods/binding and Kubernetes' FailedScheduling text.
 * It shares the informers of {@link io.wharf.controllers.ControllerManager}.
 */
package io.wharf.scheduler;
