package dev.coroner.cli.k8s;

import dev.coroner.base.units.Durations;
import dev.coroner.cli.errors.CliException;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.dsl.PodResource;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * One debug pod's life: create it, watch it to readiness with progress on stderr, run the session
 * in it, and delete it when the session ends, fails, is interrupted or the JVM is stopped (Ctrl-C,
 * SIGTERM). Should coroner die harder than that, the pod's activeDeadlineSeconds ends it and {@code
 * coroner gc} removes it.
 */
public final class DebugSession {
  /** Watch reconnections after the API drops the watch; then the session gives up. */
  static final int RECONNECTS = 3;

  /**
   * How long a session waits for its pod, and whether the pod outlives it.
   *
   * @param waitFor how long the pod may take to be ready
   * @param keep keep the pod afterwards (its deadline still ends it)
   */
  public record Options(Duration waitFor, boolean keep) {}

  /** What runs in the ready pod: an attached terminal or a batch exec; returns the exit code. */
  @FunctionalInterface
  public interface Action {
    /** Runs in the ready pod; returns the exit code. */
    int run(Target pod) throws IOException, InterruptedException;
  }

  /** The ready pod, to exec into. */
  public record Target(PodResource resource, String namespace, String name) {
    /** {@code namespace/name}. */
    public String qualifiedName() {
      return namespace + "/" + name;
    }
  }

  private final KubernetesClient client;
  private final Pod pod;
  private final PrintWriter progress;
  private final Options options;
  private final String where;
  private final Object lifecycle = new Object();
  private boolean created;
  private boolean finished;

  /**
   * A debug session with {@code pod}.
   *
   * @param where the cluster, for messages ({@link KubeConnect#describe()})
   */
  public DebugSession(
      KubernetesClient client, Pod pod, PrintWriter progress, Options options, String where) {
    this.client = client;
    this.pod = pod;
    this.progress = progress;
    this.options = options;
    this.where = where;
  }

