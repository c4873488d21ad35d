package io.wharf.build;

import io.wharf.build.Instruction.*;
import io.wharf.common.ErrorKind;
import io.wharf.common.WharfException;
import io.wharf.image.Archive;
import io.wharf.image.Compression;
import io.wharf.image.ContentStore;
import io.wharf.image.ExtractOptions;
import io.wharf.image.Image;
import io.wharf.image.ImageService;
import io.wharf.image.Snapshotter;
import io.wharf.network.AttachRequest;
import io.wharf.network.Endpoint;
import io.wharf.network.NetworkManager;
import io.wharf.oci.Digest;
import io.wharf.oci.ImageConfig;
import io.wharf.oci.ImageConfig.ContainerConfig;
import io.wharf.oci.Platform;
import io.wharf.oci.Reference;
import io.wharf.runtime.Attachment;
import io.wharf.runtime.ContainerRuntime;
import io.wharf.runtime.ContainerSpec;
import io.wharf.runtime.ExitStatus;
import io.wharf.runtime.NamespaceMode;
import io.wharf.runtime.OutputSink;
import io.wharf.runtime.StreamType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * The Dockerfile builder behind {@code docker build} (the classic builder's behaviour and output, moby
 * builder/dockerfile): every instruction of every stage up to the target is one step; each step commits an image
 * whose parent is the previous step's, so the step's result is cacheable and {@code docker history} shows one row per
 * step with {@code created_by} as docker writes it ({@code /bin/sh -c #(nop)  CMD ["x"]}, {@code /bin/sh -c apt-get …},
 * {@code /bin/sh -c #(nop) COPY file:<hash> in /dest }).
 *
 * <ul>
 *   <li>RUN runs in a real container: an overlay snapshot of the parent image mounted as rootfs, a crun container under
 *       conmon from {@link ContainerRuntime}, attached to the default bridge network through {@link NetworkManager}
 *       (own netns, /etc/hosts and /etc/resolv.conf written) so apt-get and pip reach their mirrors. Its upper dir,
 *       minus the mount points the runtime created, becomes the layer.</li>
 *   <li>COPY/ADD write into a mounted snapshot (paths resolved inside the rootfs, never through a symlink out of it);
 *       the layer's mtimes are clamped to the newest copied source's mtime, so the same content gives the same layer
 *       digest. With the build arg {@code SOURCE_DATE_EPOCH} every layer and the created times are clamped to it
 *       (BuildKit's convention), which makes whole builds reproducible.</li>
 *   <li>Metadata instructions change the config and add an {@code empty_layer} history entry.</li>
 *   <li>Cache ({@link BuildCache}): parent image ID + instruction as executed (+ content hash for COPY/ADD).</li>
 * </ul>
 *
 * <p>Intermediate containers are not engine containers ({@code docker ps -a} never lists them) and are always removed,
 * also on failure (forcerm semantics); a failed build leaves no snapshot, mount, netns or tag behind.
 *
 * <p>Thread-safe: concurrent builds share only the image service and the cache.
 */
public final class Builder {
    private static final Logger log = LoggerFactory.getLogger(Builder.class);
    private static final List<String> DEFAULT_SHELL = List.of("/bin/sh", "-c");
    private static final Set<String> PROXY_ARGS = Set.of("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy",
            "FTP_PROXY", "ftp_proxy", "NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy");
    /** Where the runtime creates mount points in a rootfs that lacks them (removed from a RUN's diff when empty). */
    private static final List<String> MOUNT_POINTS = List.of("/etc/resolv.conf", "/etc/hostname", "/etc/hosts",
            "/dev", "/proc", "/sys", "/etc");
    private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;
    /** Prefix of every container id and snapshot key the builder creates. */
    static final String PREFIX = "wharfbuild-";
    private static final Object LAYERS = new Object();

    /** Gets an image that is not local (FROM, COPY --from=image, --pull). Optional: without it such builds fail. */
    public interface Puller {
        Digest pull(String reference, Consumer<BuildMessage> progress);
    }

    private final ImageService images;
    private final ContainerRuntime runtime;
    private final NetworkManager network;
    private final Path root;
    private final Path tmp;
    private final Path containersDir;
    private final BuildCache cache;
    private final Clock clock;
    private volatile Puller puller;
    private volatile String networkName = "bridge";

    /**
     * @param network the network manager whose default "bridge" network RUN steps join; null runs them with loopback
     *                only (as {@code --network none})
     * @param root    the builder's own directory (cache, temporary contexts and mounts), e.g. /var/lib/wharf/build
     */
    public Builder(ImageService images, ContainerRuntime runtime, NetworkManager network, Path root) {
        this(images, runtime, network, root, Clock.systemUTC());
    }

    public Builder(ImageService images, ContainerRuntime runtime, NetworkManager network, Path root, Clock clock) {
        this.images = images;
        this.runtime = runtime;
        this.network = network;
        this.root = root.toAbsolutePath();
        this.tmp = this.root.resolve("tmp");
        this.containersDir = this.root.resolve("containers");
        this.clock = clock;
        try {
            Files.createDirectories(tmp);
            Files.createDirectories(containersDir);
            cleanLeftovers();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        recover();
        this.cache = new BuildCache(this.root.resolve("cache.json"));
        try {
            cache.retainImages(id -> images.find(id.toString()).isPresent());
        } catch (RuntimeException e) {
            log.warn("build cache cleanup: {}", e.toString());
        }
    }

    /** Sets the puller (e.g. the engine's registry client). */
    public Builder puller(Puller p) {
        this.puller = p;
        return this;
    }

    /** The network RUN steps attach to by default ("bridge"). */
    public Builder networkName(String n) {
        this.networkName = n;
        return this;
    }

    /**
     * Removes what a build interrupted by a crash left in the other parts: its containers (runtime), network
     * sandboxes and snapshots, all named with {@link #PREFIX}. Best effort: a failure is logged, never fatal.
     */
    private void recover() {
        try {
            for (var st : runtime.list()) {
                if (st.id().startsWith(PREFIX)) runtime.delete(st.id(), true, true);
            }
        } catch (RuntimeException e) {
            log.warn("build recovery (containers): {}", e.toString());
        }
        if (network != null) {
            try {
                for (String sb : network.sandboxes()) {
                    if (sb.startsWith(PREFIX)) {
                        network.detachAll(sb);
                        network.removeSandbox(sb);
                    }
                }
            } catch (RuntimeException e) {
                log.warn("build recovery (network): {}", e.toString());
            }
        }
        // the snapshotter lists no active keys; its metadata directory names them (meta/active/<key>.json)
        Path active = images.snapshotter().root().resolve("meta/active");
        try (var s = Files.list(active)) {
            for (Path p : s.toList()) {
                String name = p.getFileName().toString();
                if (name.startsWith(PREFIX) && name.endsWith(".json")) images.remove(name.substring(0, name.length() - 5));
            }
        } catch (IOException | RuntimeException e) {
            log.warn("build recovery (snapshots): {}", e.toString());
        }
    }

    private void removeSnapshot(String key) {
        synchronized (LAYERS) {
            images.remove(key);
        }
    }

    /** Unmounts and removes what a crashed build left in tmp/. */
    private void cleanLeftovers() throws IOException {
        try (var s = Files.list(tmp)) {
            for (Path p : s.toList()) {
                try {
                    if (Snapshotter.isMounted(p)) Snapshotter.unmount(p);
                    if (!Snapshotter.isMounted(p)) Archive.removeAll(p);
                } catch (RuntimeException | IOException e) {
                    log.warn("cannot clean {}: {}", p, e.toString());
                }
            }
        }
    }

    /** Checks what can be rejected before streaming starts (tags): INVALID_ARGUMENT "invalid reference format". */
    public static void validate(BuildRequest req) {
        for (String t : req.tags()) {
            Reference r;
            try {
                r = Reference.parse(t);
            } catch (WharfException e) {
                throw WharfException.invalid("invalid reference format: %s", t);
            }
            if (r.isCanonical()) throw WharfException.invalid("invalid reference format: %s: a digest is not allowed in a tag", t);
        }
    }

    /**
     * Runs a build, streaming its progress to {@code out}. Returns the image ID. Throws {@link BuildException} (or
     * another WharfException) when it fails; {@link #buildStreaming} turns that into the stream's error message.
     */
    public Digest build(BuildRequest req, Consumer<BuildMessage> out) {
        validate(req);
        Session s = new Session(req, out);
        try {
            return s.run();
        } finally {
            s.close();
        }
    }

    /**
     * The engine's entry point: like {@link #build} but every failure becomes the final {@code errorDetail} message
     * (whose code the CLI exits with). Returns the image ID or null.
     */
    public Digest buildStreaming(BuildRequest req, Consumer<BuildMessage> out) {
        BuildMessage.Error error;
        try {
            return build(req, out);
        } catch (BuildException e) {
            error = new BuildMessage.Error(e.code(), e.getMessage());
        } catch (WharfException e) {
            error = new BuildMessage.Error(0, e.getMessage());
        } catch (RuntimeException | LinkageError | AssertionError | StackOverflowError e) {
            // never leave the client waiting on an open stream: every failure ends it with an error message
            log.warn("build failed", e);
            error = new BuildMessage.Error(0, "internal error: " + e);
        }
        try {
            out.accept(error);
        } catch (RuntimeException e) {
            log.debug("build error not delivered (client gone): {}", error.message());
        }
        return null;
    }

    // =================================================================================================== session

    /** The state of one stage while it is built. */
    private static final class StageState {
        final String name;
        Digest imageId;
        ContainerConfig config = ContainerConfig.EMPTY;
        String author;
        boolean cmdSet;
        final Map<String, String> args = new LinkedHashMap<>();

        StageState(String name) {
            this.name = name;
        }

        List<String> shell() {
            return config.shell() == null || config.shell().isEmpty() ? DEFAULT_SHELL : config.shell();
        }
    }

    private static BuildException fail(String fmt, Object... args) {
        return new BuildException(ErrorKind.INVALID_ARGUMENT, 0, fmt.formatted(args));
    }

    private final class Session implements AutoCloseable {
        final BuildRequest req;
        final Consumer<BuildMessage> sink;
        final Path ctx;
        ShellLex lex;
        char escape = '\\';
        final Map<String, String> metaArgs = new LinkedHashMap<>();
        final Set<String> usedArgs = new HashSet<>();
        final List<StageState> stages = new ArrayList<>();
        final Instant sourceDate;
        int step, total;
        DockerIgnore ignore = DockerIgnore.EMPTY;

        Session(BuildRequest req, Consumer<BuildMessage> sink) {
            this.req = req;
            this.sink = sink;
            this.ctx = tmp.resolve("ctx-" + UUID.randomUUID());
            String sde = req.buildArgs().get("SOURCE_DATE_EPOCH");
            Instant sd = null;
            if (sde != null && !sde.isEmpty()) {
                try {
                    sd = Instant.ofEpochSecond(Long.parseLong(sde.strip()));
                } catch (NumberFormatException e) {
                    throw WharfException.invalid("invalid SOURCE_DATE_EPOCH: %s", sde);
                }
            }
            this.sourceDate = sd;
        }

        /** Set when the client stopped reading (its connection closed): the build stops at the next chance. */
        volatile boolean cancelled;

        void stream(String text) {
            if (req.quiet() || cancelled) return;
            try {
                sink.accept(new BuildMessage.Stream(text));
            } catch (RuntimeException e) {
                // called from the RUN output thread too: never throw into it; stop the build instead
                cancelled = true;
            }
        }

        void checkCancelled() {
            if (cancelled) throw new BuildException(ErrorKind.UNAVAILABLE, 0, "build cancelled: the client went away");
        }

        Digest run() {
            Dockerfile df = readContext();
            escape = df.escape();
            lex = new ShellLex(escape);
            Stages all = df.stages();
            int targetIdx = all.stages().size() - 1;
            if (req.target() != null) {
                targetIdx = -1;
                for (Stage st : all.stages()) {
                    if (req.target().equalsIgnoreCase(st.name())) targetIdx = st.index();
                }
                if (targetIdx < 0) throw fail("failed to reach build target %s in Dockerfile", req.target());
            }
            total = all.metaArgs().size() + (req.labels().isEmpty() ? 0 : 1);
            for (int i = 0; i <= targetIdx; i++) total += 1 + all.stages().get(i).body().size();

            for (Arg a : all.metaArgs()) {
                step(a);
                for (KeyValue kv : a.args()) {
                    String v;
                    try {
                        v = kv.value() == null ? null : lex.processWord(kv.value(), metaArgs::get);
                    } catch (WharfException x) {
                        throw fail("failed to process \"%s\": %s", kv.value(), x.getMessage());
                    }
                    if (req.buildArgs().containsKey(kv.key()) && req.buildArgs().get(kv.key()) != null) {
                        v = req.buildArgs().get(kv.key());
                    }
                    usedArgs.add(kv.key());
                    metaArgs.put(kv.key(), v);
                }
            }
            StageState last = null;
            for (int i = 0; i <= targetIdx; i++) {
                Stage stage = all.stages().get(i);
                StageState st = new StageState(stage.name());
                stages.add(st);
                step(stage.from());
                from(st, stage.from());
                for (Instruction ins : stage.body()) {
                    step(ins);
                    dispatch(st, ins);
                }
                last = st;
            }
            if (!req.labels().isEmpty()) {
                StringBuilder text = new StringBuilder("LABEL");
                req.labels().forEach((k, v) -> text.append(' ').append(k).append('=').append(v));
                stream("Step " + (++step) + "/" + total + " : " + text + "\n");
                Map<String, String> l = new LinkedHashMap<>(last.config.labels() == null ? Map.of() : last.config.labels());
                l.putAll(req.labels());
                last.config = last.config.withLabels(l);
                metaCommit(last, text.toString());
            }
            if (last.imageId == null) throw fail("No image was generated. Is your Dockerfile empty?");
            Digest id = last.imageId;
            List<String> unused = new ArrayList<>();
            for (String k : req.buildArgs().keySet()) {
                if (!usedArgs.contains(k) && !PROXY_ARGS.contains(k) && !k.equals("SOURCE_DATE_EPOCH")) unused.add(k);
            }
            if (!unused.isEmpty()) stream("[Warning] One or more build-args " + unused + " were not consumed\n");
            sink.accept(new BuildMessage.Aux(id.toString()));
            stream("Successfully built " + id.shortHex() + "\n");
            for (String t : req.tags()) {
                images.tagImage(id, t);
                stream("Successfully tagged " + Reference.parse(t).withDefaultTag().familiarString() + "\n");
            }
            if (req.quiet()) sink.accept(new BuildMessage.Stream(id + "\n"));
            return id;
        }

        void step(Instruction ins) {
            checkCancelled();
            stream("Step " + (++step) + "/" + total + " : " + ins.original() + "\n");
        }

        /** Extracts the context, reads the Dockerfile, applies .dockerignore. */
        Dockerfile readContext() {
            try {
                Files.createDirectory(ctx);
                try (InputStream in = new TarEndPadding(Compression.decompress(req.context()))) {
                    Archive.applyLayer(ctx, in, new ExtractOptions(false, false, false, 0, 0, false));
                }
            } catch (WharfException e) {
                throw fail("failed to read the build context: %s", e.getMessage());
            } catch (IOException e) {
                throw fail("failed to read the build context: %s", e.getMessage());
            }
            String dfName = DockerIgnore.clean(req.dockerfile());
            if (dfName.startsWith("/")) dfName = dfName.substring(1);
            if (dfName.equals("..") || dfName.startsWith("../")) {
                throw fail("the Dockerfile (%s) must be within the build context", req.dockerfile());
            }
            Path dfPath = Archive.resolveInRoot(ctx, dfName, true);
            byte[] bytes;
            try {
                if (!Files.isRegularFile(dfPath)) throw fail("Cannot locate specified Dockerfile: %s", req.dockerfile());
                bytes = Files.readAllBytes(dfPath);
                Path di = ctx.resolve(".dockerignore");
                if (Files.isRegularFile(di, NOFOLLOW)) {
                    ignore = DockerIgnore.parse(Files.readString(di));
                    applyIgnore(ctx, "");
                }
            } catch (IOException e) {
                throw fail("failed to read the build context: %s", e.getMessage());
            }
            Dockerfile df = Dockerfile.parse(bytes);
            if (df.instructions().isEmpty()) throw fail("the Dockerfile (%s) cannot be empty", req.dockerfile());
            return df;
        }

        /** Removes excluded paths from the extracted context, keeping re-included ones ({@code !} rules). */
        void applyIgnore(Path dir, String rel) throws IOException {
            for (Path p : listSorted(dir)) {
                String r = rel.isEmpty() ? p.getFileName().toString() : rel + "/" + p.getFileName();
                boolean isDir = Files.isDirectory(p, NOFOLLOW);
                boolean ex = ignore.excluded(r);
                if (isDir && (!ex || ignore.hasExclusions())) {
                    applyIgnore(p, r);
                    if (ex && isEmptyDir(p)) Files.delete(p);
                } else if (ex) {
                    Archive.removeAll(p);
                }
            }
        }

        @Override
        public void close() {
            try {
                Archive.removeAll(ctx);
                Archive.removeAll(tmp.resolve(ctx.getFileName() + "-inline"));
            } catch (IOException e) {
                log.warn("cannot remove {}: {}", ctx, e.toString());
            }
        }

        // ------------------------------------------------------------------------------------------- dispatch

        Function<String, String> env(StageState st) {
            return name -> {
                String v = envValue(st.config.env(), name);
                if (v != null) return v;
                return st.args.get(name);
            };
        }

        String word(StageState st, String w) {
            try {
                return lex.processWord(w, env(st));
            } catch (WharfException e) {
                throw fail("failed to process \"%s\": %s", w, e.getMessage());
            }
        }

        void from(StageState st, From f) {
            String name;
            try {
                name = lex.processWord(f.image(), metaArgs::get);
            } catch (WharfException x) {
                throw fail("failed to process \"%s\": %s", f.image(), x.getMessage());
            }
            if (name.isEmpty()) throw fail("base name (%s) should not be blank", f.image());
            if (name.equalsIgnoreCase("scratch")) {
                st.imageId = null;
                st.config = ContainerConfig.EMPTY;
                return;
            }
            StageState prev = null;
            for (StageState s : stages) if (s != st && s.name != null && s.name.equalsIgnoreCase(name)) prev = s;
            if (prev != null) {
                st.imageId = prev.imageId;
                st.config = prev.config;
                st.author = prev.author;
            } else {
                Image img = resolveImage(name, req.pull());
                st.imageId = img.id();
                st.config = img.config().configOrEmpty();
                st.author = img.config().author();
            }
            if (st.imageId != null) stream(" ---> " + st.imageId.shortHex() + "\n");
            List<String> triggers = st.config.onBuild();
            if (triggers != null && !triggers.isEmpty()) {
                st.config = st.config.withOnBuild(null);
                stream("# Executing " + triggers.size() + " build trigger" + (triggers.size() > 1 ? "s" : "") + "\n");
                for (String t : triggers) dispatch(st, Dockerfile.parseInstruction(f.line(), t, escape, true));
            }
        }

        Image resolveImage(String name, boolean pull) {
            var local = images.find(name);
            if (local.isPresent() && !pull) return local.get();
            Puller p = puller;
            if (p != null) {
                Digest id = p.pull(name, m -> {
                    if (!req.quiet()) sink.accept(m);
                });
                return images.get(id);
            }
            if (local.isPresent()) return local.get(); // --pull without a registry client: use what is here
            String shown;
            try {
                shown = Reference.parse(name).withDefaultTag().familiarString();
            } catch (WharfException e) {
                throw fail("invalid reference format: %s", name);
            }
            throw new BuildException(ErrorKind.NOT_FOUND, 0, "pull access denied for " + shown.replaceFirst(":[^:/]+$", "")
                    + ", repository does not exist or may require 'docker login': No such image: " + shown
                    + " (this builder does not pull; run docker pull " + shown + " first)");
        }

        void dispatch(StageState st, Instruction ins) {
            switch (ins) {
                case From f -> throw new IllegalStateException("FROM inside a stage");
                case Run r -> run(st, r);
                case Copy c -> copy(st, c);
                case Workdir w -> workdir(st, w);
                case Cmd c -> {
                    List<String> cmd = command(st, c.command());
                    st.config = st.config.withCmd(cmd);
                    st.cmdSet = true;
                    metaCommit(st, "CMD " + goQuote(cmd));
                }
                case Entrypoint e -> {
                    List<String> ep = e.command().json() ? e.command().args()
                            : e.command().args().getFirst().isEmpty() ? null : command(st, e.command());
                    st.config = st.config.withEntrypoint(ep);
                    if (!st.cmdSet) st.config = st.config.withCmd(null);
                    metaCommit(st, "ENTRYPOINT " + goQuote(ep == null ? List.of() : ep), "cmdSet=" + st.cmdSet);
                }
                case Env e -> {
                    List<String> env = new ArrayList<>(st.config.env() == null ? List.of() : st.config.env());
                    StringBuilder msg = new StringBuilder("ENV");
                    // every pair is expanded with the environment from before the instruction (ENV a=1 b=$a: b is
                    // the old a), as docker does
                    ContainerConfig before = st.config;
                    for (KeyValue kv : e.pairs()) {
                        ContainerConfig now = st.config;
                        st.config = before;
                        String k = word(st, kv.key());
                        String v = word(st, kv.value());
                        st.config = now;
                        if (k.isEmpty()) throw fail("ENV names can not be blank");
                        env.removeIf(x -> x.equals(k) || x.startsWith(k + "="));
                        env.add(k + "=" + v);
                        msg.append(' ').append(k).append('=').append(v);
                        st.config = st.config.withEnv(List.copyOf(env));
                    }
                    metaCommit(st, msg.toString());
                }
                case Label l -> {
                    Map<String, String> labels = new LinkedHashMap<>(st.config.labels() == null ? Map.of() : st.config.labels());
                    StringBuilder msg = new StringBuilder("LABEL");
                    for (KeyValue kv : l.pairs()) {
                        String k = word(st, kv.key());
                        String v = word(st, kv.value());
                        if (k.isEmpty()) throw fail("LABEL names can not be blank");
                        labels.put(k, v);
                        msg.append(' ').append(k).append('=').append(v);
                    }
                    st.config = st.config.withLabels(labels);
                    metaCommit(st, msg.toString());
                }
                case Maintainer m -> {
                    st.author = word(st, m.name());
                    metaCommit(st, "MAINTAINER " + st.author);
                }
                case Expose e -> {
                    Map<String, Object> ports = new TreeMap<>(st.config.exposedPorts() == null ? Map.of() : st.config.exposedPorts());
                    List<String> given = new ArrayList<>();
                    for (String raw : e.ports()) {
                        List<String> words;
                        try {
                            words = lex.processWords(raw, env(st));
                        } catch (WharfException x) {
                            throw fail("failed to process \"%s\": %s", raw, x.getMessage());
                        }
                        for (String p : words) {
                            given.add(p);
                            for (String pp : expandPort(p)) ports.put(pp, Map.of());
                        }
                    }
                    st.config = st.config.withExposedPorts(new LinkedHashMap<>(ports));
                    metaCommit(st, "EXPOSE " + String.join(" ", given));
                }
                case Volume v -> {
                    Map<String, Object> vols = new LinkedHashMap<>(st.config.volumes() == null ? Map.of() : st.config.volumes());
                    List<String> given = new ArrayList<>();
                    for (String raw : v.paths()) {
                        String p = word(st, raw).strip();
                        if (p.isEmpty()) throw fail("VOLUME specified can not be an empty string");
                        given.add(p);
                        vols.put(p, Map.of());
                    }
                    st.config = st.config.withVolumes(vols);
                    metaCommit(st, "VOLUME [" + String.join(" ", given) + "]");
                }
                case User u -> {
                    String user = word(st, u.user());
                    st.config = st.config.withUser(user);
                    metaCommit(st, "USER " + user);
                }
                case StopSignal s -> {
                    String sig = word(st, s.signal());
                    if (!sig.matches("(?i)(SIG)?[A-Z0-9+-]+")) throw fail("Invalid signal: %s", sig);
                    st.config = st.config.withStopSignal(sig);
                    metaCommit(st, "STOPSIGNAL " + sig);
                }
                case OnBuild o -> {
                    List<String> ob = new ArrayList<>(st.config.onBuild() == null ? List.of() : st.config.onBuild());
                    ob.add(o.trigger());
                    st.config = st.config.withOnBuild(ob);
                    metaCommit(st, "ONBUILD " + o.trigger());
                }
                case Healthcheck h -> {
                    ImageConfig.Healthcheck hc;
                    if (h.command() == null) {
                        hc = new ImageConfig.Healthcheck(List.of("NONE"), 0, 0, 0, 0, 0);
                    } else {
                        List<String> test = new ArrayList<>();
                        if (h.command().json()) {
                            test.add("CMD");
                            test.addAll(h.command().args());
                        } else {
                            test.add("CMD-SHELL");
                            test.add(h.command().args().getFirst());
                        }
                        hc = new ImageConfig.Healthcheck(test, h.interval(), h.timeout(), h.startPeriod(), h.startInterval(), h.retries());
                    }
                    st.config = st.config.withHealthcheck(hc);
                    metaCommit(st, "HEALTHCHECK &{" + goQuote(hc.test()) + " \"" + goDuration(hc.interval()) + "\" \""
                            + goDuration(hc.timeout()) + "\" \"" + goDuration(hc.startPeriod()) + "\" \""
                            + goDuration(hc.startInterval()) + "\" '\\x" + String.format("%02x", hc.retries()) + "'}");
                }
                case Shell s -> {
                    st.config = st.config.withShell(s.shell());
                    metaCommit(st, "SHELL " + goQuote(s.shell()));
                }
                case Arg a -> {
                    StringBuilder msg = new StringBuilder("ARG");
                    for (KeyValue kv : a.args()) {
                        String v = kv.value() == null ? metaArgs.get(kv.key()) : word(st, kv.value());
                        if (req.buildArgs().containsKey(kv.key()) && req.buildArgs().get(kv.key()) != null) {
                            v = req.buildArgs().get(kv.key());
                        }
                        usedArgs.add(kv.key());
                        st.args.put(kv.key(), v);
                        msg.append(' ').append(kv.key());
                        if (kv.value() != null) msg.append('=').append(kv.value());
                    }
                    // the resolved value is part of the key, so a different --build-arg misses the cache
                    metaCommit(st, msg.toString(), "args=" + st.args);
                }
            }
        }

        List<String> command(StageState st, Command c) {
            if (c.json()) return c.args();
            List<String> out = new ArrayList<>(st.shell());
            out.add(c.args().getFirst());
            return out;
        }

        /** A config-only step: cache lookup, else an image with an empty_layer history entry. */
        void metaCommit(StageState st, String comment, String... extraKey) {
            String createdBy = String.join(" ", st.shell()) + " #(nop)  " + comment;
            // parent image + the instruction with its expanded values determine the result (the config of the
            // parent is inside its ID); extraKey carries what is not in either (cmdSet, resolved ARG values)
            String key = BuildCache.key(st.imageId, "META " + createdBy + "\n" + String.join("\n", extraKey));
            if (useCache(st, key)) return;
            commit(st, null, createdBy, null);
            cache.put(key, st.imageId);
            stream(" ---> " + st.imageId.shortHex() + "\n");
        }

        /** On a hit moves the stage to the cached image and says so. */
        boolean useCache(StageState st, String key) {
            if (req.noCache()) return false;
            Digest hit = cache.get(key);
            if (hit == null) return false;
            var img = images.find(hit.toString());
            if (img.isEmpty()) return false;
            st.imageId = hit;
            st.config = img.get().config().configOrEmpty();
            st.author = img.get().config().author();
            stream(" ---> Using cache\n");
            stream(" ---> " + hit.shortHex() + "\n");
            return true;
        }

        // ------------------------------------------------------------------------------------------- RUN

        void run(StageState st, Run r) {
            List<String> cmd = command(st, r.command());
            // declared build args with a value reach RUN's environment (not the image's) and its history line
            Map<String, String> buildEnv = new TreeMap<>();
            st.args.forEach((k, v) -> {
                if (v != null) buildEnv.put(k, v);
            });
            req.buildArgs().forEach((k, v) -> {
                if (PROXY_ARGS.contains(k) && v != null) {
                    buildEnv.putIfAbsent(k, v);
                    usedArgs.add(k);
                }
            });
            Map<String, String> historyEnv = new TreeMap<>(buildEnv);
            historyEnv.keySet().removeAll(PROXY_ARGS);
            String createdBy = String.join(" ", cmd);
            if (!historyEnv.isEmpty()) {
                StringBuilder b = new StringBuilder("|").append(historyEnv.size());
                historyEnv.forEach((k, v) -> b.append(' ').append(k).append('=').append(v));
                createdBy = b + " " + createdBy;
            }
            String key = BuildCache.key(st.imageId, "RUN " + io.wharf.common.Json.string(cmd) + "\nenv=" + buildEnv
                    + "\nnet=" + req.networkMode());
            if (useCache(st, key)) return;

            String hex = randomHex();
            String shortId = hex.substring(0, 12);
            // the prefix tells build containers and snapshots from the engine's (recovered at start, see recover())
            String cid = PREFIX + hex;
            Path rootfs = tmp.resolve("run-" + shortId);
            Path cdir = containersDir.resolve(cid);
            images.prepare(cid, st.imageId);
            int exit;
            try {
                stream(" ---> Running in " + shortId + "\n");
                try {
                    exit = runContainer(st, cid, rootfs, cdir, cmd, buildEnv);
                } finally {
                    cleanupContainer(cid, rootfs, cdir);
                }
                if (exit != 0) {
                    stream("Removing intermediate container " + shortId + "\n");
                    throw new BuildException(ErrorKind.FAILED_PRECONDITION, exit,
                            "The command '" + String.join(" ", cmd) + "' returned a non-zero code: " + exit);
                }
                removeMountPoints(cid, st.imageId);
                commit(st, cid, createdBy, sourceDate);
            } finally {
                removeSnapshot(cid);
            }
            cache.put(key, st.imageId);
            stream("Removing intermediate container " + shortId + "\n");
            stream(" ---> " + st.imageId.shortHex() + "\n");
        }

        int runContainer(StageState st, String cid, Path rootfs, Path cdir, List<String> cmd, Map<String, String> buildEnv) {
            try {
                Files.createDirectories(cdir);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            images.mount(cid, rootfs);
            List<String> env = new ArrayList<>(st.config.env() == null ? List.of() : st.config.env());
            buildEnv.forEach((k, v) -> {
                if (envValue(env, k) == null) env.add(k + "=" + v);
            });
            String hostname = cid.substring(PREFIX.length(), PREFIX.length() + 12);
            ContainerSpec.Builder spec = ContainerSpec.builder(cid, rootfs).args(cmd).env(env)
                    .cwd(st.config.workingDir() == null || st.config.workingDir().isEmpty() ? "/" : st.config.workingDir())
                    .user(st.config.user() == null ? "" : st.config.user()).hostname(hostname);
            String mode = req.networkMode();
            String hosts, resolv;
            try {
                if (mode.equals("host")) {
                    spec.network(NamespaceMode.HOST).uts(NamespaceMode.HOST);
                    resolv = network != null ? network.hostResolvConf() : readOr(Path.of("/etc/resolv.conf"));
                    hosts = readOr(Path.of("/etc/hosts"));
                } else if (network == null || mode.equals("none")) {
                    spec.network(NamespaceMode.PRIVATE);
                    hosts = defaultHosts(hostname, req.extraHosts());
                    resolv = network != null ? network.resolvConf(List.of(), null, null, null) : "";
                } else {
                    Path ns = network.createSandbox(cid);
                    String net = mode.equals("default") || mode.equals("bridge") ? networkName : mode;
                    Endpoint ep = network.attach(new AttachRequest(cid, null, net, ns, List.of(), List.of(), null));
                    spec.network(new NamespaceMode.Join(ns));
                    hosts = network.hosts(hostname, List.of(ep), req.extraHosts());
                    resolv = network.resolvConf(List.of(ep), null, null, null);
                }
                Files.writeString(cdir.resolve("hosts"), hosts);
                Files.writeString(cdir.resolve("hostname"), hostname + "\n");
                Files.writeString(cdir.resolve("resolv.conf"), resolv);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            spec.hostsFile(cdir.resolve("hosts")).hostnameFile(cdir.resolve("hostname")).resolvConfFile(cdir.resolve("resolv.conf"));
            LineSink out = new LineSink(this::stream);
            runtime.create(spec.build());
            Attachment a = runtime.attach(cid, false, out);
            try {
                runtime.start(cid);
                var exit = runtime.waitExit(cid);
                ExitStatus es = null;
                while (es == null) {
                    try {
                        es = exit.get(500, TimeUnit.MILLISECONDS);
                    } catch (java.util.concurrent.TimeoutException e) {
                        if (cancelled) {
                            try {
                                runtime.kill(cid, "KILL");
                            } catch (WharfException k) {
                                // exited meanwhile
                            }
                            es = exit.get(10, TimeUnit.SECONDS);
                        }
                    }
                }
                checkCancelled();
                out.awaitClose();
                return es.exitCode();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw WharfException.internal("interrupted", e);
            } catch (java.util.concurrent.TimeoutException e) {
                throw WharfException.internal("the RUN container did not stop after SIGKILL", e);
            } catch (ExecutionException e) {
                throw e.getCause() instanceof WharfException w ? w : WharfException.internal("RUN failed: " + e.getCause(), e.getCause());
            } finally {
                a.close();
                out.flush();
            }
        }

        void cleanupContainer(String cid, Path rootfs, Path cdir) {
            try {
                runtime.delete(cid, true, true);
            } catch (WharfException e) {
                if (e.kind() != ErrorKind.NOT_FOUND) log.warn("cannot delete build container {}: {}", cid, e.getMessage());
            } catch (RuntimeException e) {
                log.warn("cannot delete build container {}: {}", cid, e.toString());
            }
            if (network != null) {
                try {
                    network.detachAll(cid);
                    network.removeSandbox(cid);
                } catch (RuntimeException e) {
                    log.warn("cannot release the network of {}: {}", cid, e.toString());
                }
            }
            try {
                images.unmount(rootfs);
                Files.deleteIfExists(rootfs);
            } catch (RuntimeException | IOException e) {
                log.warn("cannot unmount {}: {}", rootfs, e.toString());
            }
            try {
                Archive.removeAll(cdir);
            } catch (IOException e) {
                log.warn("cannot remove {}: {}", cdir, e.toString());
            }
        }

        /**
         * Drops the mount points crun created in the upper dir (empty files/dirs for /etc/hosts, /proc, …) that the
         * image did not have, so they do not end up in the layer (docker keeps them in an "init" layer instead).
         */
        void removeMountPoints(String cid, Digest image) {
            Path upper = images.upperDir(cid);
            List<Path> lowers = lowerDirs(image);
            for (String mp : MOUNT_POINTS) {
                Path p = upper.resolve(mp.substring(1));
                try {
                    BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, NOFOLLOW);
                    boolean empty = a.isRegularFile() ? a.size() == 0 : a.isDirectory() && isEmptyDir(p);
                    if (!empty) continue;
                    boolean inLower = false;
                    for (Path l : lowers) {
                        if (Files.exists(l.resolve(mp.substring(1)), NOFOLLOW)) {
                            inLower = true;
                            break;
                        }
                    }
                    // an empty regular file the image lacked is a mount point; an empty dir that only holds mount
                    // points (or a copied-up one) is restored to the lower version
                    if (a.isDirectory() || !inLower) Files.delete(p);
                } catch (java.nio.file.NoSuchFileException e) {
                    // not there
                } catch (IOException e) {
                    log.debug("mount point {}: {}", p, e.toString());
                }
            }
        }

        List<Path> lowerDirs(Digest image) {
            if (image == null) return List.of();
            List<Digest> chains = images.get(image).chainIds();
            return chains.isEmpty() ? List.of() : images.snapshotter().lowerDirs(chains.getLast());
        }

        /**
         * Commits the stage's next image: the diff of snapshot {@code key}'s upper dir as a new layer (none when
         * {@code key} is null or nothing changed), the stage config, and one more history entry.
         */
        void commit(StageState st, String key, String createdBy, Instant clamp) {
            // applying a layer and registering the image that uses it happen under LAYERS, and so do snapshot removals
            // (which prune layers no image uses): a concurrent build must never prune a layer between the two
            synchronized (LAYERS) {
                commitLocked(st, key, createdBy, clamp);
            }
        }

        void commitLocked(StageState st, String key, String createdBy, Instant clamp) {
            Instant now = sourceDate != null ? sourceDate : clock.instant();
            if (sourceDate != null) clamp = sourceDate;
            ImageConfig base = st.imageId == null ? null : images.get(st.imageId).config();
            List<Digest> diffIds = new ArrayList<>(base == null ? List.of() : base.diffIds());
            boolean empty = true;
            if (key != null) {
                ContentStore content = images.content();
                Digest diffId;
                try (ContentStore.Writer w = content.writer()) {
                    Archive.tarTree(images.upperDir(key), w, new Archive.TarOptions(true, clamp));
                    diffId = w.commit(null, -1);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                if (!diffId.equals(ImageService.EMPTY_LAYER)) {
                    empty = false;
                    Digest parentChain = diffIds.isEmpty() ? null : Snapshotter.chainIds(diffIds).getLast();
                    try (InputStream in = content.open(diffId)) {
                        images.snapshotter().applyLayer(parentChain, diffId, in);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                    diffIds.add(diffId);
                }
            }
            String created = ImageConfig.formatTime(now);
            List<ImageConfig.History> history = new ArrayList<>(base == null || base.history() == null ? List.of() : base.history());
            history.add(new ImageConfig.History(created, createdBy, null, null, empty ? Boolean.TRUE : null));
            Platform host = Platform.host();
            ImageConfig c = new ImageConfig(base != null && base.architecture() != null ? base.architecture() : host.architecture(),
                    base != null && base.os() != null ? base.os() : host.os(), base == null ? null : base.osVersion(),
                    base == null ? null : base.variant(), created, st.author, st.config,
                    ImageConfig.RootFs.layers(diffIds), history, new LinkedHashMap<>());
            st.imageId = images.register(c.toBytes(), st.imageId, List.of());
        }

        // ------------------------------------------------------------------------------------------- WORKDIR

        void workdir(StageState st, Workdir w) {
            String p = word(st, w.path());
            String cur = st.config.workingDir() == null || st.config.workingDir().isEmpty() ? "/" : st.config.workingDir();
            String abs = DockerIgnore.clean(p.startsWith("/") ? p : cur + "/" + p);
            st.config = st.config.withWorkingDir(abs);
            String createdBy = String.join(" ", st.shell()) + " #(nop) WORKDIR " + abs;
            String key = BuildCache.key(st.imageId, "WORKDIR " + abs);
            if (useCache(st, key)) return;
            // the directory is created in the image (a layer when it was missing), owned by root, mode 0755
            withSnapshot(st, merged -> {
                try {
                    mkdirs(merged, abs, 0, 0);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                return null;
            }, createdBy);
            cache.put(key, st.imageId);
            stream(" ---> " + st.imageId.shortHex() + "\n");
        }

        /** Prepares a snapshot on the stage's image, mounts it, runs {@code body}, unmounts and commits it. */
        void withSnapshot(StageState st, Function<Path, Instant> body, String createdBy) {
            String key = PREFIX + randomHex().substring(0, 24);
            Path mnt = tmp.resolve("mnt-" + key);
            images.prepare(key, st.imageId);
            Instant clamp = null;
            try {
                try {
                    images.mount(key, mnt);
                    clamp = body.apply(mnt);
                } finally {
                    images.unmount(mnt);
                    try {
                        Files.deleteIfExists(mnt);
                    } catch (IOException ignored) {
                        // collected at next start
                    }
                }
                commit(st, key, createdBy, clamp);
            } finally {
                removeSnapshot(key);
            }
        }

        // ------------------------------------------------------------------------------------------- COPY / ADD

        record Source(Path path, String name, boolean dir) {}

        void copy(StageState st, Copy c) {
            String kw = c.add() ? "ADD" : "COPY";
            List<String> srcs = new ArrayList<>();
            for (String s : c.sources()) srcs.add(word(st, s));
            String dest = word(st, c.dest());
            String chown = c.chown() == null ? null : word(st, c.chown());
            String chmod = c.chmod() == null ? null : word(st, c.chmod());
            Integer mode = null;
            if (chmod != null && !chmod.isEmpty()) {
                if (!chmod.matches("[0-7]{3,4}")) throw fail("%s failed: invalid chmod parameter: %s (an octal mode is expected)", kw, chmod);
                mode = Integer.parseInt(chmod, 8);
            }
            String from = c.from() == null ? null : word(st, c.from());
            for (String s : srcs) {
                if (s.matches("(?i)^[a-z][a-z0-9+.-]*://.*") || s.startsWith("git@")) {
                    if (c.add()) {
                        throw fail("ADD failed: downloading %s is not supported: Wharf's builder does not access the network "
                                + "itself; download the file into the build context and COPY it", s);
                    }
                }
            }
            String workdir = st.config.workingDir() == null || st.config.workingDir().isEmpty() ? "/" : st.config.workingDir();
            boolean endsInSlash = dest.endsWith("/") || dest.endsWith("/.") || dest.equals(".");
            String destAbs = DockerIgnore.clean(dest.startsWith("/") ? dest : workdir + "/" + dest);

            Digest fromImage = null;
            if (from != null) fromImage = resolveFrom(from, kw);
            String keyText;
            String srcHashDesc;
            List<Source> ctxSources = null;
            if (fromImage == null) {
                ctxSources = new ArrayList<>();
                List<String> fromCtx = new ArrayList<>();
                for (String src : srcs) {
                    String word = src.startsWith("<<") ? src.substring(2) : null;
                    if (word != null && c.inline().containsKey(word)) ctxSources.add(inlineSource(word, c.inline().get(word)));
                    else fromCtx.add(src);
                }
                if (!fromCtx.isEmpty()) ctxSources.addAll(resolveSources(ctx, fromCtx, kw, true));
                if (ctxSources.size() > 1 && !endsInSlash) {
                    throw fail("When using %s with more than one source file, the destination must be a directory and end with a /", kw);
                }
                String h = hashSources(ctxSources);
                srcHashDesc = (ctxSources.size() > 1 ? "multi:" : ctxSources.getFirst().dir() ? "dir:" : "file:") + h;
                keyText = kw + " " + srcHashDesc;
            } else {
                srcHashDesc = "file:" + Digest.sha256(String.join("\n", srcs).getBytes(StandardCharsets.UTF_8)).hex();
                keyText = kw + " from=" + fromImage + " " + srcs;
            }
            String createdBy = String.join(" ", st.shell()) + " #(nop) " + kw + " " + srcHashDesc + " in " + (endsInSlash && !destAbs.endsWith("/") ? destAbs + "/" : destAbs) + " ";
            String key = BuildCache.key(st.imageId, keyText + "\ndest=" + destAbs + (endsInSlash ? "/" : "") + "\nchown=" + chown
                    + "\nchmod=" + chmod);
            if (useCache(st, key)) return;

            final List<Source> fixedCtx = ctxSources;
            final Digest srcImage = fromImage;
            final Integer fmode = mode;
            withSnapshot(st, merged -> {
                String srcKey = null;
                Path srcMnt = null;
                try {
                    List<Source> sources = fixedCtx;
                    if (srcImage != null) {
                        srcKey = PREFIX + "src-" + randomHex().substring(0, 20);
                        srcMnt = tmp.resolve("mnt-" + srcKey);
                        images.prepare(srcKey, srcImage);
                        images.mount(srcKey, srcMnt);
                        sources = resolveSources(srcMnt, srcs, kw, false);
                        if (sources.size() > 1 && !endsInSlash) {
                            throw fail("When using %s with more than one source file, the destination must be a directory and end with a /", kw);
                        }
                    }
                    int[] ids = chown == null || chown.isEmpty() ? new int[] {0, 0} : Users.resolve(merged, chown);
                    performCopy(merged, sources, destAbs, endsInSlash, c.add(), ids[0], ids[1], chown != null && !chown.isEmpty(), fmode, kw);
                    // created parent dirs and copied-up dirs get the newest source time: same input, same layer
                    return newestMtime(sources);
                } catch (IOException e) {
                    throw fail("%s failed: %s", kw, e.getMessage());
                } finally {
                    if (srcMnt != null) {
                        images.unmount(srcMnt);
                        try {
                            Files.deleteIfExists(srcMnt);
                        } catch (IOException ignored) {
                            // collected at next start
                        }
                    }
                    if (srcKey != null) removeSnapshot(srcKey);
                }
            }, createdBy);
            cache.put(key, st.imageId);
            stream(" ---> " + st.imageId.shortHex() + "\n");
        }

        /** A heredoc source ({@code COPY <<EOF /file}) as a file outside the context, named by its word. */
        Source inlineSource(String word, String content) {
            try {
                Path dir = tmp.resolve(ctx.getFileName() + "-inline");
                Files.createDirectories(dir);
                Path f = Files.createTempDirectory(dir, "doc").resolve(word);
                Files.writeString(f, content);
                Files.setPosixFilePermissions(f, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
                // a fixed time, so the same Dockerfile gives the same layer
                Files.setLastModifiedTime(f, FileTime.from(Instant.EPOCH));
                return new Source(f, word, false);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        Digest resolveFrom(String from, String kw) {
            StageState found = null;
            if (from.matches("[0-9]+")) {
                int idx = Integer.parseInt(from);
                if (idx >= stages.size() - 1) throw fail("%s failed: invalid from flag value %s: refers to current build stage or a later one", kw, from);
                found = stages.get(idx);
            } else {
                for (StageState s : stages) if (s.name != null && s.name.equalsIgnoreCase(from) && s != stages.getLast()) found = s;
            }
            if (found != null) {
                if (found.imageId == null) throw fail("%s failed: stage %s has no content (FROM scratch without changes)", kw, from);
                return found.imageId;
            }
            return resolveImage(from, false).id();
        }

        List<Source> resolveSources(Path srcRoot, List<String> srcs, String kw, boolean isContext) {
            List<Source> out = new ArrayList<>();
            for (String src : srcs) {
                String clean = DockerIgnore.clean(src);
                while (clean.startsWith("/")) clean = clean.substring(1);
                if (clean.isEmpty()) clean = ".";
                if (isContext && (clean.equals("..") || clean.startsWith("../"))) {
                    throw fail("%s failed: forbidden path outside the build context: %s ()", kw, src);
                }
                if (clean.matches(".*[*?\\[].*")) {
                    Pattern p = DockerIgnore.compile(clean);
                    List<String> matches = new ArrayList<>();
                    try {
                        walk(srcRoot, "", p, matches);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                    if (matches.isEmpty()) throw fail("%s failed: no source files were specified", kw);
                    for (String m : matches) {
                        Path path = Archive.resolveInRoot(srcRoot, m, true);
                        out.add(new Source(path, path.getFileName().toString(), Files.isDirectory(path)));
                    }
                    continue;
                }
                Path path = clean.equals(".") ? srcRoot : Archive.resolveInRoot(srcRoot, clean, true);
                if (!Files.exists(path, NOFOLLOW)) {
                    if (isContext) throw fail("%s failed: file not found in build context or excluded by .dockerignore: stat %s: file does not exist", kw, src);
                    throw fail("%s failed: stat %s: file does not exist", kw, "/" + clean);
                }
                String name = path.equals(srcRoot) ? "." : path.getFileName().toString();
                out.add(new Source(path, name, Files.isDirectory(path, NOFOLLOW)));
            }
            return out;
        }

        void walk(Path dir, String rel, Pattern p, List<String> out) throws IOException {
            for (Path c : listSorted(dir)) {
                String r = rel.isEmpty() ? c.getFileName().toString() : rel + "/" + c.getFileName();
                if (p.matcher(r).matches()) {
                    out.add(r);
                } else if (Files.isDirectory(c, NOFOLLOW)) {
                    walk(c, r, p, out);
                }
            }
        }

        void performCopy(Path merged, List<Source> sources, String destAbs, boolean endsInSlash, boolean add, int uid, int gid,
                         boolean chown, Integer mode, String kw) throws IOException {
            Path destResolved = Archive.resolveInRoot(merged, destAbs, true);
            boolean destIsDir = endsInSlash || sources.size() > 1 || Files.isDirectory(destResolved);
            for (Source s : sources) {
                if (s.dir()) {
                    mkdirs(merged, destAbs, uid, gid);
                    for (Path child : listSorted(s.path())) copyEntry(child, merged, join(destAbs, child.getFileName().toString()), uid, gid, chown, mode);
                } else if (add && isArchive(s.path())) {
                    mkdirs(merged, destAbs, uid, gid);
                    try (InputStream in = Compression.decompress(Files.newInputStream(s.path()))) {
                        ExtractOptions opts = chown ? ExtractOptions.copy(uid, gid) : new ExtractOptions(false, false, true, 0, 0, false);
                        Archive.extract(merged, destAbs, in, opts);
                    }
                } else {
                    String target = destIsDir ? join(destAbs, s.name()) : destAbs;
                    int slash = target.lastIndexOf('/');
                    if (slash > 0) mkdirs(merged, target.substring(0, slash), uid, gid);
                    copyEntry(s.path(), merged, target, uid, gid, chown, mode);
                }
            }
        }

        void copyEntry(Path src, Path merged, String containerPath, int uid, int gid, boolean chown, Integer mode) throws IOException {
            BasicFileAttributes a = Files.readAttributes(src, BasicFileAttributes.class, NOFOLLOW);
            Path t = Archive.resolveInRoot(merged, containerPath, false);
            boolean exists = Files.exists(t, NOFOLLOW);
            if (a.isDirectory()) {
                if (exists && !Files.isDirectory(t, NOFOLLOW)) {
                    Archive.removeAll(t);
                    exists = false;
                }
                if (!exists) Files.createDirectory(t);
                applyMeta(src, t, uid, gid, mode, true);
                for (Path child : listSorted(src)) copyEntry(child, merged, join(containerPath, child.getFileName().toString()), uid, gid, chown, mode);
                setMtime(t, a.lastModifiedTime());
            } else if (a.isSymbolicLink()) {
                if (exists) Archive.removeAll(t);
                Files.createSymbolicLink(t, Files.readSymbolicLink(src));
                Files.setAttribute(t, "unix:uid", uid, NOFOLLOW);
                Files.setAttribute(t, "unix:gid", gid, NOFOLLOW);
            } else if (a.isRegularFile()) {
                if (exists) Archive.removeAll(t);
                Files.copy(src, t, NOFOLLOW);
                applyMeta(src, t, uid, gid, mode, false);
                setMtime(t, a.lastModifiedTime());
            }
            // devices, fifos and sockets in a context are skipped, as docker's copier does for sockets
        }

        void applyMeta(Path src, Path t, int uid, int gid, Integer mode, boolean dir) throws IOException {
            Files.setAttribute(t, "unix:uid", uid, NOFOLLOW);
            Files.setAttribute(t, "unix:gid", gid, NOFOLLOW);
            // after chown (which clears setuid/setgid); unix:mode keeps the setuid, setgid and sticky bits
            int m = mode != null ? mode : ((Integer) Files.getAttribute(src, "unix:mode", NOFOLLOW)) & 07777;
            Files.setAttribute(t, "unix:mode", m, NOFOLLOW);
        }

        Instant newestMtime(List<Source> sources) throws IOException {
            Instant[] max = {Instant.EPOCH};
            for (Source s : sources) {
                try (var w = Files.walk(s.path())) {
                    for (Path p : w.toList()) {
                        Instant t = Files.readAttributes(p, BasicFileAttributes.class, NOFOLLOW).lastModifiedTime().toInstant();
                        if (t.isAfter(max[0])) max[0] = t;
                    }
                }
            }
            return max[0];
        }
    }

    // =================================================================================================== helpers

    /** Creates {@code containerPath} and its missing parents inside {@code merged} (mode 0755, owned by uid:gid). */
    static void mkdirs(Path merged, String containerPath, int uid, int gid) throws IOException {
        String cur = "";
        for (String comp : containerPath.split("/")) {
            if (comp.isEmpty()) continue;
            cur = cur + "/" + comp;
            Path p = Archive.resolveInRoot(merged, cur, true);
            if (Files.isDirectory(p)) continue;
            if (Files.exists(p, NOFOLLOW)) throw new IOException("cannot create directory " + cur + ": a file is in the way");
            Files.createDirectory(p);
            Files.setPosixFilePermissions(p, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
            Files.setAttribute(p, "unix:uid", uid, NOFOLLOW);
            Files.setAttribute(p, "unix:gid", gid, NOFOLLOW);
        }
    }

    static String join(String dir, String name) {
        return dir.endsWith("/") ? dir + name : dir + "/" + name;
    }

    static void setMtime(Path p, FileTime t) throws IOException {
        Files.getFileAttributeView(p, BasicFileAttributeView.class, NOFOLLOW).setTimes(t, null, null);
    }

    static boolean isArchive(Path p) {
        try (InputStream raw = Files.newInputStream(p); InputStream in = Compression.decompress(raw)) {
            byte[] head = in.readNBytes(512);
            return head.length == 512 && org.apache.commons.compress.archivers.tar.TarArchiveInputStream.matches(head, head.length)
                    && validTarChecksum(head);
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean validTarChecksum(byte[] h) {
        long sum = 0;
        for (int i = 0; i < 512; i++) sum += (i >= 148 && i < 156) ? ' ' : (h[i] & 0xff);
        String field = new String(h, 148, 8, StandardCharsets.US_ASCII).replace("\0", "").strip();
        try {
            return !field.isEmpty() && Long.parseLong(field, 8) == sum;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /** Content hash of the copied sources: paths, types, modes, link targets and file bytes, never mtimes. */
    static String hashSources(List<Session.Source> sources) {
        MessageDigest md = Digest.newSha256();
        try {
            for (Session.Source s : sources) {
                md.update(("src " + s.name() + "\n").getBytes(StandardCharsets.UTF_8));
                hashTree(md, s.path(), "");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private static void hashTree(MessageDigest md, Path p, String rel) throws IOException {
        BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, NOFOLLOW);
        int mode = (Integer) Files.getAttribute(p, "unix:mode", NOFOLLOW);
        if (a.isSymbolicLink()) {
            md.update(("L " + rel + " " + Files.readSymbolicLink(p) + "\n").getBytes(StandardCharsets.UTF_8));
        } else if (a.isDirectory()) {
            md.update(("D " + rel + " " + Integer.toOctalString(mode) + "\n").getBytes(StandardCharsets.UTF_8));
            for (Path c : listSorted(p)) hashTree(md, c, rel + "/" + c.getFileName());
        } else if (a.isRegularFile()) {
            md.update(("F " + rel + " " + Integer.toOctalString(mode) + " " + a.size() + "\n").getBytes(StandardCharsets.UTF_8));
            try (InputStream in = Files.newInputStream(p)) {
                byte[] buf = new byte[1 << 16];
                int n;
                while ((n = in.read(buf)) > 0) md.update(buf, 0, n);
            }
        }
    }

    static List<Path> listSorted(Path dir) throws IOException {
        try (var s = Files.list(dir)) {
            return s.sorted((x, y) -> x.getFileName().toString().compareTo(y.getFileName().toString())).toList();
        }
    }

    static boolean isEmptyDir(Path p) throws IOException {
        try (var s = Files.list(p)) {
            return s.findAny().isEmpty();
        }
    }

    static String envValue(List<String> env, String name) {
        if (env == null) return null;
        for (String e : env) {
            int eq = e.indexOf('=');
            if (eq < 0 ? e.equals(name) : e.substring(0, eq).equals(name)) return eq < 0 ? "" : e.substring(eq + 1);
        }
        return null;
    }

    static String randomHex() {
        byte[] b = new byte[32];
        new java.security.SecureRandom().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    private static String readOr(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return "";
        }
    }

    static String defaultHosts(String hostname, List<String> extra) {
        StringBuilder sb = new StringBuilder("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n");
        for (String h : extra) {
            int c = h.indexOf(':');
            if (c > 0) sb.append(h.substring(c + 1)).append('\t').append(h, 0, c).append('\n');
        }
        return sb.toString();
    }

    /** {@code 80}, {@code 80/udp}, {@code 8000-8002/tcp} → {@code 80/tcp}, … (docker's nat.ParsePortSpecs). */
    static List<String> expandPort(String spec) {
        String proto = "tcp";
        String p = spec;
        int slash = spec.indexOf('/');
        if (slash >= 0) {
            proto = spec.substring(slash + 1).toLowerCase(Locale.ROOT);
            p = spec.substring(0, slash);
        }
        if (!List.of("tcp", "udp", "sctp").contains(proto)) throw fail("invalid proto: %s", proto);
        if (p.contains(":")) throw fail("invalid containerPort: %s (EXPOSE does not publish: use docker run -p)", spec);
        List<String> out = new ArrayList<>();
        try {
            int dash = p.indexOf('-');
            int lo = Integer.parseInt(dash < 0 ? p : p.substring(0, dash));
            int hi = dash < 0 ? lo : Integer.parseInt(p.substring(dash + 1));
            if (lo < 0 || hi > 65535 || hi < lo) throw fail("invalid range specified for port: %s", spec);
            for (int i = lo; i <= hi; i++) out.add(i + "/" + proto);
        } catch (NumberFormatException e) {
            throw fail("invalid containerPort: %s", spec);
        }
        return out;
    }

    /** Go's {@code %q} of a []string: {@code ["a" "b c"]}. */
    static String goQuote(List<String> l) {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < l.size(); i++) {
            if (i > 0) b.append(' ');
            b.append('"');
            for (char ch : l.get(i).toCharArray()) {
                switch (ch) {
                    case '"' -> b.append("\\\"");
                    case '\\' -> b.append("\\\\");
                    case '\n' -> b.append("\\n");
                    case '\t' -> b.append("\\t");
                    default -> b.append(ch);
                }
            }
            b.append('"');
        }
        return b.append(']').toString();
    }

    /** Go's time.Duration String() for the common cases: 0s, 500ms, 30s, 1m30s, 1h0m0s. */
    static String goDuration(long ns) {
        if (ns == 0) return "0s";
        if (ns < 1_000L) return ns + "ns";
        if (ns < 1_000_000L) return trim(ns / 1e3) + "µs";
        if (ns < 1_000_000_000L) return trim(ns / 1e6) + "ms";
        long h = ns / 3_600_000_000_000L;
        long m = (ns / 60_000_000_000L) % 60;
        double s = (ns % 60_000_000_000L) / 1e9;
        StringBuilder b = new StringBuilder();
        if (h > 0) b.append(h).append('h');
        if (h > 0 || m > 0) b.append(m).append('m');
        b.append(trim(s)).append('s');
        return b.toString();
    }

    private static String trim(double d) {
        if (d == Math.rint(d)) return Long.toString((long) d);
        String s = String.format(Locale.ROOT, "%.9f", d);
        return s.replaceAll("0+$", "");
    }

    /**
     * Completes a tar stream that ends without its last entry's padding and end-of-archive blocks: the docker CLI
     * sends exactly that for {@code docker build -f - .} (it appends a generated .dockerignore and stops after its
     * data; GNU tar says "Unexpected EOF in archive"), and dockerd accepts it. At EOF this adds zeros up to the next
     * 512-byte boundary plus two zero blocks; after a complete tar the extra zeros are never read as entries.
     */
    static final class TarEndPadding extends java.io.FilterInputStream {
        private long count;
        private long padLeft = -1;

        TarEndPadding(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            byte[] b = new byte[1];
            int n = read(b, 0, 1);
            return n < 0 ? -1 : b[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) return 0;
            if (padLeft < 0) {
                int n = in.read(b, off, len);
                if (n >= 0) {
                    count += n;
                    return n;
                }
                padLeft = (512 - count % 512) % 512 + 1024;
            }
            if (padLeft == 0) return -1;
            int n = (int) Math.min(len, padLeft);
            java.util.Arrays.fill(b, off, off + n, (byte) 0);
            padLeft -= n;
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            byte[] buf = new byte[(int) Math.min(n, 8192)];
            long done = 0;
            while (done < n) {
                int r = read(buf, 0, (int) Math.min(buf.length, n - done));
                if (r < 0) break;
                done += r;
            }
            return done;
        }

        @Override
        public boolean markSupported() {
            return false;
        }
    }

    /** Collects a process's output into whole lines for the build stream. */
    private static final class LineSink implements OutputSink {
        private final Consumer<String> out;
        private final ByteArrayOutputStream buf = new ByteArrayOutputStream();
        private final CountDownLatch closed = new CountDownLatch(1);

        LineSink(Consumer<String> out) {
            this.out = out;
        }

        @Override
        public synchronized void onOutput(StreamType stream, byte[] data, int offset, int length) {
            for (int i = offset; i < offset + length; i++) {
                buf.write(data[i]);
                if (data[i] == '\n') emit();
            }
        }

        private void emit() {
            if (buf.size() == 0) return;
            String s = buf.toString(StandardCharsets.UTF_8);
            buf.reset();
            out.accept(s);
        }

        @Override
        public void onClose() {
            flush();
            closed.countDown();
        }

        synchronized void flush() {
            emit();
        }

        void awaitClose() throws InterruptedException {
            closed.await(5, TimeUnit.SECONDS);
        }
    }
}
