package io.wharf.apiserver.kinds;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.wharf.apiserver.FieldError;
import io.wharf.apiserver.ResourceStrategy;
import io.wharf.apiserver.TableColumn;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** batch/v1 Job and CronJob (pkg/apis/batch/v1/defaults.go, pkg/registry/batch/job/strategy.go, validation). */
final class Batch {
    private Batch() {}

    static final List<String> JOB_RESTART = List.of("OnFailure", "Never");

    static void defaultJobSpec(ObjectNode spec) {
        if (Nodes.absent(spec, "completions") && Nodes.absent(spec, "parallelism")) {
            spec.put("completions", 1);
            spec.put("parallelism", 1);
        }
        Nodes.defaultInt(spec, "parallelism", 1);
        Nodes.defaultInt(spec, "backoffLimit", spec.has("backoffLimitPerIndex") ? Integer.MAX_VALUE : 6);
        Nodes.defaultText(spec, "completionMode", "NonIndexed");
        Nodes.defaultBool(spec, "suspend", false);
        Nodes.defaultText(spec, "podReplacementPolicy", spec.has("podFailurePolicy") ? "Failed" : "TerminatingOrFailed");
        PodSpecs.defaultTemplate(spec, "template");
    }

    static void validateJobTemplate(JsonNode template, String path, Check c) {
        PodSpecs.validateTemplate(template, path, c);
        String rp = template == null ? "" : template.path("spec").path("restartPolicy").asText("");
        if (template != null && !JOB_RESTART.contains(rp)) c.notSupported(path + ".spec.restartPolicy", rp, JOB_RESTART);
    }

    static void validateJobSpecNumbers(JsonNode spec, String p, Check c) {
        c.nonNegative(spec, "parallelism", p + ".parallelism");
        c.nonNegative(spec, "completions", p + ".completions");
        c.nonNegative(spec, "backoffLimit", p + ".backoffLimit");
        c.nonNegative(spec, "ttlSecondsAfterFinished", p + ".ttlSecondsAfterFinished");
        c.positive(spec, "activeDeadlineSeconds", p + ".activeDeadlineSeconds");
        String mode = Nodes.text(spec, "completionMode");
        if (!mode.isEmpty() && !mode.equals("NonIndexed") && !mode.equals("Indexed"))
            c.notSupported(p + ".completionMode", mode, List.of("NonIndexed", "Indexed"));
    }

    // ------------------------------------------------------------------------------------------------ Job
    static final class JobStrategy implements ResourceStrategy {
        @Override
        public void applyDefaults(ObjectNode obj) {
            ObjectNode spec = Nodes.obj(obj, "spec");
            defaultJobSpec(spec);
            ObjectNode md = Nodes.obj(obj, "metadata");
            JsonNode tl = spec.path("template").path("metadata").get("labels");
            if ((md.get("labels") == null || md.get("labels").isEmpty()) && tl != null && tl.isObject() && !tl.isEmpty())
                md.set("labels", tl.deepCopy());
        }

        /**
         * Clears status and generates the selector from the uid (generateSelector). The uid is taken from metadata.uid;
         * when the serving core has not set it yet, it is set here (the core must keep a uid that is already present).
         */
        @Override
        public void prepareForCreate(ObjectNode obj) {
            obj.putObject("status");
            ObjectNode md = Nodes.obj(obj, "metadata");
            if (Nodes.text(md, "uid").isEmpty()) md.put("uid", UUID.randomUUID().toString());
            ObjectNode spec = Nodes.obj(obj, "spec");
            if (spec.path("manualSelector").asBoolean(false)) return;
            String uid = Nodes.text(md, "uid"), name = Nodes.text(md, "name");
            if (Nodes.absent(spec, "selector")) {
                spec.putObject("selector").putObject("matchLabels").put("batch.kubernetes.io/controller-uid", uid);
            }
            ObjectNode tmd = Nodes.obj(Nodes.obj(spec, "template"), "metadata");
            ObjectNode labels = Nodes.obj(tmd, "labels");
            for (Map.Entry<String, String> e : Map.of("batch.kubernetes.io/controller-uid", uid, "controller-uid", uid,
                    "batch.kubernetes.io/job-name", name, "job-name", name).entrySet())
                if (!labels.has(e.getKey())) labels.put(e.getKey(), e.getValue());
        }

