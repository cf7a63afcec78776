package dev.coroner.capture.settings;

import dev.coroner.base.units.ByteSizes;
import dev.coroner.base.units.Durations;
import dev.coroner.dump.Compression;
import dev.coroner.dump.ScrubMode;
import dev.coroner.dump.name.NameTemplate;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * How the composer captures a crash. The installer writes it as {@code composer.properties} beside
 * the composer; the composer reads it at every crash, because the kernel's pattern is too short
 * (127 characters) to carry it.
 *
 * @param dumpDir where finished dumps go (0700)
 * @param nameTemplate how dumps are named
 * @param compression how the core is stored
 * @param level compression level (zstd 1-19, deflate 1-9)
 * @param workers extra zstd worker threads; 0 (default) compresses on the composer's writer thread,
 *     which already runs beside the reading thread and keeps memory low
 * @param maxCoreSize stop storing the core past this many raw bytes; 0 means no limit
 * @param keepFree stop storing when the dump directory's file system has less free space
 * @param maxUse stop storing when the dump directory would hold more than this; 0 means no limit
 * @param timeout the watchdog: past this the dump is finished as truncated
 * @param excludeExe globs on the executable path or name; matching crashes are skipped
 * @param environ whether the environment is kept
 * @param agentSocket the node agent's unix socket, asked for the pod identity and whether to keep
 *     the core; null when no agent runs (one host)
 * @param agentTimeout how long the composer waits for the agent's answer before it captures with
 *     the pod "unknown"
 * @param scrub how the composer scrubs a dump before it is complete, when no agent runs (one host;
 *     docs/scrub.md); with an agent, the agent scrubs before upload by its own policy and the
 *     composer only leaves the environment beside the dump
 */
