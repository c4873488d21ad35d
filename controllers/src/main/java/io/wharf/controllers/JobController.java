package io.wharf.controllers;

import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatus;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * The Job controller (pkg/controller/job), non-indexed completion mode: keeps min(parallelism, remaining
 * completions) pods active; Complete when succeeded pods reach completions (or, without completions, when one
 * succeeded and none is active); Failed with BackoffLimitExceeded when failed pods exceed backoffLimit, or
 * DeadlineExceeded after activeDeadlineSeconds (active pods deleted); suspend; ttlSecondsAfterFinished deletes the
 * finished Job (background propagation). Failed/succeeded counts never go down when pods are removed.
 */
public final class JobController extends Controller {
    private final Informers informers;
    private final ApiWriter writer;
    private final EventRecorder events;
    private final Expectations expectations;
    private final Clock clock;

    public JobController(Informers informers, ApiWriter writer, Clock clock, int workers) {
        super("job-controller", workers);
        this.informers = informers;
        this.writer = writer;
        this.clock = clock;
        this.events = new EventRecorder(writer, "job-controller", clock);
        this.expectations = new Expectations(clock);
        informers.of(Job.class).addEventHandler(enqueueSelf());
        informers.of(Pod.class).addEventHandler(ownedPods("Job", expectations));
    }

    @Override
    protected void onStart() {
        informers.list(Job.class).forEach(j -> queue.add(key(j)));
    }

    static boolean finished(Job j) {
        if (j.getStatus() == null || j.getStatus().getConditions() == null) return false;
        return j.getStatus().getConditions().stream().anyMatch(c -> ("Complete".equals(c.getType()) || "Failed".equals(c.getType())) && "True".equals(c.getStatus()));
    }

    @Override
    public void reconcile(String key) {
        Job job = informers.get(Job.class, key);
        if (job == null) {
            expectations.delete(key);
            return;
        }
        Instant now = clock.instant();
        String ts = now.truncatedTo(ChronoUnit.SECONDS).toString();
        List<Pod> pods = new ArrayList<>();
        for (Pod p : informers.list(Pod.class, job.getMetadata().getNamespace())) {
            OwnerReference r = Pods.controllerRef(p);
            if (r != null && job.getMetadata().getUid().equals(r.getUid())) pods.add(p);
        }
        JobStatus old = job.getStatus() == null ? new JobStatus() : job.getStatus();
        if (finished(job)) {
            ttl(job, old, now);
            return;
        }
        List<Pod> active = pods.stream().filter(Pods::isActive).toList();
        int succeeded = Math.max(z(old.getSucceeded()), (int) pods.stream().filter(p -> "Succeeded".equals(phase(p))).count());
        int failed = Math.max(z(old.getFailed()), (int) pods.stream().filter(p -> "Failed".equals(phase(p))).count());
        int parallelism = job.getSpec().getParallelism() == null ? 1 : job.getSpec().getParallelism();
        Integer completions = job.getSpec().getCompletions();
        int backoffLimit = job.getSpec().getBackoffLimit() == null ? 6 : job.getSpec().getBackoffLimit();
        boolean suspended = Boolean.TRUE.equals(job.getSpec().getSuspend());
        String startTime = old.getStartTime() != null ? old.getStartTime() : (suspended ? null : ts);
        List<JobCondition> conds = new ArrayList<>(old.getConditions() == null ? List.of() : old.getConditions());
        String completionTime = null;
        String failReason = null, failMessage = null;
        Long deadline = job.getSpec().getActiveDeadlineSeconds();
        if (failed > backoffLimit) {
            failReason = "BackoffLimitExceeded";
            failMessage = "Job has reached the specified backoff limit";
        } else if (deadline != null && startTime != null && Instant.parse(startTime).plusSeconds(deadline).isBefore(now)) {
            failReason = "DeadlineExceeded";
            failMessage = "Job was active longer than specified deadline";
        }
        boolean complete = completions != null ? succeeded >= completions : succeeded > 0 && active.isEmpty();
        if (failReason != null) {
            for (Pod p : active) deletePod(p);
            conds.removeIf(c -> "Failed".equals(c.getType()) || "FailureTarget".equals(c.getType()));
            conds.add(cond("FailureTarget", failReason, failMessage, ts));
            conds.add(cond("Failed", failReason, failMessage, ts));
            events.event(job, EventRecorder.WARNING, failReason, failMessage);
            active = List.of();
        } else if (complete) {
            conds.removeIf(c -> "Complete".equals(c.getType()) || "SuccessCriteriaMet".equals(c.getType()));
            conds.add(cond("SuccessCriteriaMet", "CompletionsReached", "Reached expected number of succeeded pods", ts));
            conds.add(cond("Complete", "CompletionsReached", "Reached expected number of succeeded pods", ts));
            completionTime = ts;
            for (Pod p : active) deletePod(p);
            active = List.of();
            events.event(job, EventRecorder.NORMAL, "Completed", "Job completed");
        } else if (expectations.satisfied(key)) {
            int want = suspended ? 0 : completions == null ? (succeeded > 0 ? 0 : parallelism) : Math.min(parallelism, completions - succeeded);
            int diff = want - active.size();
            if (diff > 0) {
                expectations.expectCreations(key, diff);
                for (int i = 0; i < diff; i++) {
                    try {
                        Pod out = writer.create(newPod(job));
                        events.event(job, EventRecorder.NORMAL, "SuccessfulCreate", "Created pod: " + out.getMetadata().getName());
                    } catch (KubernetesClientException e) {
                        for (int k = i; k < diff; k++) expectations.creationObserved(key);
                        throw e;
                    }
                }
            } else if (diff < 0) {
                List<Pod> victims = active.stream().sorted(Comparator.comparing(Pods::created).reversed()).limit(-diff).toList();
                expectations.expectDeletions(key, victims.size());
                for (Pod p : victims) {
                    deletePod(p);
                    events.event(job, EventRecorder.NORMAL, "SuccessfulDelete", "Deleted pod: " + p.getMetadata().getName());
                }
            }
            if (suspended && conds.stream().noneMatch(c -> "Suspended".equals(c.getType()) && "True".equals(c.getStatus())))
                conds.add(cond("Suspended", "JobSuspended", "Job suspended", ts));
            if (!suspended) conds.removeIf(c -> "Suspended".equals(c.getType()));
        }
        int ready = (int) active.stream().filter(Pods::isReady).count();
        JobStatus st = new JobStatusBuilder(old).withActive(active.isEmpty() ? null : active.size()).withSucceeded(succeeded == 0 ? null : succeeded)
                .withFailed(failed == 0 ? null : failed).withReady(ready).withTerminating(0)
                .withStartTime(startTime).withCompletionTime(completionTime != null ? completionTime : old.getCompletionTime())
                .withConditions(conds.isEmpty() ? null : conds).build();
        if (!Objects.equals(normalize(st), normalize(old))) writer.updateStatus(new JobBuilder(job).withStatus(st).build());
        if (deadline != null && startTime != null && failReason == null && !complete)
            requeueAfter(key, Duration.between(now, Instant.parse(startTime).plusSeconds(deadline)).plusSeconds(1));
    }