        @Override
        public List<FieldError> validateCreate(ObjectNode obj) {
            Check c = new Check();
            JsonNode spec = obj.path("spec");
            validateJobSpecNumbers(spec, "spec", c);
            JsonNode sel = spec.get("selector");
            if (sel == null || sel.isNull()) c.required("spec.selector", "");
            else {
                c.labelSelector(sel, "spec.selector");
                if (!spec.path("manualSelector").asBoolean(false)) {
                    String uid = Nodes.meta(obj, "uid");
                    if (!uid.isEmpty() && !uid.equals(sel.path("matchLabels").path("batch.kubernetes.io/controller-uid").asText()))
                        c.invalid("spec.selector", Nodes.raw(Nodes.goLabelSelector(sel)), "`selector` not auto-generated");
                }
                JsonNode labels = spec.path("template").path("metadata").get("labels");
                if (!Check.selectorEmpty(sel) && !Check.selectorMatches(sel, labels))
                    c.invalid("spec.template.metadata.labels", Nodes.raw(Nodes.goStringMap(labels)), "`selector` does not match template `labels`");
            }
            validateJobTemplate(spec.get("template"), "spec.template", c);
            return c.done();
        }

        @Override
        public List<FieldError> validateUpdate(ObjectNode n, ObjectNode o) {
            List<FieldError> errs = new ArrayList<>(validateCreate(n));
            JsonNode ns = n.path("spec"), os = o.path("spec");
            if (os.has("selector") && !os.get("selector").equals(ns.get("selector")))
                errs.add(FieldError.invalid("spec.selector", Nodes.raw(Nodes.goLabelSelector(ns.get("selector"))), "field is immutable"));
            if (os.has("completions") && !os.get("completions").equals(ns.get("completions")) && !Nodes.text(ns, "completionMode").equals("Indexed"))
                errs.add(FieldError.invalid("spec.completions", ns.get("completions"), "field is immutable"));
            // The template may change only while the job is suspended (mutable scheduling directives).
            if (!os.path("template").equals(ns.path("template")) && !os.path("suspend").asBoolean(false))
                errs.add(FieldError.invalid("spec.template", Nodes.raw("core.PodTemplateSpec{...}"), "field is immutable"));
            return errs;
        }

        @Override
        public List<TableColumn> tableColumns() {
            return List.of(TableColumn.NAME,
                    Printing.col("Status", "string", "Status of the job."),
                    Printing.col("Completions", "string", "The completion status of the job, for example 1/1 or 0/1 of 3."),
                    Printing.col("Duration", "string", "Time required to complete the job."),
                    TableColumn.AGE, Printing.CONTAINERS, Printing.IMAGES,
                    Printing.wide("Selector", "string", "A label query over pods that should match the pod count. Normally, the system sets this field for you."));
        }

        @Override
        public List<Object> tableRow(ObjectNode o) {
            JsonNode spec = o.path("spec"), st = o.path("status");
            List<Object> row = new ArrayList<>();
            row.add(Printing.name(o));
            String status;
            if (hasCondition(st, "Complete")) status = "Complete";
            else if (hasCondition(st, "Failed")) status = "Failed";
            else if (!Nodes.meta(o, "deletionTimestamp").isEmpty()) status = "Terminating";
            else if (hasCondition(st, "Suspended")) status = "Suspended";
            else if (hasCondition(st, "FailureTarget")) status = "FailureTarget";
            else if (hasCondition(st, "SuccessCriteriaMet")) status = "SuccessCriteriaMet";
            else status = "Running";
            row.add(status);
            long succeeded = st.path("succeeded").asLong(0);
            String completions;
            if (spec.has("completions") && !spec.get("completions").isNull()) completions = succeeded + "/" + spec.path("completions").asLong();
            else {
                long par = spec.path("parallelism").asLong(0);
                completions = par > 1 ? succeeded + "/1 of " + par : succeeded + "/1";
            }
            row.add(completions);
            String start = Nodes.text(st, "startTime"), end = Nodes.text(st, "completionTime");
            String dur = "";
            try {
                if (!start.isEmpty() && end.isEmpty()) dur = Printing.since(start);
                else if (!start.isEmpty())
                    dur = ResourceStrategy.humanDuration(java.time.Duration.between(java.time.Instant.parse(start), java.time.Instant.parse(end)));
            } catch (RuntimeException ignored) {
                dur = "<invalid>";
            }
            row.add(dur);
            row.add(Printing.age(o));
            row.addAll(Printing.containersAndImages(spec.path("template").path("spec")));
            row.add(Printing.selector(spec.get("selector")));
            return row;
        }

        @Override
        public List<String> selectableFields() { return List.of("status.successful"); }
    }

    static boolean hasCondition(JsonNode status, String type) {
        for (JsonNode c : status.path("conditions"))
            if (Nodes.text(c, "type").equals(type) && Nodes.text(c, "status").equals("True")) return true;
        return false;
    }

