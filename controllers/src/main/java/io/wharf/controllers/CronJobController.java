package io.wharf.controllers;

import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.CronJobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.CronJobStatus;
import io.fabric8.kubernetes.api.model.batch.v1.CronJobStatusBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * The CronJob controller (pkg/controller/cronjob, v2): at each scheduled time (the most recent one missed, within
 * startingDeadlineSeconds) creates Job {@code <cronjob>-<minutes since epoch>} from jobTemplate, honouring suspend
 * and concurrencyPolicy (Allow, Forbid: skip while one is active, Replace: delete the active ones first); keeps
 * status.active, lastScheduleTime and lastSuccessfulTime; deletes finished Jobs beyond successfulJobsHistoryLimit (3)
 * and failedJobsHistoryLimit (1). The schedule may carry a time zone (spec.timeZone or a CRON_TZ= prefix).
 */
public final class CronJobController extends Controller {
    private final Informers informers;
    private final ApiWriter writer;
    private final EventRecorder events;
    private final Clock clock;

    public CronJobController(Informers informers, ApiWriter writer, Clock clock, int workers) {
        super("cronjob-controller", workers);
        this.informers = informers;
        this.writer = writer;
        this.clock = clock;
        this.events = new EventRecorder(writer, "cronjob-controller", clock);
        informers.of(CronJob.class).addEventHandler(enqueueSelf());
        informers.of(Job.class).addEventHandler(enqueue(j -> {
            OwnerReference r = Pods.controllerRef(j);
            return r == null || !"CronJob".equals(r.getKind()) ? List.of() : List.of(j.getMetadata().getNamespace() + "/" + r.getName());
        }));
    }

    @Override
    protected void onStart() {
        informers.list(CronJob.class).forEach(c -> queue.add(key(c)));
    }

    @Override
    public void reconcile(String key) {
        CronJob cj = informers.get(CronJob.class, key);
        if (cj == null || cj.getMetadata().getDeletionTimestamp() != null) return;
        Instant now = clock.instant();
        CronSchedule sched;
        try {
            sched = CronSchedule.parse(cj.getSpec().getSchedule(), cj.getSpec().getTimeZone());
        } catch (RuntimeException e) {
            events.event(cj, EventRecorder.WARNING, "UnparseableSchedule", "unparseable schedule: " + cj.getSpec().getSchedule() + " : " + e.getMessage());
            return;
        }
        List<Job> jobs = new ArrayList<>();
        for (Job j : informers.list(Job.class, cj.getMetadata().getNamespace())) {
            OwnerReference r = Pods.controllerRef(j);
            if (r != null && cj.getMetadata().getUid().equals(r.getUid())) jobs.add(j);
        }
        CronJobStatus old = cj.getStatus() == null ? new CronJobStatus() : cj.getStatus();
        List<Job> activeJobs = new ArrayList<>(jobs.stream().filter(j -> !JobController.finished(j)).toList());
        String lastSuccess = old.getLastSuccessfulTime();
        for (Job j : jobs)
            if (JobController.finished(j) && j.getStatus().getCompletionTime() != null
                    && (lastSuccess == null || j.getStatus().getCompletionTime().compareTo(lastSuccess) > 0)) lastSuccess = j.getStatus().getCompletionTime();
        String lastSchedule = old.getLastScheduleTime();
        // the most recent missed time since the last schedule (or creation)
        Instant since = Pods.parseTime(lastSchedule != null ? lastSchedule : cj.getMetadata().getCreationTimestamp());
        if (since == null) since = now;
        ZonedDateTime t = sched.next(since.atZone(sched.zone())), mostRecent = null;
        int guard = 0;
        while (t != null && !t.toInstant().isAfter(now) && guard++ < 1000) {
            mostRecent = t;
            t = sched.next(t);
        }
        if (mostRecent != null && !Boolean.TRUE.equals(cj.getSpec().getSuspend())) {
            Long sd = cj.getSpec().getStartingDeadlineSeconds();
            boolean tooLate = sd != null && mostRecent.toInstant().plusSeconds(sd).isBefore(now);
            String policy = cj.getSpec().getConcurrencyPolicy() == null ? "Allow" : cj.getSpec().getConcurrencyPolicy();
            if (tooLate) {
                events.event(cj, EventRecorder.WARNING, "MissSchedule", "Missed scheduled time to start a job: " + mostRecent.toInstant().truncatedTo(ChronoUnit.SECONDS));
            } else if (policy.equals("Forbid") && !activeJobs.isEmpty()) {
                events.event(cj, EventRecorder.NORMAL, "JobAlreadyActive", "Not starting job because prior execution is running and concurrency policy is Forbid");
                mostRecent = null; // retry at the next schedule; keep lastScheduleTime
            } else {
                if (policy.equals("Replace"))
                    for (Job j : activeJobs) {
                        deleteJob(j);
                        events.event(cj, EventRecorder.NORMAL, "SuccessfulDelete", "Deleted job " + j.getMetadata().getName());
                    }
                if (policy.equals("Replace")) activeJobs.clear();
                Job job = newJob(cj, mostRecent);
                try {
                    Job created = writer.create(job);
                    activeJobs.add(created);
                    events.event(cj, EventRecorder.NORMAL, "SuccessfulCreate", "Created job " + created.getMetadata().getName());
                } catch (KubernetesClientException e) {
                    if (e.getCode() != 409) throw e; // already created for this time
                }
            }
            if (mostRecent != null) lastSchedule = mostRecent.toInstant().truncatedTo(ChronoUnit.SECONDS).toString();
        }
        cleanupHistory(cj, jobs);
        List<ObjectReference> active = activeJobs.stream().sorted(Comparator.comparing(j -> j.getMetadata().getName()))
                .map(j -> new ObjectReferenceBuilder().withApiVersion("batch/v1").withKind("Job").withName(j.getMetadata().getName())
                        .withNamespace(j.getMetadata().getNamespace()).withUid(j.getMetadata().getUid()).build()).toList();
        CronJobStatus st = new CronJobStatusBuilder().withActive(active.isEmpty() ? null : active).withLastScheduleTime(lastSchedule)
                .withLastSuccessfulTime(lastSuccess).build();
        boolean same = Objects.equals(names(old.getActive()), names(st.getActive())) && Objects.equals(old.getLastScheduleTime(), st.getLastScheduleTime())
                && Objects.equals(old.getLastSuccessfulTime(), st.getLastSuccessfulTime());
        if (!same) writer.updateStatus(new CronJobBuilder(cj).withStatus(st).build());
        ZonedDateTime next = sched.next(now.atZone(sched.zone()));
        if (next != null) requeueAfter(key, Duration.between(now, next.toInstant()).plusMillis(100));
    }

