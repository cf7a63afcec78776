package dev.coroner.agent.trigger;

import dev.coroner.agent.kube.ApiFailures;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An informer's failures, logged once per kind with the permission it needs; the informer keeps
 * retrying with its own backoff, so a role granted later takes effect without a restart.
 */
final class InformerFailures {
  private static final Logger LOG = LoggerFactory.getLogger(InformerFailures.class);

  private final String resource;
  private final String verbs;
  private final ApiFailures failures = new ApiFailures();

  /** Failures to list and watch {@code resource}, which needs {@code verbs}. */
  InformerFailures(String resource, String verbs) {
    this.resource = resource;
    this.verbs = verbs;
  }

  /** fabric8's exception handler: logs, and always retries. */
  boolean retry(boolean started, Throwable failure) {
    if (failures.first(failure)) {
      LOG.warn(
          "Snapshot triggers cannot watch {}: {}. The agent's ClusterRole needs {}: {} (chart:"
              + " snapshotTriggers.enabled with rbac.create); it retries, and later failures of"
              + " this kind are not logged",
          resource,
          ApiFailures.describe(failure),
          resource,
          verbs);
    }
    return true;
  }
}