    // ------------------------------------------------------------------------------------------------ CronJob
    static final class CronJobStrategy implements ResourceStrategy {
        @Override
        public void applyDefaults(ObjectNode obj) {
            ObjectNode spec = Nodes.obj(obj, "spec");
            Nodes.defaultText(spec, "concurrencyPolicy", "Allow");
            Nodes.defaultBool(spec, "suspend", false);
            Nodes.defaultInt(spec, "successfulJobsHistoryLimit", 3);
            Nodes.defaultInt(spec, "failedJobsHistoryLimit", 1);
            ObjectNode jt = Nodes.objOrNull(spec, "jobTemplate");
            if (jt != null) PodSpecs.defaultTemplate(jt, "spec", "template");
        }

        @Override public void prepareForCreate(ObjectNode obj) { obj.putObject("status"); }

        @Override
        public List<FieldError> validateCreate(ObjectNode obj) {
            Check c = new Check();
            String name = Nodes.meta(obj, "name");
            if (name.length() > 52) c.invalid("metadata.name", name, "must be no more than 52 characters");
            JsonNode spec = obj.path("spec");
            String schedule = Nodes.text(spec, "schedule");
            if (schedule.isEmpty()) c.required("spec.schedule", "");
            else {
                String err = Cron.validate(schedule);
                if (err != null) c.invalid("spec.schedule", schedule, err);
            }
            String cp = Nodes.text(spec, "concurrencyPolicy");
            if (!List.of("Allow", "Forbid", "Replace").contains(cp)) c.notSupported("spec.concurrencyPolicy", cp, List.of("Allow", "Forbid", "Replace"));
            c.nonNegative(spec, "startingDeadlineSeconds", "spec.startingDeadlineSeconds");
            c.nonNegative(spec, "successfulJobsHistoryLimit", "spec.successfulJobsHistoryLimit");
            c.nonNegative(spec, "failedJobsHistoryLimit", "spec.failedJobsHistoryLimit");
            String tz = Nodes.text(spec, "timeZone");
            if (spec.has("timeZone") && (tz.isEmpty() || !validZone(tz))) c.invalid("spec.timeZone", tz, "unknown time zone " + tz);
            JsonNode jt = spec.get("jobTemplate");
            if (jt == null || jt.isNull()) c.required("spec.jobTemplate", "");
            else {
                JsonNode js = jt.path("spec");
                validateJobSpecNumbers(js, "spec.jobTemplate.spec", c);
                c.labelSelector(js.get("selector"), "spec.jobTemplate.spec.selector");
                validateJobTemplate(js.get("template"), "spec.jobTemplate.spec.template", c);
            }
            return c.done();
        }

        private static boolean validZone(String tz) {
            try { java.time.ZoneId.of(tz); return true; } catch (RuntimeException e) { return false; }
        }

        @Override
        public List<FieldError> validateUpdate(ObjectNode n, ObjectNode o) { return validateCreate(n); }

        @Override
        public List<TableColumn> tableColumns() {
            return List.of(TableColumn.NAME,
                    Printing.col("Schedule", "string", "The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron."),
                    Printing.col("Timezone", "string", "The time zone name for the given schedule, see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones. If not specified, this will default to the time zone of the kube-controller-manager process. The set of valid time zone names and the time zone offset is loaded from the system-wide time zone database by the API server during CronJob validation and the controller manager during execution. If no system-wide time zone database can be found a bundled version of the database is used instead. If the time zone name becomes invalid during the lifetime of a CronJob or due to a change in host configuration, the controller will stop creating new new Jobs and will create a system event with the reason UnknownTimeZone. More information can be found in https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/#time-zones"),
                    Printing.col("Suspend", "boolean", "This flag tells the controller to suspend subsequent executions, it does not apply to already started executions.  Defaults to false."),
                    Printing.col("Active", "integer", "A list of pointers to currently running jobs."),
                    Printing.col("Last Schedule", "string", "Information when was the last time the job was successfully scheduled."),
                    TableColumn.AGE, Printing.CONTAINERS, Printing.IMAGES,
                    Printing.wide("Selector", "string", "A label query over pods that should match the pod count. Normally, the system sets this field for you."));
        }

        @Override
        public List<Object> tableRow(ObjectNode o) {
            JsonNode spec = o.path("spec"), st = o.path("status");
            List<Object> row = new ArrayList<>();
            row.add(Printing.name(o));
            row.add(Nodes.text(spec, "schedule"));
            row.add(Printing.orNone(Nodes.text(spec, "timeZone")));
            row.add(!spec.has("suspend") || spec.get("suspend").isNull() ? "<unset>" : spec.get("suspend").asBoolean() ? "True" : "False");
            row.add((long) st.path("active").size());
            String last = Nodes.text(st, "lastScheduleTime");
            row.add(last.isEmpty() ? "<none>" : Printing.since(last));
            row.add(Printing.age(o));
            JsonNode js = spec.path("jobTemplate").path("spec");
            row.addAll(Printing.containersAndImages(js.path("template").path("spec")));
            row.add(Printing.selector(js.get("selector")));
            return row;
        }
    }
}
