package dev.coroner.controller;

import dev.coroner.controller.audit.AuditLog;
import dev.coroner.controller.config.ControllerConfig;
import dev.coroner.store.s3.S3Options;
import dev.coroner.store.s3.S3Store;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.gaul.s3proxy.junit.S3ProxyExtension;

/** The store and configuration the controller's tests run it with. */
final class ControllerFixture {
  static final String STORE = "s3://crashes/prod";
  static final String HOST_NAMESPACE = "coroner";

  private ControllerFixture() {}

  static S3Store store(S3ProxyExtension s3) throws Exception {
    return S3Store.open(URI.create(STORE), S3Options.defaults(s3.getUri(), null, true));
  }

  static ControllerConfig config(S3ProxyExtension s3, Duration urlTtl, Duration retention) {
    return new ControllerConfig(
        URI.create(STORE),
        S3Options.defaults(s3.getUri(), null, true),
        urlTtl,
        retention,
        Duration.ofHours(1),
        HOST_NAMESPACE,
        HOST_NAMESPACE,
        "test",
        "coroner-controller",
        false,
        0);
  }

  /** An audit log that keeps its lines. */
  record Audit(AuditLog log, List<String> lines) {
    static Audit kept() {
      List<String> lines = new CopyOnWriteArrayList<>();
      return new Audit(new AuditLog(lines::add, Clock.systemUTC()), lines);
    }
  }
}
