package dev.coroner.controller.config;

import org.jspecify.annotations.Nullable;

/**
 * Every environment variable the controller reads, with its default and what it does: the one table
 * that {@link ControllerConfig#from} parses and the chart's tests check.
 */
public enum ControllerVariable {
  CORONER_STORE(null, "(required) the dumps' store: s3://bucket/prefix, the agents' own"),
  CORONER_S3_REGION(
      null, "the bucket's region: AWS_REGION or the profile; us-east-1 with an endpoint"),
  CORONER_S3_PATH_STYLE(null, "path-style addressing: true when AWS_ENDPOINT_URL_S3 is set"),
  AWS_ENDPOINT_URL_S3(null, "an S3-compatible endpoint (MinIO, s3proxy); else AWS_ENDPOINT_URL"),
  CORONER_URL_TTL(
      "10m", "how long a download's presigned URL lives (1s to 15m; the chart: 5m to 15m)"),
  CORONER_RETENTION("30d", "CoreDumps and their objects older than this are deleted (0: kept)"),
  CORONER_RESYNC_INTERVAL("10m", "how often CoreDumps are made to match the bucket"),
  CORONER_HOST_NAMESPACE(
      null, "the namespace of host processes' CoreDumps (default: the controller's)"),
  CORONER_POD_NAMESPACE(
      "default", "the controller's own namespace (downward API): its Lease is there"),
  CORONER_POD_NAME(null, "the controller's pod (downward API): its identity in the Lease"),
  CORONER_LEASE_NAME("coroner-controller", "the Lease that elects one controller"),
  CORONER_LEADER_ELECTION(
      "true", "elect a leader; false only for a single replica outside a cluster"),
  CORONER_HEALTH_PORT("8080", "port of /healthz and /readyz (0: any free port)");

  private final @Nullable String defaultValue;
  private final String description;

  ControllerVariable(@Nullable String defaultValue, String description) {
    this.defaultValue = defaultValue;
    this.description = description;
  }

  /** The value when the variable is unset; null when there is none or it is worked out. */
  public @Nullable String defaultValue() {
    return defaultValue;
  }

  /** What it does, for a person. */
  public String description() {
    return description;
  }
}
