package io.wharf.runtime;

import io.wharf.common.WharfException;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * What the engine asks the runtime to run: everything needed to write an OCI bundle (config.json, runtime-spec
 * 1.0.2) for one container. Build with {@link #builder(String, Path)}.
 *
 * <p>The rootfs is already prepared (overlay-mounted by the image layer); the runtime never writes into it except
 * to create missing mount points. {@code /etc/hosts}, {@code /etc/hostname} and {@code /etc/resolv.conf} are
 * written by the engine (it knows the network) and bind-mounted here; when {@link #hostsFile} is null but a
 * hostname or {@link #extraHosts} is set, the runtime writes a default hosts file itself into the container dir.
 *
 * @param id              container id (Docker's 64-hex id; any [a-zA-Z0-9][a-zA-Z0-9_.-]* up to 128 chars)
 * @param rootfs          the container's root filesystem (absolute)
 * @param args            argv of the container process (Entrypoint+Cmd already combined); not empty
 * @param env             "KEY=value" entries; PATH is added if absent (Docker's default), HOSTNAME and TERM (tty) too
 * @param cwd             absolute working directory, "" or null = "/"
 * @param user            Docker's User: "", "uid", "uid:gid", "name", "name:group", "uid:group"... resolved against
 *                        rootfs /etc/passwd and /etc/group here (INVALID_ARGUMENT when a name is unknown)
 * @param groupAdd        supplementary groups (names or gids)
 * @param hostname        container hostname (uts namespace); null = first 12 chars of id
 * @param domainname      NIS domain name; null = none
 * @param tty             allocate a pseudo-terminal for the main process (conmon holds the master)
 * @param openStdin       keep a stdin pipe open to the process (Docker's OpenStdin, -i)
 * @param stdinOnce       close the container's stdin when the first attached client detaches (Docker's StdinOnce)
 * @param mounts          extra mounts (binds, tmpfs), after the defaults; a mount on a default destination replaces it
 * @param network         network namespace; {@link NamespaceMode#PRIVATE} = Docker's none (loopback only)
 * @param ipc             ipc namespace mode (Docker's default is private)
 * @param pid             pid namespace mode
 * @param uts             uts namespace mode (host = --uts host: hostname is then not set)
 * @param resources       cgroup limits
 * @param privileged      all capabilities, all host devices, no masked/read-only paths, rw /sys
 * @param capAdd          capabilities to add, "CAP_X" or "X" or "ALL"
 * @param capDrop         capabilities to drop, "CAP_X" or "X" or "ALL"
 * @param readonlyRootfs  mount the rootfs read-only
 * @param maskedPaths     null = Docker's defaults
 * @param readonlyPaths   null = Docker's defaults
 * @param sysctls         namespaced sysctls (e.g. net.ipv4.ip_forward)
 * @param shmSize         /dev/shm size bytes; 0 = 64 MiB (Docker's default)
 * @param annotations     OCI annotations
 * @param stopSignal      signal for {@link ContainerRuntime#stop} when none is given; null = SIGTERM
 * @param extraHosts      "name:ip" lines added to a runtime-written hosts file (see above)
 * @param hostsFile       host file to bind-mount at /etc/hosts (engine-written), or null
 * @param hostnameFile    host file to bind-mount at /etc/hostname, or null
 * @param resolvConfFile  host file to bind-mount at /etc/resolv.conf, or null
 */
public record ContainerSpec(String id, Path rootfs, List<String> args, List<String> env, String cwd, String user,
                            List<String> groupAdd, String hostname, String domainname, boolean tty, boolean openStdin,
                            boolean stdinOnce, List<Mount> mounts, NamespaceMode network, NamespaceMode ipc,
                            NamespaceMode pid, NamespaceMode uts, Resources resources, boolean privileged,
                            List<String> capAdd, List<String> capDrop, boolean readonlyRootfs,
                            List<String> maskedPaths, List<String> readonlyPaths, Map<String, String> sysctls,
                            long shmSize, Map<String, String> annotations, String stopSignal, List<String> extraHosts,
                            Path hostsFile, Path hostnameFile, Path resolvConfFile) {

    private static final Pattern ID = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}");

    public ContainerSpec {
        if (id == null || !ID.matcher(id).matches()) throw WharfException.invalid("invalid container id: %s", id);
        Objects.requireNonNull(rootfs, "rootfs");
        if (!rootfs.isAbsolute()) throw WharfException.invalid("rootfs must be absolute: %s", rootfs);
        if (args == null || args.isEmpty()) throw WharfException.invalid("no command specified");
        args = List.copyOf(args);
        env = env == null ? List.of() : List.copyOf(env);
        for (String e : env) {
            if (e.isEmpty() || e.startsWith("=")) throw WharfException.invalid("invalid environment variable: %s", e);
        }
        if (cwd == null || cwd.isEmpty()) cwd = "/";
        if (!cwd.startsWith("/")) throw WharfException.invalid("the working directory '%s' is invalid, it needs to be an absolute path", cwd);
        user = user == null ? "" : user;
        groupAdd = groupAdd == null ? List.of() : List.copyOf(groupAdd);
        if (hostname == null || hostname.isEmpty()) hostname = id.length() > 12 ? id.substring(0, 12) : id;
        mounts = mounts == null ? List.of() : List.copyOf(mounts);
        network = network == null ? NamespaceMode.PRIVATE : network;
        ipc = ipc == null ? NamespaceMode.PRIVATE : ipc;
        pid = pid == null ? NamespaceMode.PRIVATE : pid;
        uts = uts == null ? NamespaceMode.PRIVATE : uts;
        if (uts instanceof NamespaceMode.Container || pid instanceof NamespaceMode.Join) {
            throw WharfException.invalid("unsupported uts/pid namespace mode");
        }
        resources = resources == null ? Resources.NONE : resources;
        capAdd = capAdd == null ? List.of() : List.copyOf(capAdd);
        capDrop = capDrop == null ? List.of() : List.copyOf(capDrop);
        maskedPaths = maskedPaths == null ? null : List.copyOf(maskedPaths);
        readonlyPaths = readonlyPaths == null ? null : List.copyOf(readonlyPaths);
        sysctls = sysctls == null ? Map.of() : Map.copyOf(sysctls);
        if (shmSize < 0) throw WharfException.invalid("SHM size can not be less than 0");
        annotations = annotations == null ? Map.of() : Map.copyOf(annotations);
        extraHosts = extraHosts == null ? List.of() : List.copyOf(extraHosts);
        for (String h : extraHosts) {
            if (h.indexOf(':') <= 0) throw WharfException.invalid("invalid argument \"%s\" for \"--add-host\" flag", h);
        }
    }

    public static Builder builder(String id, Path rootfs) {
        return new Builder(id, rootfs);
    }

    /** A builder pre-filled from this spec (e.g. to restart a container with a new netns path). */
    public Builder toBuilder() {
        Builder b = new Builder(id, rootfs);
        b.args = new ArrayList<>(args); b.env = new ArrayList<>(env); b.cwd = cwd; b.user = user; b.groupAdd = new ArrayList<>(groupAdd);
        b.hostname = hostname; b.domainname = domainname; b.tty = tty; b.openStdin = openStdin; b.stdinOnce = stdinOnce;
        b.mounts = new ArrayList<>(mounts); b.network = network; b.ipc = ipc; b.pid = pid; b.uts = uts; b.resources = resources;
        b.privileged = privileged; b.capAdd = new ArrayList<>(capAdd); b.capDrop = new ArrayList<>(capDrop);
        b.readonlyRootfs = readonlyRootfs; b.maskedPaths = maskedPaths; b.readonlyPaths = readonlyPaths;
        b.sysctls = new LinkedHashMap<>(sysctls); b.shmSize = shmSize; b.annotations = new LinkedHashMap<>(annotations);
        b.stopSignal = stopSignal; b.extraHosts = new ArrayList<>(extraHosts); b.hostsFile = hostsFile;
        b.hostnameFile = hostnameFile; b.resolvConfFile = resolvConfFile;
        return b;
    }

    /** Mutable builder; every setter returns this. Unset fields take the defaults documented on the record. */
    public static final class Builder {
        private final String id;
        private final Path rootfs;
        private List<String> args = new ArrayList<>();
        private List<String> env = new ArrayList<>();
        private String cwd = "/";
        private String user = "";
        private List<String> groupAdd = new ArrayList<>();
        private String hostname;
        private String domainname;
        private boolean tty, openStdin, stdinOnce;
        private List<Mount> mounts = new ArrayList<>();
        private NamespaceMode network = NamespaceMode.PRIVATE, ipc = NamespaceMode.PRIVATE, pid = NamespaceMode.PRIVATE, uts = NamespaceMode.PRIVATE;
        private Resources resources = Resources.NONE;
        private boolean privileged;
        private List<String> capAdd = new ArrayList<>(), capDrop = new ArrayList<>();
        private boolean readonlyRootfs;
        private List<String> maskedPaths, readonlyPaths;
        private Map<String, String> sysctls = new LinkedHashMap<>();
        private long shmSize;
        private Map<String, String> annotations = new LinkedHashMap<>();
        private String stopSignal;
        private List<String> extraHosts = new ArrayList<>();
        private Path hostsFile, hostnameFile, resolvConfFile;

        private Builder(String id, Path rootfs) {
            this.id = id;
            this.rootfs = rootfs;
        }

        public Builder args(List<String> v) { args = new ArrayList<>(v); return this; }
        public Builder args(String... v) { return args(List.of(v)); }
        public Builder env(List<String> v) { env = new ArrayList<>(v); return this; }
        public Builder cwd(String v) { cwd = v; return this; }
        public Builder user(String v) { user = v; return this; }
        public Builder groupAdd(List<String> v) { groupAdd = new ArrayList<>(v); return this; }
        public Builder hostname(String v) { hostname = v; return this; }
        public Builder domainname(String v) { domainname = v; return this; }
        public Builder tty(boolean v) { tty = v; return this; }
        public Builder openStdin(boolean v) { openStdin = v; return this; }
        public Builder stdinOnce(boolean v) { stdinOnce = v; return this; }
        public Builder mounts(List<Mount> v) { mounts = new ArrayList<>(v); return this; }
        public Builder addMount(Mount m) { mounts.add(m); return this; }
        public Builder network(NamespaceMode v) { network = v; return this; }
        public Builder ipc(NamespaceMode v) { ipc = v; return this; }
        public Builder pid(NamespaceMode v) { pid = v; return this; }
        public Builder uts(NamespaceMode v) { uts = v; return this; }
        public Builder resources(Resources v) { resources = v; return this; }
        public Builder privileged(boolean v) { privileged = v; return this; }
        public Builder capAdd(List<String> v) { capAdd = new ArrayList<>(v); return this; }
        public Builder capDrop(List<String> v) { capDrop = new ArrayList<>(v); return this; }
        public Builder readonlyRootfs(boolean v) { readonlyRootfs = v; return this; }
        public Builder maskedPaths(List<String> v) { maskedPaths = v; return this; }
        public Builder readonlyPaths(List<String> v) { readonlyPaths = v; return this; }
        public Builder sysctls(Map<String, String> v) { sysctls = new LinkedHashMap<>(v); return this; }
        public Builder shmSize(long v) { shmSize = v; return this; }
        public Builder annotations(Map<String, String> v) { annotations = new LinkedHashMap<>(v); return this; }
        public Builder stopSignal(String v) { stopSignal = v; return this; }
        public Builder extraHosts(List<String> v) { extraHosts = new ArrayList<>(v); return this; }
        public Builder hostsFile(Path v) { hostsFile = v; return this; }
        public Builder hostnameFile(Path v) { hostnameFile = v; return this; }
        public Builder resolvConfFile(Path v) { resolvConfFile = v; return this; }

        public ContainerSpec build() {
            return new ContainerSpec(id, rootfs, args, env, cwd, user, groupAdd, hostname, domainname, tty, openStdin,
                    stdinOnce, mounts, network, ipc, pid, uts, resources, privileged, capAdd, capDrop, readonlyRootfs,
                    maskedPaths, readonlyPaths, sysctls, shmSize, annotations, stopSignal, extraHosts, hostsFile,
                    hostnameFile, resolvConfFile);
        }
    }
}