    private static String normalize(JobStatus s) {
        return z(s.getActive()) + "/" + z(s.getSucceeded()) + "/" + z(s.getFailed()) + "/" + z(s.getReady()) + "/" + s.getStartTime() + "/" + s.getCompletionTime()
                + "/" + (s.getConditions() == null ? "[]" : s.getConditions().stream().map(c -> c.getType() + c.getStatus() + c.getReason()).toList());
    }

    private void ttl(Job job, JobStatus st, Instant now) {
        Integer ttl = job.getSpec().getTtlSecondsAfterFinished();
        if (ttl == null || job.getMetadata().getDeletionTimestamp() != null) return;
        String fin = st.getCompletionTime();
        if (fin == null && st.getConditions() != null)
            fin = st.getConditions().stream().filter(c -> "Failed".equals(c.getType())).map(JobCondition::getLastTransitionTime).findFirst().orElse(null);
        Instant at = (fin == null ? now : Instant.parse(fin)).plusSeconds(ttl);
        if (at.isAfter(now)) {
            requeueAfter(key(job), Duration.between(now, at).plusMillis(200));
            return;
        }
        try {
            writer.delete(job, DeletionPropagation.BACKGROUND, null);
        } catch (KubernetesClientException e) {
            if (e.getCode() != 404) throw e;
        }
    }

    private void deletePod(Pod p) {
        try {
            writer.delete(p);
        } catch (KubernetesClientException e) {
            if (e.getCode() != 404) throw e;
        }
    }

    private static JobCondition cond(String type, String reason, String message, String ts) {
        return new JobConditionBuilder().withType(type).withStatus("True").withReason(reason).withMessage(message)
                .withLastProbeTime(ts).withLastTransitionTime(ts).build();
    }

    private static String phase(Pod p) { return p.getStatus() == null ? null : p.getStatus().getPhase(); }

    static int z(Integer i) { return i == null ? 0 : i; }

    private static Pod newPod(Job job) {
        var t = job.getSpec().getTemplate();
        return new PodBuilder().withApiVersion("v1").withKind("Pod").withMetadata(new ObjectMetaBuilder()
                        .withGenerateName(job.getMetadata().getName() + "-").withNamespace(job.getMetadata().getNamespace())
                        .withLabels(t.getMetadata() == null ? null : t.getMetadata().getLabels())
                        .withAnnotations(t.getMetadata() == null ? null : t.getMetadata().getAnnotations())
                        .withOwnerReferences(Pods.newControllerRef(job, "batch/v1", "Job")).build())
                .withSpec(t.getSpec()).build();
    }
}
