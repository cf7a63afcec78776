package dev.coroner.cli.snapshot;

import dev.coroner.base.text.SafeText;
import dev.coroner.base.units.Durations;
import dev.coroner.cli.dumps.StoreOptions;
import dev.coroner.cli.errors.CliException;
import dev.coroner.dump.ScrubMode;
import dev.coroner.snapshot.SnapshotMethod;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code coroner snapshot PID} (a process on this host) or {@code coroner snapshot POD --store k8s}
 * (a pod's container, by the agent on its node): a dump of a live process, which keeps running.
 */
@Command(
    name = "snapshot",
    mixinStandardHelpOptions = true,
    description = {
      "Dump a live process without killing it: a core of all its threads, written as an"
          + " ordinary dump ('coroner list', 'info' and 'debug' treat it like any other; its"
          + " signal is 0, shown as 'live').",
      "",
      "Two forms, chosen by the argument and the store:",
      "  coroner snapshot PID [--method fork|stop] [--stop-timeout 2s] [--scrub MODE]"
          + " [--store DIR|s3://...]",
      "    a process on this host, dumped here and scrubbed as this host's crashes are (the"
          + " mode and settings of 'coroner install', in /opt/coroner/composer.properties; without"
          + " an install, the default mode).",
      "  coroner snapshot POD [-c CONTAINER] [-n NS] [--method fork|stop] [--timeout 5m]"
          + " [-o json] --store k8s[://CONTEXT]",
      "    a pod's container in the cluster (also with CORONER_STORE=k8s): coroner creates a"
          + " CoreDumpSnapshot in the pod's namespace, coroner's agent on the pod's node takes"
          + " the snapshot and uploads it, and this command waits for it, then prints the"
          + " CoreDump's name for 'coroner info NAME --store k8s' and 'coroner debug NAME --store"
          + " k8s'. No privileged pod and no access to the node: RBAC decides who may snapshot"
          + " which namespace. A PID with --store k8s, a pod without it, and -c, -n or --timeout"
          + " with a PID are usage errors; a pod whose name is only digits is written pod/NAME.",
      "",
      "The freeze: every thread is stopped (ptrace) only while its registers are copied and"
          + " the process forks a copy-on-write child of itself, a few to a few tens of ms"
          + " (about 20 ms per GiB of memory, for the page tables). The threads then run on"
          + " while the core is written from the child, which is killed and reaped afterwards."
          + " gdb's gcore stops the process for the whole dump instead (seconds per GiB); so"
          + " does --method stop. While the child lives, pages the process writes are copied:"
          + " its memory grows by at most what it writes during the dump, in its own cgroup.",
      "",
      "Permissions on one host: root, or CAP_SYS_PTRACE; without them only a dumpable process"
          + " of your own user (Yama's ptrace_scope permitting). A process that is already"
          + " traced (gdb, strace) cannot be snapshotted. Needs Java 22 or newer (FFM). The dump"
          + " goes to the store's directory (--store, default /var/lib/coroner/dumps); with an"
          + " s3:// store it is uploaded and verified, then removed locally.",
      "",
      "In the cluster, your kubeconfig's user needs, in the pod's namespace: get on pods, and"
          + " create, get, list and watch on coredumpsnapshots.coroner.dev (the chart's"
          + " coroner-dump-debugger and coroner-dump-admin roles grant them; docs/access.md)."
          + " The agent's failure gives the exit code it would have on the node; the request"
          + " stays in the cluster after a timeout: 'kubectl get coredumpsnapshot NAME -n NS'."
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:the snapshot was written (in the cluster: uploaded, its CoreDump named)",
      "1:failure (a fork that failed, a thread that did not stop in time; in the cluster the"
          + " agent's snapshot or upload failed, or it did not finish within --timeout)",
      "2:usage: a bad option, a PID with --store k8s or a pod without it, a thread ID, a kernel"
          + " thread, Java older than 22",
      "3:no such process, pod or container, or the pod is not scheduled or not running",
      "4:the store or the cluster cannot be reached or refused (401, 403), or no agent took the"
          + " request within --timeout",
      "6:the dump was written but its core is incomplete",
      "8:no dump could be written (the dump directory)",
      "9:ptrace refused: already traced, no permission, Yama, strict seccomp",
      "10:the process exited during the snapshot"
    })
public final class SnapshotCommand implements Callable<Integer> {
  private static final Pattern PID = Pattern.compile("[0-9]{1,10}");

  /** A pod's name: a DNS subdomain, as the API server requires it. */
  private static final Pattern POD =
      Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

  /** A container's name: a DNS label. */
  private static final Pattern CONTAINER = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");

  @Spec CommandSpec spec;

  @Mixin StoreOptions store;

  @Parameters(
      paramLabel = "PID|POD",
      description =
          "A process as this host sees it, or with --store k8s a pod (NAME or pod/NAME) in -n NS.")
  String target;

  @Option(
      names = "--method",
      paramLabel = "fork|stop",
      defaultValue = "fork",
      description =
          "fork (default): the process runs on while its copy is dumped. stop: the process"
              + " stays stopped while its memory is read, as with gcore (for a process that"
              + " cannot fork: a full cgroup, a seccomp filter that forbids clone).")
  String method;

  @Option(
      names = "--stop-timeout",
      paramLabel = "DURATION",
      defaultValue = "2s",
      description =
          "PID: how long to wait for every thread to stop; a thread stuck in the kernel (state D)"
              + " never does, and the snapshot is then abandoned. Default: ${DEFAULT-VALUE}.")
  String stopTimeout;

  @Option(
      names = "--scrub",
      paramLabel = "MODE",
      description =
          "PID: off, default or drop-heap (docs/scrub.md); default: the mode 'coroner install'"
              + " set for this host's crashes, else default. The dump is listed only once"
              + " scrubbed. In the cluster the agent scrubs by its own policy.")
  @Nullable String scrub;

  @Option(
      names = {"-c", "--container"},
      paramLabel = "CONTAINER",
      description =
          "POD: the container (default: the pod's kubectl.kubernetes.io/default-container, else"
              + " its first).")
  @Nullable String container;

  @Option(
      names = {"-n", "--namespace"},
      paramLabel = "NS",
      description = "POD: the pod's namespace (default: the context's).")
  @Nullable String namespace;

  @Option(
      names = "--context",
      paramLabel = "CONTEXT",
      description =
          "POD: the kube context (default: the one --store k8s://CONTEXT names, else the"
              + " current one).")
  @Nullable String context;

  @Option(
      names = "--kubeconfig",
      paramLabel = "FILE",
      description = "POD: the kubeconfig file (default: $KUBECONFIG, else ~/.kube/config).")
  @Nullable Path kubeconfig;

  @Option(
      names = "--timeout",
      paramLabel = "DURATION",
      defaultValue = "5m",
      description =
          "POD: how long to wait for the agent's result (default: ${DEFAULT-VALUE}); the request"
              + " stays in the cluster after it.")
  String timeout;

  @Option(
      names = {"-o", "--output"},
      paramLabel = "json",
      description = "POD: print the request's final status as JSON on stdout.")
  @Nullable String output;

  /** After how long without an agent the wait says what to check; tests shorten it. */
  Duration agentNotice = Duration.ofSeconds(10);

  @Override
  public Integer call() {
    SnapshotMethod m = parseMethod();
    if (PID.matcher(target).matches() && !store.cluster()) {
      return new HostSnapshot(store, spec.commandLine().getOut(), spec.commandLine().getErr())
          .take(hostPid(), m, parseDuration("--stop-timeout", stopTimeout), parseScrub());
    }
    String pod = podName();
    if (given("--scrub")) {
      throw new CliException(
          CliException.USAGE,
          "--scrub applies to a PID on this host; in the cluster the agent scrubs by its own"
              + " policy (CORONER_SCRUB, the pod's coroner.dev/scrub annotation)");
    }
    if (given("--stop-timeout")) {
      throw new CliException(
          CliException.USAGE,
          "--stop-timeout applies to a PID on this host; in the cluster the agent stops the"
              + " process itself (--timeout is how long this command waits)");
    }
    if (output != null && !output.equals("json")) {
      throw new CliException(
          CliException.USAGE, "-o takes json only: '" + SafeText.line(output) + "'");
    }
    if (container != null && !CONTAINER.matcher(container).matches()) {
      throw new CliException(
          CliException.USAGE, "-c must be a container's name: '" + SafeText.line(container) + "'");
    }
    return PodSnapshot.run(
        store,
        new PodSnapshot.Request(
            pod,
            container,
            new StoreOptions.Scope(namespace, false, context, kubeconfig),
            m.id(),
            parseDuration("--timeout", timeout),
            output != null),
        agentNotice,
        spec.commandLine());
  }

  /** {@code --scrub}, or null: the install's mode, else the default. */
  private @Nullable ScrubMode parseScrub() {
    if (scrub == null) {
      return null;
    }
    try {
      return ScrubMode.parse(scrub);
    } catch (IllegalArgumentException e) {
      throw new CliException(
          CliException.USAGE,
          "--scrub must be off, default or drop-heap: '" + SafeText.line(scrub) + "'");
    }
  }

  /** The PID of the host form; every option of the pod form is refused. */
  private int hostPid() {
    for (String option : List.of("-c", "-n", "--context", "--kubeconfig", "--timeout", "-o")) {
      if (given(option)) {
        throw new CliException(
            CliException.USAGE,
            option
                + " applies to a pod in the cluster (coroner snapshot POD --store k8s); "
                + target
                + " is a PID, a process on this host: leave "
                + option
                + " out");
      }
    }
    try {
      return Integer.parseInt(target);
    } catch (NumberFormatException e) {
      throw new CliException(CliException.USAGE, "no such PID: " + target);
    }
  }

  /** The pod of the cluster form; a PID or a pod without the cluster store is a usage error. */
  private String podName() {
    String where = "the store is " + SafeText.line(store.url()) + " (--store or $CORONER_STORE)";
    if (PID.matcher(target).matches()) {
      throw new CliException(
          CliException.USAGE,
          target
              + " is a PID, a process on this host, but "
              + where
              + ", which snapshots a pod: coroner snapshot POD [-c CONTAINER] [-n NS]. For this"
              + " host's process, pass --store DIR or --store s3://BUCKET; a pod whose name is"
              + " only digits is written pod/"
              + target);
    }
    String name = target.startsWith("pod/") ? target.substring("pod/".length()) : target;
    boolean valid = name.length() <= 253 && POD.matcher(name).matches();
    if (!store.cluster()) {
      throw new CliException(
          CliException.USAGE,
          "'"
              + SafeText.line(target)
              + "' is not a PID"
              + (valid
                  ? "; to snapshot pod "
                      + name
                      + " in the cluster, add --store k8s[://CONTEXT] (or set CORONER_STORE=k8s):"
                      + " coroner snapshot "
                      + name
                      + " [-c CONTAINER] [-n NS] --store k8s"
                  : ", nor a pod's name")
              + (container != null
                  ? " (-c names a container of a pod: it needs --store k8s)"
                  : ""));
    }
    if (!valid) {
      throw new CliException(
          CliException.USAGE,
          "'"
              + SafeText.line(target)
              + "' is not a pod's name (lower-case letters, digits, '-', '.')");
    }
    return name;
  }

  private boolean given(String option) {
    return spec.commandLine().getParseResult().hasMatchedOption(option);
  }

  private SnapshotMethod parseMethod() {
    try {
      return SnapshotMethod.valueOf(method.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new CliException(
          CliException.USAGE, "--method must be fork or stop: '" + SafeText.line(method) + "'");
    }
  }

  private static Duration parseDuration(String option, String text) {
    try {
      Duration d = Durations.parse(text);
      if (d.isZero() || d.isNegative()) {
        throw new IllegalArgumentException("not positive");
      }
      return d;
    } catch (RuntimeException e) {
      throw new CliException(
          CliException.USAGE,
          option + " must be a duration like 2s, 500ms or 5m: '" + SafeText.line(text) + "'");
    }
  }
}
