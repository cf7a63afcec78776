package dev.coroner.cli.hostile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.coroner.cli.Main;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every command that reads a dump, against every hostile dump of {@link HostileDumps}. Each run
 * must exit with a documented code (never 5, an internal error), say what happened on its first
 * line, print no control character the dump brought (escape sequences, carriage returns), write
 * nothing outside its target and cache, and leave no partial file behind.
 */
class HostileDumpsIT {
  private static final Set<Integer> DOCUMENTED = Set.of(0, 1, 2, 3, 4);

  @TempDir Path tmp;

  @TestFactory
  Stream<DynamicTest> everyCommandAnswersEveryHostileDump() throws IOException {
    List<DynamicTest> tests = new ArrayList<>();
    int n = 0;
    for (HostileDumps.Case c : HostileDumps.all()) {
      Path root = tmp.resolve("case-" + n++);
      tests.add(DynamicTest.dynamicTest(c.what(), () -> runAll(c, root)));
    }
    return tests.stream();
  }

  private void runAll(HostileDumps.Case c, Path root) throws IOException {
    Path store = root.resolve("store");
    Path targets = Files.createDirectories(root.resolve("target"));
    Path cache = root.resolve("cache");
    HostileDumps.write(c, store);
    String s = store.toString();
    // Each command writes into its own target, so what one left is not taken for another's.
    Path target = targets;
    List<String[]> commands =
        List.of(
            new String[] {"list", "--store", s},
            new String[] {"list", "-o", "json", "--store", s},
            new String[] {"info", "latest", "--store", s},
            new String[] {"info", "latest", "-o", "json", "--store", s},
            new String[] {"get", "latest", "--store", s, "-d", target.toString()},
            new String[] {"get", "latest", "-x", "--store", s, "-d", target.toString()},
            new String[] {
              "get", "latest", "-o", target.resolve("core.out").toString(), "--store", s
            },
            new String[] {
              "debug",
              "latest",
              "--batch",
              "-o",
              "bt",
              "--debugger",
              "gdb",
              "--store",
              s,
              "--cache-dir",
              cache.toString()
            },
            new String[] {"rm", "latest", "--store", s, "--cache-dir", cache.toString()});
    int i = 0;
    for (String[] template : commands) {
      Path own = Files.createDirectories(targets.resolve(Integer.toString(i++)));
      String[] args =
          java.util.Arrays.stream(template)
              .map(
                  a ->
                      a.equals(targets.toString())
                          ? own.toString()
                          : a.replace(targets + "/", own + "/"))
              .toArray(String[]::new);
      Run r = run(args);
      String cmd = String.join(" ", args).replace(root.toString(), "ROOT");
      assertThat(r.code()).as(cmd + "\n" + r.err()).isIn(DOCUMENTED);
      // debug --batch passes the debugger's own status and output on; coroner's failures are its.
      if (r.code() != 0 && !(args[0].equals("debug") && r.err().isEmpty())) {
        assertThat(r.err().lines().findFirst().orElse(""))
            .as(cmd + ": a message that says what happened")
            .startsWith("coroner: ")
            .hasSizeGreaterThan("coroner: ".length() + 10);
      }
      for (String text : List.of(r.out(), r.err())) {
        assertThat(text)
            .as(cmd + ": no control characters from the dump")
            .doesNotContain("\u001b", "\r", "\u0007");
      }
      assertThat(partials(root)).as(cmd + ": no partial files").isEmpty();
      if (args[0].equals("get") && r.code() != 0) {
        try (var left = Files.list(own)) {
          assertThat(left.map(p -> p.getFileName().toString()))
              .as(cmd + ": a damaged dump is not left in the target")
              .noneMatch(f -> f.endsWith(".zip"));
        }
      }
      assertThat(outside(root, target, cache, store))
          .as(cmd + ": nothing outside its target")
          .isEmpty();
      try (var escaped = Files.list(Path.of("/tmp"))) {
        assertThat(escaped.map(p -> p.getFileName().toString()))
            .as(cmd + ": nothing escaped into /tmp")
            .noneMatch(f -> f.startsWith("coroner-hostile"));
      }
    }
    if (c.what().startsWith("healthy")) {
      assertThat(
              targets
                  .resolve("5")
                  .resolve(HostileDumps.name())
                  .resolve(HostileDumps.name() + ".core"))
          .as("get -x of the healthy dump")
          .isRegularFile();
      assertThat(targets.resolve("6").resolve("core.out"))
          .as("get -o of the healthy dump")
          .isRegularFile();
    }
  }

  private static List<Path> partials(Path root) throws IOException {
    try (var all = Files.walk(root)) {
      return all.filter(p -> p.getFileName().toString().contains(".partial")).toList();
    }
  }

  /** Entries of {@code root} other than the store, the target and the cache. */
  private static List<Path> outside(Path root, Path... allowed) throws IOException {
    try (var top = Files.list(root)) {
      return top.filter(p -> !List.of(allowed).contains(p)).toList();
    }
  }

  private record Run(int code, String out, String err) {}

  private static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
    return new Run(code, out.toString(), err.toString());
  }
}
