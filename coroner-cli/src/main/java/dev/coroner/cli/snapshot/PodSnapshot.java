package dev.coroner.cli.snapshot;

import dev.coroner.base.units.ByteSizes;
import dev.coroner.base.units.Durations;
import dev.coroner.cli.dumps.StoreErrors;
import dev.coroner.cli.dumps.StoreOptions;
import dev.coroner.cli.errors.CliException;
import dev.coroner.kube.api.CoreDumpSnapshot;
import dev.coroner.kube.api.CoreDumpSnapshotSpec;
import dev.coroner.kube.api.CoreDumpSnapshotStatus;
import dev.coroner.kube.api.CoronerApi;
import dev.coroner.kube.store.ClusterStore;
import dev.coroner.store.Store;
import dev.coroner.store.StoreException;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;

/**
 * {@code coroner snapshot POD --store k8s}: reads the pod, creates a CoreDumpSnapshot for the agent
 * on its node, waits for the answer with progress on stderr, and prints the CoreDump's name. The
 * only class of the snapshot command that touches fabric8, reached only in cluster mode.
 */
final class PodSnapshot {
  /** The resource, as RBAC and kubectl name it. */
  static final String RESOURCE = CoronerApi.SNAPSHOTS + "." + CoronerApi.GROUP;

  /** What a refusal adds: which role grants what this command needs. */
  private static final String ROLES =
      "ask a cluster admin to bind coroner-dump-debugger (or coroner-dump-admin) to you in that"
          + " namespace: it grants get on pods and create, get, list and watch on"
          + " coredumpsnapshots (docs/access.md)";

  /**
   * One request.
   *
   * @param pod the pod's name
   * @param container -c, or null for the pod's default
   * @param scope -n, --context, --kubeconfig
   * @param method {@code fork} or {@code stop}
   * @param timeout how long to wait for the agent
   * @param json print the final status as JSON
   */
  record Request(
      String pod,
      @Nullable String container,
      StoreOptions.Scope scope,
      String method,
      Duration timeout,
      boolean json) {}

  private final ClusterStore cluster;
  private final Request request;
  private final String store;
  private final PrintWriter out;
  private final PrintWriter err;

  private PodSnapshot(ClusterStore cluster, Request request, String store, CommandLine cl) {
    this.cluster = cluster;
    this.request = request;
    this.store = store;
    this.out = cl.getOut();
    this.err = cl.getErr();
  }

  /** Runs the request on the cluster {@code options} open; the exit code. */
  static int run(StoreOptions options, Request r, Duration agentNotice, CommandLine cl) {
    try (Store s = options.open(r.scope(), cl.getErr())) {
      if (!(s instanceof ClusterStore cluster)) {
        throw new IllegalStateException("a pod's snapshot needs the cluster store: " + s.url());
      }
      return new PodSnapshot(cluster, r, options.url(), cl).take(agentNotice);
    }
  }

  private int take(Duration agentNotice) {
    String namespace = Objects.requireNonNullElse(cluster.namespace(), "default");
    PodTarget target =
        PodTarget.of(readPod(namespace), namespace, request.pod(), request.container());
    err.println(
        "Pod "
            + target.name()
            + " runs on node "
            + target.node()
            + "; container "
            + target.container()
            + (target.others().isEmpty()
                ? ""
                : " (its default; -c chooses another: "
                    + String.join(", ", target.others())
                    + ")"));
    CoreDumpSnapshot created = create(target);
    String name = created.getMetadata().getName();
    err.println(
        "Created coredumpsnapshot "
            + namespace
            + "/"
            + name
            + " (method "
            + request.method()
            + ", requester "
            + SnapshotOutcome.safe(created.getSpec().requester(), "unknown")
            + "); waiting for coroner's agent on node "
            + target.node()
            + " ...");
    err.flush();
    SnapshotWait.Outcome outcome;
    try {
      outcome =
          new SnapshotWait(cluster.client(), namespace, name)
              .await(request.timeout(), agentNotice, new Progress(target, name));
    } catch (KubernetesClientException e) {
      throw refused(e, "watch", RESOURCE, namespace, name);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliException(CliException.FAILURE, "interrupted; " + stays(namespace, name), e);
    }
    return report(outcome, target, name);
  }

