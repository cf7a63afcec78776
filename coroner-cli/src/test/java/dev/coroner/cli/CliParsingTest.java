package dev.coroner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.coroner.cli.debug.DebugCommand;
import dev.coroner.cli.install.InstallCommand;
import dev.coroner.store.open.Stores;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Parses without running anything: options, defaults, usage errors and help. */
class CliParsingTest {
  @TempDir Path home;

  private static final CliConfig CONFIG =
      new CliConfig("file:///srv/dumps", "test", Path.of("/tmp/cache"), null);

  @Test
  void storeDefaultsFromTheConfigAndCanBeOverridden() {
    var list = parse("list", "--since", "2h", "-n", "3", "-o", "json");
    assertThat(list.matchedOptionValue("--store", "?")).isEqualTo("?");
    CommandLine.ParseResult sub = list.subcommand();
    assertThat(sub.commandSpec().findOption("--store").getValue().toString())
        .isEqualTo("file:///srv/dumps");
    var explicit = parse("list", "--store", "/x").subcommand();
    assertThat(explicit.commandSpec().findOption("--store").getValue().toString()).isEqualTo("/x");
  }

  @Test
  void debugOptions() {
    var r =
        parse(
                "debug",
                "latest",
                "--batch",
                "-o",
                "v8 bt",
                "-o",
                "v8 findjsobjects",
                "--debugger",
                "gdb")
            .subcommand();
    assertThat(r.matchedPositional(0).getValue().toString()).isEqualTo("latest");
    assertThat(r.commandSpec().findOption("-o").<java.util.List<String>>getValue())
        .containsExactly("v8 bt", "v8 findjsobjects");
    assertThat(r.commandSpec().findOption(DebugCommand.CACHE_OPTION).getValue().toString())
        .isEqualTo("/tmp/cache");
  }

  @Test
  void badValuesAreUsageErrorsThatNameTheValue() {
    CliRun size = run("install", "--max-core-size", "lots");
    assertThat(size.code()).isEqualTo(2);
    assertThat(size.err()).contains("'lots'");
    CliRun compression = run("install", "--compression", "lz4");
    assertThat(compression.code()).isEqualTo(2);
    assertThat(compression.err()).contains("zstd, deflate or none");
    CliRun mode = run("install", "--mode", "tcp");
    assertThat(mode.code()).isEqualTo(2);
    assertThat(mode.err()).contains("must be auto, socket or pipe: 'tcp'");
    CliRun workers = run("install", "--receiver-workers", "0", "--prefix", "/x", "--dry-run");
    assertThat(workers.code()).isEqualTo(2);
    assertThat(workers.err()).contains("--receiver-workers must be 1 to 64: 0");
    CliRun ahead = run("install", "--receiver-read-ahead", "-1", "--prefix", "/x", "--dry-run");
    assertThat(ahead.code()).isEqualTo(2);
    assertThat(ahead.err()).contains("--receiver-read-ahead must be 0 to 1024 (MiB): -1");
    CliRun template = run("install", "--name-template", "{pid}");
    assertThat(template.err()).contains("{uuid}");
    CliRun output = run("list", "-o", "xml");
    assertThat(output.code()).isEqualTo(2);
    assertThat(output.err()).contains("xml").contains("yaml");
    CliRun since = run("list", "--since", "soon", "--store", home.toString());
    assertThat(since.code()).isEqualTo(2);
    assertThat(since.err()).contains("'soon'");
    CliRun signal = run("list", "--signal", "SIGFOO", "--store", home.toString());
    assertThat(signal.code()).isEqualTo(2);
    assertThat(signal.err()).contains("unknown signal 'SIGFOO'");
    CliRun rm = run("rm", "--store", home.toString());
    assertThat(rm.code()).isEqualTo(2);
    assertThat(rm.err()).contains("--older-than");
    CliRun batch = run("debug", "latest", "--batch", "--store", home.toString());
    assertThat(batch.code()).isEqualTo(2);
    assertThat(batch.err()).contains("-o 'v8 bt'");
  }

  @Test
  void everyCommandHasHelp() {
    for (String command :
        new String[] {
          "list", "info", "get", "debug", "snapshot", "rm", "install", "uninstall", "demo"
        }) {
      CliRun r = run(command, "--help");
      assertThat(r.code()).as(command).isZero();
      assertThat(r.out())
          .as(command)
          .startsWith("Usage: coroner " + command)
          .hasSizeGreaterThan(300);
    }
    assertThat(run("--help").out()).contains("Exit codes:").contains("3   not found");
  }

  @Test
  void snapshotRunsUnderARootOfItsOwnThatParsesAndHelpsAsTheWholeOne() {
    // Main.run gives "snapshot" a root without the other commands (a faster start).
    CommandLine whole = Main.commandLine(CONFIG).getSubcommands().get("snapshot");
    CommandLine alone = Main.snapshotCommandLine(CONFIG).getSubcommands().get("snapshot");
    assertThat(alone.getUsageMessage()).isEqualTo(whole.getUsageMessage());
    assertThat(Main.snapshotCommandLine(CONFIG).getSubcommands()).containsOnlyKeys("snapshot");
    var parsed = Main.snapshotCommandLine(CONFIG).parseArgs("--stacktrace", "snapshot", "12");
    assertThat(parsed.subcommand().commandSpec().findOption("--store").getValue().toString())
        .isEqualTo("file:///srv/dumps");
    CliRun bad = run("snapshot", "12", "--bogus");
    assertThat(bad.code()).isEqualTo(2);
    assertThat(bad.err()).contains("--bogus").contains("Run 'coroner snapshot --help'");
  }

