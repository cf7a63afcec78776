package dev.coroner.cli.k8s;

import dev.coroner.base.units.Durations;
import dev.coroner.cli.dumps.StoreErrors;
import dev.coroner.cli.errors.CliException;
import dev.coroner.dump.DumpInfo;
import dev.coroner.dump.KeptBinary;
import dev.coroner.store.PresignedDownloads;
import dev.coroner.store.StoreException;
import dev.coroner.store.StoredDump;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.PrintWriter;
import java.net.URI;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * {@code coroner debug DUMP --k8s}: opens the dump in a debug pod in the cluster, with the user's
 * own kube credentials, instead of on this machine. The only class the debug command calls on this
 * path, so fabric8 is loaded only here.
 */
public final class K8sDebug {
  /** Where the dump is read from inside the pod until the real URL is signed (dry runs). */
  static final URI PLACEHOLDER_URL = URI.create("https://presigned-url.invalid/signed-at-creation");

  private static final SecureRandom RANDOM = new SecureRandom();

  private K8sDebug() {}

  /**
   * One request.
   *
   * @param dump the dump, as listed
   * @param info its full dump-info
   * @param kind the debugger and image chosen from its runtime
   * @param exe the executable's path in the app image (--exe), or null for the recorded one
   * @param kube the cluster options
   * @param pod the pod options
   * @param commands the -o commands
   * @param batch run them and exit (no terminal)
   * @param kept the binaries the store keeps for the dump (empty: none, or --exe was given)
   * @param signer signs a URL for one of them
   */
  public record Request(
      StoredDump dump,
      DumpInfo info,
      DebugKind kind,
      @Nullable String exe,
      KubeOptions kube,
      DebugPodOptions pod,
      List<String> commands,
      boolean batch,
      List<KeptBinary> kept,
      BinarySigner signer) {
    public Request {
      commands = List.copyOf(commands);
      kept = List.copyOf(kept);
    }

    /** Without kept binaries: the executable comes from the app's image. */
    public Request(
        StoredDump dump,
        DumpInfo info,
        DebugKind kind,
        String exe,
        KubeOptions kube,
        DebugPodOptions pod,
        List<String> commands,
        boolean batch) {
      this(dump, info, kind, exe, kube, pod, commands, batch, List.of(), (b, ttl) -> null);
    }

    /**
     * Whether the executable is kept with the dump: then no app image is needed. As {@link
     * #binaries} takes it: kept, with a sha256, a safe path and a build-id to sign it by.
     */
    boolean exeKept() {
      return exe == null
          && kept.stream()
              .anyMatch(
                  b ->
                      b.kept()
                          && b.sha256() != null
                          && KeptBinary.isBuildId(b.buildId())
                          && safePath(b.path())
                          && Objects.equals(b.path(), info.process().exePath()));
    }
  }

  /** Signs a download URL for a kept binary. */
  @FunctionalInterface
  public interface BinarySigner {
    /**
     * A URL that downloads {@code binary} until {@code ttl} has passed; null when this signer signs
     * none (the binary is then left out of the pod).
     */
    @Nullable URI sign(KeptBinary binary, java.time.Duration ttl) throws StoreException;
  }

