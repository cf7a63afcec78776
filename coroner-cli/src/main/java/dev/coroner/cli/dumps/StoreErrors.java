package dev.coroner.cli.dumps;

import dev.coroner.base.exit.ExitCode;
import dev.coroner.cli.errors.CliException;
import dev.coroner.kube.store.ClusterUrls;
import dev.coroner.store.DumpProblem;
import dev.coroner.store.StoreException;
import dev.coroner.store.StoreFailure;
import dev.coroner.store.StoredDump;
import java.util.Objects;

/**
 * Turns the store's typed failures into the CLI's exit codes and advice, in the CLI's terms (its
 * options and the user's environment). The store's message says what happened; this adds what to
 * do.
 */
public final class StoreErrors {
  private StoreErrors() {}

  /** The CLI failure for a store failure, on the store at {@code url}. */
  public static CliException toCli(StoreException e, String url) {
    boolean local = url.startsWith("file:") || url.startsWith("/");
    String advice =
        ClusterUrls.isCluster(url) ? clusterAdvice(e.failure()) : advice(e.failure(), local);
    return new CliException(exitCode(e.failure()).code(), e.getMessage() + "; " + advice, e);
  }

  /**
   * What to do about a failure of the cluster store ({@code --store k8s}): the user's kubeconfig
   * and RBAC, the chart and its controller; never storage credentials, which this user has none of.
   */
  static String clusterAdvice(StoreFailure failure) {
    return switch (failure) {
      case CONFIG ->
          "check --store k8s[://CONTEXT] and $KUBECONFIG (debug and snapshot also take"
              + " --context and --kubeconfig); 'kubectl config get-contexts' lists the contexts";
      case AUTH -> "log in to the cluster again; 'kubectl get coredumps' should then work";
      case KEY ->
          "pass --identity FILE: the age identity of a recipient this namespace's dumps are"
              + " encrypted to (ask whoever holds the namespace's key)";
      case PERMISSION ->
          "ask a cluster admin to bind coroner-dump-viewer (list, info), coroner-dump-debugger"
              + " (get, debug) or coroner-dump-admin (rm) to you in that namespace (docs/access.md)";
      case NO_STORE ->
          "install coroner's chart in the cluster (helm install coroner charts/coroner), or pass"
              + " --store s3://bucket/prefix with storage credentials";
      case UNREACHABLE ->
          "check 'kubectl config current-context', the network, and that coroner's controller"
              + " runs";
      case INTEGRITY -> "the stored copy is not what was recorded; run 'coroner info' on it";
      case NOT_FOUND ->
          "run 'coroner list --store k8s' (-A for every namespace) to see what is there";
      case LOCAL_IO -> "check the target directory: its free space and permissions";
      case OTHER -> "try again; run with --stacktrace for the details";
    };
  }

  /** The exit code of a failure kind (docs/cli.md). */
  public static ExitCode exitCode(StoreFailure failure) {
    return switch (failure) {
      case CONFIG -> ExitCode.USAGE;
      case AUTH, KEY, NO_STORE, UNREACHABLE, PERMISSION, OTHER -> ExitCode.UNREACHABLE;
      case NOT_FOUND -> ExitCode.NOT_FOUND;
      case INTEGRITY, LOCAL_IO -> ExitCode.FAILURE;
    };
  }

  static String advice(StoreFailure failure, boolean local) {
    return switch (failure) {
      case CONFIG ->
          "check --store (or $CORONER_STORE): a directory, file:///dir or s3://bucket/prefix;"
              + " for S3 also --s3-region or $AWS_REGION";
      case AUTH ->
          "check the AWS credentials ($AWS_ACCESS_KEY_ID and $AWS_SECRET_ACCESS_KEY, $AWS_PROFILE,"
              + " or the machine's IAM role)";
      case KEY ->
          "pass --identity FILE: an age identity file (AGE-SECRET-KEY-1..., as age-keygen writes"
              + " it) whose public key is one of the dump's recipients";
      case NO_STORE ->
          local
              ? "install coroner ('coroner install') or point --store at the dump directory"
              : "check the bucket in --store, or create it";
      case UNREACHABLE -> "check --s3-endpoint (or $AWS_ENDPOINT_URL_S3) and the network";
      case PERMISSION ->
          local
              ? "dumps hold secrets and are readable by their owner and root only; run as root"
                  + " (sudo) or as the user who owns them"
              : "ask for read access to the bucket";
      case INTEGRITY -> "the stored copy is not what was recorded; run 'coroner info' on it";
      case NOT_FOUND -> "run 'coroner list' to see what is there";
      case LOCAL_IO -> "check the target directory: its free space and permissions";
      case OTHER -> "try again; run with --stacktrace for the details";
    };
  }

  /**
   * The failure for a listed dump that cannot be read, with advice by kind: only a damaged dump is
   * called damaged, and only then is removing it suggested.
   */
  public static CliException unreadable(StoredDump dump) {
    DumpProblem p = Objects.requireNonNull(dump.problem(), "an unreadable dump has a problem");
    String name = dump.name();
    return switch (p.kind()) {
      case DAMAGED ->
          new CliException(
              ExitCode.FAILURE.code(),
              "dump "
                  + name
                  + " is damaged ("
                  + p.detail()
                  + "); 'coroner rm "
                  + name
                  + "' removes it");
      case PERMISSION ->
          new CliException(
              ExitCode.UNREACHABLE.code(),
              "cannot read dump "
                  + name
                  + ": permission denied; dumps are readable by their owner and root only,"
                  + " so run as root (sudo) or as the user who owns it");
      case NEWER_SCHEMA ->
          new CliException(
              ExitCode.FAILURE.code(),
              "dump "
                  + name
                  + " was written by a newer coroner ("
                  + p.detail()
                  + "); upgrade coroner to read it");
      case FOREIGN ->
          new CliException(
              ExitCode.FAILURE.code(),
              name
                  + " in the store was not written by coroner ("
                  + p.detail()
                  + "); it is left alone");
      case GONE ->
          new CliException(
              ExitCode.NOT_FOUND.code(),
              "dump " + name + " was deleted meanwhile; run 'coroner list' to see what is there");
    };
  }
}