    private static List<String> names(List<ObjectReference> l) {
        return l == null ? List.of() : l.stream().map(ObjectReference::getName).sorted().toList();
    }

    private void cleanupHistory(CronJob cj, List<Job> jobs) {
        int okLimit = cj.getSpec().getSuccessfulJobsHistoryLimit() == null ? 3 : cj.getSpec().getSuccessfulJobsHistoryLimit();
        int failLimit = cj.getSpec().getFailedJobsHistoryLimit() == null ? 1 : cj.getSpec().getFailedJobsHistoryLimit();
        List<Job> ok = new ArrayList<>(), failed = new ArrayList<>();
        for (Job j : jobs) {
            if (!JobController.finished(j) || j.getMetadata().getDeletionTimestamp() != null) continue;
            boolean complete = j.getStatus().getConditions().stream().anyMatch(c -> "Complete".equals(c.getType()) && "True".equals(c.getStatus()));
            (complete ? ok : failed).add(j);
        }
        prune(ok, okLimit);
        prune(failed, failLimit);
    }

    private void prune(List<Job> finished, int limit) {
        finished.sort(Comparator.comparing(Pods::created));
        for (int i = 0; i < finished.size() - limit; i++) deleteJob(finished.get(i));
    }

    private void deleteJob(Job j) {
        try {
            writer.delete(j, DeletionPropagation.BACKGROUND, null);
        } catch (KubernetesClientException e) {
            if (e.getCode() != 404) throw e;
        }
    }

    private static Job newJob(CronJob cj, ZonedDateTime at) {
        var tmpl = cj.getSpec().getJobTemplate();
        long minutes = at.toInstant().getEpochSecond() / 60;
        return new JobBuilder().withApiVersion("batch/v1").withKind("Job")
                .withNewMetadata().withName(cj.getMetadata().getName() + "-" + minutes).withNamespace(cj.getMetadata().getNamespace())
                .withLabels(tmpl.getMetadata() == null ? null : tmpl.getMetadata().getLabels())
                .withAnnotations(tmpl.getMetadata() == null ? null : tmpl.getMetadata().getAnnotations())
                .addToAnnotations("batch.kubernetes.io/cronjob-scheduled-timestamp", at.toInstant().truncatedTo(ChronoUnit.SECONDS).toString())
                .withOwnerReferences(Pods.newControllerRef(cj, "batch/v1", "CronJob")).endMetadata()
                .withSpec(tmpl.getSpec()).build();
    }
}