  @Test
  void completionScriptIsGenerated() {
    CliRun r = run("generate-completion");
    assertThat(r.code()).isZero();
    assertThat(r.out()).contains("complete -F").contains("debug").contains("--store");
  }

  @Test
  void configPrecedence() throws Exception {
    assertThat(CliConfig.load(Map.of("CORONER_STORE", "/a"), home).store()).isEqualTo("/a");
    assertThat(CliConfig.load(Map.of(), home).store()).isEqualTo(Stores.DEFAULT);
    Path file = home.resolve(".config/coroner/config.properties");
    Files.createDirectories(file.getParent());
    Files.writeString(file, "store=/b\n");
    assertThat(CliConfig.load(Map.of(), home).store()).isEqualTo("/b");
    assertThat(CliConfig.load(Map.of("CORONER_STORE", "/a"), home).store()).isEqualTo("/a");
    assertThat(CliConfig.load(Map.of("XDG_CACHE_HOME", "/c"), home).cacheDir())
        .isEqualTo(Path.of("/c/coroner"));
    assertThat(CliConfig.load(Map.of(), home).cacheDir()).isEqualTo(home.resolve(".cache/coroner"));
  }

  @Test
  void installOptionsBecomeCaptureSettings() {
    var install = new InstallCommand();
    CommandLine.populateCommand(
        install,
        "--dumps",
        "/srv/d",
        "--compression",
        "deflate",
        "--level",
        "6",
        "--max-core-size",
        "16G",
        "--exclude-exe",
        "sleep",
        "--exclude-exe",
        "/opt/**",
        "--environ",
        "redacted",
        "--timeout",
        "5m");
    var s = install.captureSettings();
    assertThat(s.dumpDir()).isEqualTo(Path.of("/srv/d"));
    assertThat(s.compression().id()).isEqualTo("deflate");
    assertThat(s.level()).isEqualTo(6);
    assertThat(s.maxCoreSize()).isEqualTo(16L << 30);
    assertThat(s.excludeExe()).containsExactly("sleep", "/opt/**");
    assertThat(s.environ().id()).isEqualTo("redacted");
    assertThat(s.timeout()).hasMinutes(5);
  }

  @Test
  void listLimitMustBePositive() {
    CliRun r = run("list", "--limit", "0", "--store", home.toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("--limit must be at least 1");
  }

  @Test
  void listTakesKubectlsNamespaceOptionsAndCoredumpctlsMatches() {
    var list = parse("list", "-n", "shop", "--no-headers", "-o", "name", "node", "3887");
    var cmd = (dev.coroner.cli.dumps.ListCommand) list.subcommand().commandSpec().userObject();
    assertThat(list.subcommand().matchedOptionValue("-n", "")).isEqualTo("shop");
    assertThat(list.subcommand().hasMatchedOption("--no-headers")).isTrue();
    assertThat(list.subcommand().matchedPositionalValue(0, java.util.List.of()))
        .isEqualTo(java.util.List.of("node", "3887"));
    assertThat(cmd).isNotNull();
    CliRun both = run("list", "-A", "-n", "shop", "--store", home.toString());
    assertThat(both.code()).isEqualTo(2);
    assertThat(both.err()).contains("-A and -n exclude each other");
  }

  @Test
  void globsThatDoNotCompileAndBadEndpointsAreUsageErrorsThatNameTheOption() {
    CliRun exe = run("list", "--exe", "[", "--store", home.toString());
    assertThat(exe.code()).isEqualTo(2);
    assertThat(exe.err()).contains("--exe '[' is not a glob");
    CliRun endpoint = run("list", "--store", "s3://b/p", "--s3-endpoint", "not a url");
    assertThat(endpoint.code()).isEqualTo(2);
    assertThat(endpoint.err()).contains("--s3-endpoint must be an http(s)://host[:port] URL");
    CliRun store = run("list", "--store", "s3:///nobucket");
    assertThat(store.code()).isEqualTo(2);
    assertThat(store.err()).contains("check --store");
  }

  @Test
  void homeIsTheEnvironmentsAndUnknownConfigKeysAreSaid() throws Exception {
    assertThat(Main.home(java.util.Map.of("HOME", "/home/alice")))
        .isEqualTo(Path.of("/home/alice"));
    java.nio.file.Path config = home.resolve(".config/coroner/config.properties");
    java.nio.file.Files.createDirectories(config.getParent());
    java.nio.file.Files.writeString(config, "stor=/srv/dumps\n");
    var c = CliConfig.load(java.util.Map.of(), home);
    assertThat(c.warnings())
        .singleElement()
        .asString()
        .contains("unknown setting 'stor'")
        .contains("known: store");
  }

  @Test
  void typosNeverSuggestACommandThatChangesTheMachine() {
    CliRun r = run("lst");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("Did you mean").contains("list").doesNotContain("install");
  }

  private static CommandLine.ParseResult parse(String... args) {
    return Main.commandLine(CONFIG).parseArgs(args);
  }

  private CliRun run(String... args) {
    return CliRun.of(args);
  }
}