public record CaptureSettings(
    Path dumpDir,
    NameTemplate nameTemplate,
    Compression compression,
    int level,
    int workers,
    long maxCoreSize,
    long keepFree,
    long maxUse,
    Duration timeout,
    List<String> excludeExe,
    EnvironMode environ,
    @Nullable Path agentSocket,
    Duration agentTimeout,
    ScrubMode scrub) {

  /**
   * Every default, as the text the settings file, the CLI's install options and the agent's
   * variables take: the one place they are written. Constants, so picocli's {@code defaultValue}
   * can name them.
   */
  public static final class Defaults {
    public static final String DUMP_DIR = "/var/lib/coroner/dumps";
    public static final String NAME_TEMPLATE = NameTemplate.DEFAULT;
    public static final String COMPRESSION = "zstd";
    public static final String LEVEL = "3";
    public static final String WORKERS = "0";
    public static final String MAX_CORE_SIZE = "0";
    public static final String KEEP_FREE = "1G";
    public static final String MAX_USE = "0";
    public static final String TIMEOUT = "600s";
    public static final String ENVIRON = "off";
    public static final String AGENT_TIMEOUT = "1s";

    /**
     * {@code scrub=} when a settings file does not say: one written before scrubbing existed keeps
     * its behaviour. {@code coroner install} writes {@link #INSTALL_SCRUB} unless told otherwise.
     */
    public static final String SCRUB = "off";

    /** What {@code coroner install --scrub} defaults to: on, patterns and environment values. */
    public static final String INSTALL_SCRUB = "default";

    private Defaults() {}
  }

  public static final Path DEFAULT_DUMP_DIR = Path.of(Defaults.DUMP_DIR);

  public CaptureSettings {
    excludeExe = List.copyOf(excludeExe);
  }

  /** Settings without a scrub mode of their own: {@link Defaults#SCRUB}. */
  public CaptureSettings(
      Path dumpDir,
      NameTemplate nameTemplate,
      Compression compression,
      int level,
      int workers,
      long maxCoreSize,
      long keepFree,
      long maxUse,
      Duration timeout,
      List<String> excludeExe,
      EnvironMode environ,
      @Nullable Path agentSocket,
      Duration agentTimeout) {
    this(
        dumpDir,
        nameTemplate,
        compression,
        level,
        workers,
        maxCoreSize,
        keepFree,
        maxUse,
        timeout,
        excludeExe,
        environ,
        agentSocket,
        agentTimeout,
        ScrubMode.parse(Defaults.SCRUB));
  }

  /** The defaults: zstd level 3, no size limit, 1 GiB kept free, a 10 minute watchdog. */
  public static CaptureSettings defaults() {
    return new CaptureSettings(
        DEFAULT_DUMP_DIR,
        NameTemplate.parse(Defaults.NAME_TEMPLATE),
        Compression.parse(Defaults.COMPRESSION),
        Integer.parseInt(Defaults.LEVEL),
        Integer.parseInt(Defaults.WORKERS),
        ByteSizes.parse(Defaults.MAX_CORE_SIZE),
        ByteSizes.parse(Defaults.KEEP_FREE),
        ByteSizes.parse(Defaults.MAX_USE),
        Durations.parse(Defaults.TIMEOUT),
        List.of(),
        EnvironMode.parse(Defaults.ENVIRON),
        null,
        Durations.parse(Defaults.AGENT_TIMEOUT),
        ScrubMode.parse(Defaults.SCRUB));
  }

  /** A parse result: the settings, with defaults where a value was bad, and what was bad. */
  public record Parsed(CaptureSettings settings, List<String> problems) {
    public Parsed {
      problems = List.copyOf(problems);
    }
  }

  /**
   * Reads settings from properties. Never throws for a bad value: the composer must capture even
   * with a broken config, so each bad value falls back to its default and is reported in {@link
   * Parsed#problems()} with its key and value.
   */
  public static Parsed fromProperties(Properties p) {
    CaptureSettings d = defaults();
    List<String> problems = new ArrayList<>();
    Reader r = new Reader(p, problems);
    var s =
        new CaptureSettings(
            r.get("dump.dir", Path::of, d.dumpDir()),
            r.get("name.template", NameTemplate::parse, d.nameTemplate()),
            r.get("compression", Compression::parse, d.compression()),
            r.get("compression.level", v -> range(v, 0, 22), d.level()),
            r.get("compression.workers", v -> range(v, 0, 64), d.workers()),
            r.get("limit.max-core-size", ByteSizes::parse, d.maxCoreSize()),
            r.get("limit.keep-free", ByteSizes::parse, d.keepFree()),
            r.get("limit.max-use", ByteSizes::parse, d.maxUse()),
            r.get("timeout", Durations::parse, d.timeout()),
            r.get("filter.exclude-exe", CaptureSettings::list, d.excludeExe()),
            r.get("proc.environ", EnvironMode::parse, d.environ()),
            optionalPath(r, "agent.socket", d.agentSocket()),
            r.get("agent.timeout", Durations::parse, d.agentTimeout()),
            r.get("scrub", ScrubMode::parse, d.scrub()));
    for (String key : p.stringPropertyNames()) {
      if (!r.known().contains(key)) {
        problems.add("unknown setting " + key + "='" + p.getProperty(key) + "'; ignored");
      }
    }
    if (!s.dumpDir().isAbsolute()) {
      problems.add("dump.dir must be an absolute path: '" + s.dumpDir() + "'");
      s = s.withDumpDir(d.dumpDir());
    }
    return new Parsed(s, problems);
  }

  /** A path setting that may be unset: blank means none. */
  // Reader.get's T is a @Nullable Path here; NullAway checks that only in its JSpecify mode.
  @SuppressWarnings("NullAway")
  private static @Nullable Path optionalPath(Reader r, String key, @Nullable Path fallback) {
    return r.get(key, v -> v.isBlank() ? null : Path.of(v), fallback);
  }

  /**
   * Reads the settings file ({@code composer.properties}). Never throws: a missing, unreadable or
   * null file gives the defaults, with a problem that says so.
   */
  public static Parsed load(@Nullable Path file) {
    Properties p = new Properties();
    List<String> problems = new ArrayList<>();
    if (file == null) {
      problems.add("no config file given (-Dcoroner.config); using defaults");
    } else {
      try (InputStream in = Files.newInputStream(file)) {
        p.load(in);
      } catch (NoSuchFileException e) {
        problems.add("config file " + file + " is missing; using defaults");
      } catch (IOException | IllegalArgumentException e) {
        problems.add("cannot read config file " + file + ": " + e + "; using defaults");
      }
    }
    Parsed parsed = fromProperties(p);
    problems.addAll(parsed.problems());
    return new Parsed(parsed.settings(), problems);
  }

  /** Writes settings in the form {@link #fromProperties} reads. */
  public Properties toProperties() {
    Properties p = new Properties();
    p.setProperty("dump.dir", dumpDir.toString());
    p.setProperty("name.template", nameTemplate.text());
    p.setProperty("compression", compression.id());
    p.setProperty("compression.level", Integer.toString(level));
    p.setProperty("compression.workers", Integer.toString(workers));
    p.setProperty("limit.max-core-size", Long.toString(maxCoreSize));
    p.setProperty("limit.keep-free", Long.toString(keepFree));
    p.setProperty("limit.max-use", Long.toString(maxUse));
    p.setProperty("timeout", Durations.format(timeout));
    p.setProperty("filter.exclude-exe", String.join(",", excludeExe));
    p.setProperty("proc.environ", environ.id());
    if (agentSocket != null) {
      p.setProperty("agent.socket", agentSocket.toString());
    }
    p.setProperty("agent.timeout", Durations.format(agentTimeout));
    p.setProperty("scrub", scrub.id());
    return p;
  }

  /** The same settings with the dump directory {@code dir}. */
  public CaptureSettings withDumpDir(Path dir) {
    return new CaptureSettings(
        dir,
        nameTemplate,
        compression,
        level,
        workers,
        maxCoreSize,
        keepFree,
        maxUse,
        timeout,
        excludeExe,
        environ,
        agentSocket,
        agentTimeout,
        scrub);
  }

  /** The same settings with the scrub mode {@code mode}. */
  public CaptureSettings withScrub(ScrubMode mode) {
    return new CaptureSettings(
        dumpDir,
        nameTemplate,
        compression,
        level,
        workers,
        maxCoreSize,
        keepFree,
        maxUse,
        timeout,
        excludeExe,
        environ,
        agentSocket,
        agentTimeout,
        mode);
  }

  /** The same settings with the node agent's socket ({@code null}: no agent). */
  public CaptureSettings withAgentSocket(@Nullable Path socket) {
    return new CaptureSettings(
        dumpDir,
        nameTemplate,
        compression,
        level,
        workers,
        maxCoreSize,
        keepFree,
        maxUse,
        timeout,
        excludeExe,
        environ,
        socket,
        agentTimeout,
        scrub);
  }

  private static int range(String v, int min, int max) {
    int n;
    try {
      n = Integer.parseInt(v.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("not a number: '" + v + "'", e);
    }
    if (n < min || n > max) {
      throw new IllegalArgumentException("must be " + min + " to " + max + ": '" + v + "'");
    }
    return n;
  }

  private static List<String> list(String v) {
    return Arrays.stream(v.split(",")).map(String::trim).filter(x -> !x.isEmpty()).toList();
  }

  /**
   * Reads one key, falling back to the default and recording a problem on a bad value; the keys it
   * was asked for are the known ones.
   */
  private record Reader(Properties p, List<String> problems, Set<String> known) {
    Reader(Properties p, List<String> problems) {
      this(p, problems, new HashSet<>());
    }

    <T> T get(String key, Function<String, T> parse, T fallback) {
      known.add(key);
      String value = p.getProperty(key);
      if (value == null) {
        return fallback;
      }
      try {
        return parse.apply(value);
      } catch (RuntimeException e) {
        problems.add(key + ": " + e.getMessage() + "; using the default");
        return fallback;
      }
    }
  }
}
