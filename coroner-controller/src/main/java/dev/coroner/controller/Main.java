package dev.coroner.controller;

import dev.coroner.base.exit.ExitCode;
import dev.coroner.controller.audit.AuditLog;
import dev.coroner.controller.config.ControllerConfig;
import dev.coroner.controller.config.ControllerVariable;
import dev.coroner.store.StoreException;
import dev.coroner.store.s3.S3Store;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfigBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code coroner-controller}: configured by environment variables ({@code --help} lists them); runs
 * until SIGTERM. Replicas elect a leader through a Lease; only the leader works, and one that loses
 * the Lease exits so that Kubernetes restarts it as a follower.
 */
public final class Main {
  private static final Logger LOG = LoggerFactory.getLogger(Main.class);

  private Main() {}

  /** Runs the controller; {@code --help} lists its variables. */
  public static void main(String[] args) throws Exception {
    if (args.length > 0 && (args[0].equals("--help") || args[0].equals("-h"))) {
      System.out.println(
          "coroner-controller: answers CoreDumpDownload requests and keeps CoreDumps in step with the bucket.\n\nEnvironment:");
      for (ControllerVariable v : ControllerVariable.values()) {
        System.out.printf(
            "  %-24s %s%s%n",
            v.name(),
            v.description(),
            v.defaultValue() == null ? "" : " (default: " + v.defaultValue() + ")");
      }
      return;
    }
    ControllerConfig config;
    try {
      config = ControllerConfig.from(System.getenv());
    } catch (ControllerConfig.ConfigException e) {
      System.err.println("coroner-controller: bad configuration:\n" + e.getMessage());
      System.exit(ExitCode.USAGE.code());
      return;
    }
    System.exit(run(config));
  }

  static int run(ControllerConfig config) throws IOException, InterruptedException {
    S3Store store;
    try {
      store = S3Store.open(config.store(), config.s3());
    } catch (StoreException e) {
      LOG.error("cannot open the store {}: {}", config.store(), e.getMessage());
      return ExitCode.USAGE.code();
    }
    CountDownLatch stop = new CountDownLatch(1);
    int[] exit = {0};
    try (KubernetesClient client = new KubernetesClientBuilder().build();
        Controller controller =
            new Controller(config, client, store, AuditLog.stdout(), Clock.systemUTC());
        Health health = Health.start(config.healthPort())) {
      Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown, "coroner-stop"));
      if (!config.leaderElection()) {
        controller.lead();
        health.ready();
      } else {
        health.ready(); // a follower is ready too: it stands by
        // The elector runs until the process ends; the callbacks, not this future, say how it went.
        var unused =
            client
                .leaderElector()
                .withConfig(
                    new LeaderElectionConfigBuilder()
                        .withName(config.lease())
                        .withLeaseDuration(Duration.ofSeconds(15))
                        .withRenewDeadline(Duration.ofSeconds(10))
                        .withRetryPeriod(Duration.ofSeconds(2))
                        .withReleaseOnCancel()
                        .withLock(
                            new LeaseLock(config.namespace(), config.lease(), config.identity()))
                        .withLeaderCallbacks(
                            new LeaderCallbacks(
                                controller::lead,
                                () -> {
                                  LOG.warn(
                                      "lost the lease {}; exiting so that a new election starts",
                                      config.lease());
                                  exit[0] = 1;
                                  stop.countDown();
                                },
                                leader -> LOG.info("the leader is {}", leader)))
                        .build())
                .build()
                .start();
        LOG.info(
            "{} is waiting for the lease {}/{}",
            config.identity(),
            config.namespace(),
            config.lease());
      }
      stop.await();
    } finally {
      store.close();
    }
    return exit[0];
  }
}