  private @Nullable Pod readPod(String namespace) {
    try {
      return cluster.client().pods().inNamespace(namespace).withName(request.pod()).get();
    } catch (KubernetesClientException e) {
      throw refused(e, "get", "pods", namespace, request.pod());
    }
  }

  private CoreDumpSnapshot create(PodTarget target) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(CoronerApi.LABEL_MANAGED_BY, CoronerApi.MANAGER);
    // Node and pod names are DNS names, which always make a label value (a long one hashed, as
    // the agent selects it).
    labels.put(
        CoronerApi.LABEL_NODE,
        Objects.requireNonNull(CoronerApi.labelValue(target.node()), "a node's label value"));
    labels.put(
        CoronerApi.LABEL_POD,
        Objects.requireNonNull(CoronerApi.labelValue(target.pod()), "a pod's label value"));
    CoreDumpSnapshot s = new CoreDumpSnapshot();
    s.setMetadata(
        new ObjectMetaBuilder()
            // The API server keeps 58 characters of it and adds 5 random ones.
            .withGenerateName(target.pod() + "-")
            .withNamespace(target.namespace())
            .withLabels(labels)
            .build());
    s.setSpec(
        CoreDumpSnapshotSpec.onDemand(
            target.pod(), target.container(), request.method(), cluster.requester()));
    try {
      return cluster.client().resource(s).create();
    } catch (KubernetesClientException e) {
      throw refused(e, "create", RESOURCE, target.namespace(), null);
    }
  }

  private int report(SnapshotWait.Outcome outcome, PodTarget target, String name) {
    CoreDumpSnapshotStatus last = outcome.last();
    if (request.json()) {
      out.println(
          cluster.client().getKubernetesSerialization().asJson(last == null ? Map.of() : last));
      out.flush();
    }
    switch (outcome.end()) {
      case DELETED:
        throw new CliException(
            CliException.FAILURE,
            "coredumpsnapshot "
                + target.namespace()
                + "/"
                + name
                + " was deleted before the agent finished it; run the command again");
      case TIMED_OUT:
        throw timedOut(last, target, name);
      case DONE:
      default:
        CoreDumpSnapshotStatus s = Objects.requireNonNull(last, "a finished request's status");
        return CoreDumpSnapshotStatus.SUCCEEDED.equals(s.phase())
            ? succeeded(s, target)
            : failed(s, target);
    }
  }

  private int succeeded(CoreDumpSnapshotStatus s, PodTarget target) {
    String coreDump = s.coreDump();
    err.println("Snapshot written: " + figures(s));
    // With -o json, stdout holds the status alone.
    PrintWriter lines = request.json() ? err : out;
    String of = "Snapshot of " + target.name() + " (container " + target.container() + "): ";
    if (!SnapshotOutcome.isObjectName(coreDump)) {
      lines.println(of + "dump " + SnapshotOutcome.safe(s.dump(), "unnamed"));
      lines.flush();
      err.println(
          "coroner: warning: the agent names no CoreDump for it"
              + (coreDump == null ? "" : " ('" + SnapshotOutcome.safe(coreDump, "") + "')")
              + ": with the chart's coreDumps.enabled off, the bucket has the dump ('coroner list"
              + " --store s3://...')");
      return 0;
    }
    String where = " --store " + store + " -n " + target.namespace();
    lines.println(of + "CoreDump " + coreDump);
    lines.println(
        "Open it: coroner debug "
            + coreDump
            + where
            + " (describe it: coroner info "
            + coreDump
            + where
            + ")");
    lines.flush();
    return 0;
  }

  private int failed(CoreDumpSnapshotStatus s, PodTarget target) {
    String node = SnapshotOutcome.oneLine(s.node(), target.node());
    String reason = SnapshotOutcome.oneLine(s.reason(), "no reason given");
    throw new CliException(
        SnapshotOutcome.exitCode(s),
        "the agent on node "
            + node
            + " could not snapshot "
            + target.name()
            + " (container "
            + target.container()
            + "): "
            + reason
            + ": "
            + SnapshotOutcome.oneLine(s.message(), "no message")
            + "; "
            + SnapshotOutcome.advice(s.reason(), node, target.namespace()));
  }

  private CliException timedOut(
      @Nullable CoreDumpSnapshotStatus last, PodTarget target, String name) {
    String waited = Durations.format(request.timeout());
    String ns = target.namespace();
    if (last == null) {
      return new CliException(
          CliException.UNREACHABLE,
          "no agent took coredumpsnapshot "
              + ns
              + "/"
              + name
              + " within "
              + waited
              + ": "
              + agentCheck(target.node())
              + ". "
              + stays(ns, name));
    }
    return new CliException(
        CliException.FAILURE,
        "the agent on node "
            + SnapshotOutcome.oneLine(last.node(), target.node())
            + " took coredumpsnapshot "
            + ns
            + "/"
            + name
            + " but did not finish it within "
            + waited
            + " (phase "
            + SnapshotOutcome.oneLine(last.phase(), "unknown")
            + "; --timeout waits longer). "
            + stays(ns, name));
  }

  private static String stays(String ns, String name) {
    return "The request stays, and the agent answers it there: 'kubectl get coredumpsnapshot "
        + name
        + " -n "
        + ns
        + "' shows it (-o yaml: its status)";
  }

  private static String agentCheck(String node) {
    return "check that coroner's agent (the DaemonSet's pod) runs on node "
        + node
        + ": 'kubectl get pods -A -l app.kubernetes.io/component=agent --field-selector"
        + " spec.nodeName="
        + node
        + "'; its log says why it does not answer";
  }

  private static String figures(CoreDumpSnapshotStatus s) {
    StringBuilder b = new StringBuilder();
    if (s.pid() != null) {
      b.append("process ").append(s.pid()).append(", ");
    }
    b.append(
        s.freezeMicros() == null
            ? "freeze not reported"
            : String.format(Locale.ROOT, "stopped for %.1f ms", s.freezeMicros() / 1000.0));
    if (s.coreBytes() != null) {
      b.append(", core ").append(ByteSizes.format(s.coreBytes()));
    }
    if (s.dump() != null) {
      b.append(", dump ").append(SnapshotOutcome.safe(s.dump(), ""));
    }
    return b.toString();
  }

  private CliException refused(
      KubernetesClientException e, String verb, String resource, String ns, @Nullable String obj) {
    StoreException failure = cluster.failure(e, verb, resource, ns, obj);
    String advice =
        switch (failure.failure()) {
          case PERMISSION -> ROLES;
          case NO_STORE ->
              "install coroner's chart (its CRDs) in the cluster, or apply charts/coroner/crds";
          default -> "check 'kubectl config current-context' and the network";
        };
    return new CliException(
        StoreErrors.exitCode(failure.failure()).code(), failure.getMessage() + "; " + advice, e);
  }

  /** Progress on stderr while the agent works. */
  private final class Progress implements SnapshotWait.Progress {
    private final PodTarget target;
    private final String name;

    Progress(PodTarget target, String name) {
      this.target = target;
      this.name = name;
    }

    @Override
    public void taken(CoreDumpSnapshotStatus s) {
      err.println(
          "The agent on node "
              + SnapshotOutcome.safe(s.node(), target.node())
              + " took it"
              + (s.pid() == null ? "" : ": snapshotting process " + s.pid())
              + " ("
              + SnapshotOutcome.safe(s.phase(), "")
              + ")");
      err.flush();
    }

    @Override
    public void noAgentYet(Duration waited) {
      err.println(
          "No agent has taken coredumpsnapshot "
              + target.namespace()
              + "/"
              + name
              + " after "
              + Durations.format(waited)
              + "; "
              + agentCheck(target.node())
              + ". Still waiting (--timeout "
              + Durations.format(request.timeout())
              + ")");
      err.flush();
    }
  }
}