  /** Runs the request; the debugger's exit code. */
  public static int run(PresignedDownloads store, Request r, PrintWriter out, PrintWriter err) {
    check(r);
    Images images =
        new Images(
            r.exeKept() && (r.pod().appImage() == null || r.pod().appImage().isBlank())
                ? new PodImages.AppImage(null, null)
                : PodImages.app(r.info().pod(), r.pod().appImage()),
            PodImages.debug(r.kind(), r.pod().debugImage(), version()),
            exePath(r));
    if (r.pod().dryRun()) {
      // No cluster and no signature: the pod as it would be, for review.
      String namespace = namespace(r, "default");
      Pod pod =
          DebugPodFactory.build(
              spec(
                  r,
                  namespace,
                  images,
                  new Signed(PLACEHOLDER_URL, expiry(r)),
                  binaries(r, b -> PLACEHOLDER_URL)));
      out.print(new KubernetesSerialization().asYaml(pod));
      out.flush();
      return 0;
    }
    warn(r, images, err);
    try (KubeConnect kube = KubeConnect.open(r.kube())) {
      Signed url = sign(store, r);
      Pod pod =
          DebugPodFactory.build(
              spec(
                  r,
                  namespace(r, kube.namespace()),
                  images,
                  url,
                  binaries(r, b -> r.signer().sign(b, r.pod().urlTtl()))));
      err.println(intro(r, url));
      DebugSession session =
          new DebugSession(
              kube.client(),
              pod,
              err,
              new DebugSession.Options(r.pod().waitFor(), r.pod().keep()),
              kube.describe());
      DebugKind.Invocation invocation = r.kind().invocation(r.batch(), r.commands());
      return session.run(
          target ->
              r.batch()
                  ? BatchExec.run(target, invocation, out, err)
                  : Attach.run(target, invocation, new Terminal()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliException(CliException.FAILURE, "interrupted; the debug pod was deleted", e);
    }
  }

  /** -n, else the dump's own namespace, else {@code fallback} (the context's). */
  private static String namespace(Request r, String fallback) {
    if (r.kube().namespace() != null) {
      return r.kube().namespace();
    }
    return r.info().pod() != null ? r.info().pod().namespace() : fallback;
  }

  private static void warn(Request r, Images images, PrintWriter err) {
    if (images.app().note() != null) {
      err.println("note: " + images.app().note());
    }
    if (r.info().integrity().truncated()) {
      err.println("warning: the core is truncated (" + r.info().integrity().reason() + ")");
    }
    if (r.kind() == DebugKind.JAVA && !r.batch() && !r.commands().isEmpty()) {
      err.println("note: jhsdb takes no commands to run first; type them at its prompt");
    }
  }

  private static String intro(Request r, Signed url) {
    DumpInfo.ProcessInfo p = r.info().process();
    return "Debugging "
        + p.exe()
        + " (pid "
        + p.pid()
        + ", "
        + p.signalName()
        + ") in "
        + r.kind().debugger()
        + " in the cluster; the pod reads the dump through a URL that expires at "
        + url.expires();
  }

  private static void check(Request r) {
    DumpInfo.CoreInfo core = r.info().core();
    if (core == null || core.entry() == null) {
      throw new CliException(
          CliException.FAILURE,
          "dump "
              + r.dump().name()
              + " holds no core ("
              + r.info().integrity().reason()
              + "): there is nothing to debug; 'coroner info' shows what it kept");
    }
    if (core.compression() == null || core.sha256() == null) {
      throw new CliException(
          CliException.FAILURE,
          "dump "
              + r.dump().name()
              + " does not record how its core is stored (compression, sha256), which the debug"
              + " pod needs; open it here with 'coroner debug "
              + r.dump().name()
              + "'");
    }
    DebugPodOptions o = r.pod();
    if (o.urlTtl().compareTo(PresignedDownloads.MAX_TTL) > 0 || o.urlTtl().toSeconds() < 1) {
      throw new CliException(
          CliException.USAGE,
          "--url-ttl must be between 1s and 1h: " + Durations.format(o.urlTtl()));
    }
    if (o.urlTtl().compareTo(o.waitFor()) < 0) {
      // The fetch starts at the latest when the wait ends; a URL dead by then fails the pod.
      throw new CliException(
          CliException.USAGE,
          "--url-ttl ("
              + Durations.format(o.urlTtl())
              + ") must be at least --wait ("
              + Durations.format(o.waitFor())
              + "), or the URL can expire before the pod fetches the dump");
    }
    if (o.deadline().toSeconds() < 60) {
      throw new CliException(CliException.USAGE, "--deadline must be at least 1m");
    }
    if (!r.batch() && !o.dryRun() && !Terminal.interactive()) {
      throw new CliException(
          CliException.USAGE,
          "no terminal to attach the debugger to; pass --batch -o CMD (e.g. -o 'v8 bt') to run"
              + " commands in the pod and print their output");
    }
  }

  private static String exePath(Request r) {
    String path = r.exe() != null ? r.exe() : r.info().process().exePath();
    if (path == null || !path.startsWith("/")) {
      throw new CliException(
          CliException.USAGE,
          "the dump records no absolute path of the executable ('"
              + path
              + "'); pass --exe with its path in the image");
    }
    return path;
  }

  /** A signed URL and when it dies. */
  private record Signed(URI url, Instant expires) {}

  /** The images and where the executable is in the app image. */
  private record Images(PodImages.AppImage app, String debugImage, String exePath) {}

  private static Instant expiry(Request r) {
    return Instant.now().plus(r.pod().urlTtl()).truncatedTo(ChronoUnit.SECONDS);
  }

  private static Signed sign(PresignedDownloads store, Request r) {
    Instant expires = expiry(r);
    try {
      return new Signed(store.presign(r.dump(), r.pod().urlTtl()), expires);
    } catch (StoreException e) {
      throw StoreErrors.toCli(e, r.dump().location().display());
    }
  }

  /** Signs one kept binary. */
  @FunctionalInterface
  private interface Sign {
    @Nullable URI url(KeptBinary b) throws StoreException;
  }

  /**
   * The kept binaries the pod fetches, with their URLs. A path from the dump that could land
   * outside the sysroot, or holds control characters, is left out.
   */
  private static List<DebugPodSpec.PodBinary> binaries(Request r, Sign sign) {
    List<DebugPodSpec.PodBinary> out = new java.util.ArrayList<>();
    for (KeptBinary b : r.kept()) {
      String path = b.path();
      String sha256 = b.sha256();
      if (!b.kept() || sha256 == null || path == null || !safePath(path)) {
        continue;
      }
      try {
        URI url = sign.url(b);
        if (url != null) {
          out.add(new DebugPodSpec.PodBinary(path, b.size(), sha256, url));
        }
      } catch (StoreException e) {
        throw StoreErrors.toCli(e, r.dump().location().display());
      }
    }
    return out;
  }

  static boolean safePath(@Nullable String path) {
    return path != null
        && path.matches("/[A-Za-z0-9._+@/-]{1,1000}")
        && !path.contains("//")
        && java.util.Arrays.stream(path.split("/")).noneMatch(p -> p.equals("..") || p.equals("."));
  }

  private static DebugPodSpec spec(
      Request r,
      String namespace,
      Images images,
      Signed url,
      List<DebugPodSpec.PodBinary> binaries) {
    DumpInfo info = r.info();
    DebugPodSpec.Dump dump =
        new DebugPodSpec.Dump(
            info.name(),
            info.uuid(),
            r.dump().size(),
            // check() has refused a dump without these.
            Objects.requireNonNull(info.core().entry(), "core entry"),
            Objects.requireNonNull(info.core().compression(), "core compression"),
            info.core().size(),
            Objects.requireNonNull(info.core().sha256(), "core sha256"));
    DebugPodSpec spec =
        new DebugPodSpec(
            podName(info.uuid()),
            namespace,
            dump,
            images.app().reference(),
            images.debugImage(),
            r.kind(),
            images.exePath(),
            url.url(),
            url.expires(),
            r.pod().deadline(),
            r.pod().pullSecrets(),
            binaries);
    if (spec.appImage() == null && !spec.exeKept()) {
      // The executable was kept, but no URL could be signed for it: it must come from an image.
      throw new CliException(
          CliException.USAGE,
          "the kept executable "
              + images.exePath()
              + " cannot be downloaded by the debug pod; pass -i IMAGE with the executable that"
              + " crashed");
    }
    return spec;
  }

  /** {@code coroner-debug-<uuid prefix>-<5 random>}: unique, and tells whose dump it is. */
  static String podName(String uuid) {
    String alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
    StringBuilder suffix = new StringBuilder();
    for (int i = 0; i < 5; i++) {
      suffix.append(alphabet.charAt(RANDOM.nextInt(alphabet.length())));
    }
    String prefix = uuid.length() >= 8 ? uuid.substring(0, 8) : uuid;
    return "coroner-debug-" + prefix.toLowerCase(java.util.Locale.ROOT) + "-" + suffix;
  }

  private static String version() {
    return K8sDebug.class.getPackage().getImplementationVersion();
  }
}