  /** Creates the pod, waits for it, runs {@code action} in it and cleans up; its exit code. */
  public int run(Action action) throws InterruptedException {
    Thread hook = new Thread(this::cleanup, "coroner-debug-pod-cleanup");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      create();
      awaitReady();
      return action.run(
          new Target(resource(), pod.getMetadata().getNamespace(), pod.getMetadata().getName()));
    } catch (IOException e) {
      throw new CliException(
          CliException.FAILURE, "the session with pod " + name() + " broke: " + e.getMessage(), e);
    } finally {
      cleanup();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException e) {
        // The JVM is already shutting down and runs the hook, which finds the work done.
      }
    }
  }

  /** {@code namespace/name}. */
  public String name() {
    return pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName();
  }

  private PodResource resource() {
    return client
        .pods()
        .inNamespace(pod.getMetadata().getNamespace())
        .withName(pod.getMetadata().getName());
  }

  private void create() {
    progress.println("Creating debug pod " + name() + " on " + where);
    progress.flush();
    // Under the lock a shutdown hook waits for a create in flight, so it never misses the pod.
    synchronized (lifecycle) {
      if (finished) {
        throw new CliException(CliException.FAILURE, "stopped before the pod was created");
      }
      try {
        client.pods().inNamespace(pod.getMetadata().getNamespace()).resource(pod).create();
        created = true;
      } catch (KubernetesClientException e) {
        throw KubeErrors.of(e, "create pod " + name(), pod.getMetadata().getNamespace(), where);
      }
    }
  }

  private void awaitReady() throws InterruptedException {
    BlockingQueue<Event> events = new LinkedBlockingQueue<>();
    Instant deadline = Instant.now().plus(options.waitFor());
    Set<String> printed = new HashSet<>();
    int reconnects = 0;
    Watch watch = watch(events);
    try {
      // Read after the watch is open, so no change can fall between the two.
      Optional<Pod> current = Optional.ofNullable(get());
      while (true) {
        PodState state =
            PodState.of(current.orElseThrow(() -> new CliException(CliException.FAILURE, gone())));
        report(state, printed);
        if (state instanceof PodState.Failed failed) {
          throw new CliException(CliException.FAILURE, failed.problem());
        }
        if (state instanceof PodState.Ready) {
          return;
        }
        PodState.Pending pending = (PodState.Pending) state;
        long left = Duration.between(Instant.now(), deadline).toMillis();
        Event e = left <= 0 ? null : events.poll(left, TimeUnit.MILLISECONDS);
        if (e == null) {
          throw new CliException(CliException.FAILURE, notReady(pending));
        }
        if (e.failure() != null) {
          // fabric8 already reconnected up to its limit; a few more tries, then say so.
          if (++reconnects > RECONNECTS) {
            throw KubeErrors.of(
                e.failure().asClientException(),
                "watch pod " + name(),
                pod.getMetadata().getNamespace(),
                where);
          }
          watch.close();
          watch = watch(events);
          current = Optional.ofNullable(get());
        } else {
          current = e.pod();
        }
      }
    } finally {
      watch.close();
    }
  }

  private Watch watch(BlockingQueue<Event> events) {
    try {
      return resource()
          .watch(
              new Watcher<>() {
                @Override
                public void eventReceived(Watcher.Action action, Pod p) {
                  events.add(
                      new Event(
                          action == Watcher.Action.DELETED ? Optional.empty() : Optional.of(p),
                          null));
                }

                @Override
                public void onClose(WatcherException cause) {
                  events.add(new Event(Optional.empty(), cause));
                }
              });
    } catch (KubernetesClientException e) {
      throw KubeErrors.of(e, "watch pod " + name(), pod.getMetadata().getNamespace(), where);
    }
  }

  private Pod get() {
    try {
      return resource().get();
    } catch (KubernetesClientException e) {
      throw KubeErrors.of(e, "read pod " + name(), pod.getMetadata().getNamespace(), where);
    }
  }

  private void report(PodState state, Set<String> printed) {
    for (String line : state.progress()) {
      if (printed.add(line)) {
        progress.println("  " + line);
      }
    }
    // What the scheduler says is worth seeing while waiting; the rest shows in the milestones.
    if (state instanceof PodState.Pending p
        && p.waitingFor() instanceof PodState.Node n
        && (n.reason() != null || n.message() != null)
        && printed.add(n.describe())) {
      progress.println("  waiting for " + n.describe());
    }
    progress.flush();
  }

  private String notReady(PodState.Pending state) {
    String waited = Durations.format(options.waitFor());
    if (state.waitingFor() instanceof PodState.Node n && n.unschedulable()) {
      return "pod "
          + name()
          + " was not scheduled within "
          + waited
          + ": the scheduler says "
          + (n.message() == null || n.message().isBlank() ? n.reason() : n.message().strip())
          + ". Free room in the cluster (the pod's requests grow with the core), or wait longer"
          + " with --wait";
    }
    return "pod "
        + name()
        + " was not ready within "
        + waited
        + " (still waiting for "
        + state.waitingFor().describe()
        + "); --wait gives it longer";
  }

  private String gone() {
    synchronized (lifecycle) {
      if (finished) {
        return "stopped; pod " + name() + " deleted";
      }
    }
    return "pod " + name() + " was deleted while it was starting (by 'coroner gc' or someone else)";
  }

  /**
   * Deletes the pod (or says where it is kept), once: the session's end and the JVM's shutdown hook
   * both come here.
   */
  void cleanup() {
    synchronized (lifecycle) {
      if (finished) {
        return;
      }
      finished = true;
      if (!created) {
        return;
      }
      String ns = pod.getMetadata().getNamespace();
      String podName = pod.getMetadata().getName();
      if (options.keep()) {
        progress.println(
            "Kept pod "
                + name()
                + ": kubectl exec -it -n "
                + ns
                + " "
                + podName
                + " -c debug -- "
                + DebugKind.RUNDEBUG
                + "; it ends after "
                + Durations.format(Duration.ofSeconds(pod.getSpec().getActiveDeadlineSeconds()))
                + " and 'coroner gc' removes it");
      } else {
        try {
          resource().delete();
          progress.println("Deleted pod " + name());
        } catch (KubernetesClientException e) {
          progress.println(
              "warning: could not delete pod "
                  + name()
                  + " ("
                  + KubeErrors.of(e, "delete pod " + name(), ns, where).getMessage()
                  + "); Kubernetes ends it at its deadline and 'coroner gc' removes it");
        }
      }
      progress.flush();
    }
  }

  /** A watch event: the pod as it is now (empty: deleted), or the watch's failure. */
  private record Event(Optional<Pod> pod, @Nullable WatcherException failure) {}
}
