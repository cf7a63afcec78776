package dev.coroner.cli.install;

import dev.coroner.base.units.ByteSizes;
import dev.coroner.base.units.Durations;
import dev.coroner.capture.settings.CaptureSettings;
import dev.coroner.capture.settings.CaptureSettings.Defaults;
import dev.coroner.capture.settings.EnvironMode;
import dev.coroner.dump.Compression;
import dev.coroner.dump.ScrubMode;
import dev.coroner.dump.name.NameTemplate;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** How crashes are captured: the options that become the composer's settings. */
public final class CaptureOptions {
  @Option(
      names = "--dumps",
      paramLabel = "DIR",
      description = "Where dumps are written (0700; default: ${DEFAULT-VALUE}).",
      defaultValue = Defaults.DUMP_DIR)
  Path dumps;

  @Option(
      names = "--compression",
      paramLabel = "zstd|deflate|none",
      description = "How the core is stored in the zip (default: ${DEFAULT-VALUE}).",
      defaultValue = Defaults.COMPRESSION,
      converter = CompressionConverter.class)
  Compression compression;

  @Option(
      names = "--level",
      paramLabel = "N",
      description = "Compression level: zstd 1-19, deflate 1-9 (default: ${DEFAULT-VALUE}).",
      defaultValue = Defaults.LEVEL)
  int level;

  @Option(
      names = "--max-core-size",
      paramLabel = "SIZE",
      description = "Stop storing a core past this size, e.g. 16G; 0 = no limit (default).",
      defaultValue = Defaults.MAX_CORE_SIZE,
      converter = SizeConverter.class)
  long maxCoreSize;

  @Option(
      names = "--keep-free",
      paramLabel = "SIZE",
      description =
          "Stop storing when less is free in the dump directory (default: ${DEFAULT-VALUE}).",
      defaultValue = Defaults.KEEP_FREE,
      converter = SizeConverter.class)
  long keepFree;

  @Option(
      names = "--max-use",
      paramLabel = "SIZE",
      description =
          "Keep only metadata once the dump directory holds this much, e.g. 50G; 0 = no limit"
              + " (default).",
      defaultValue = Defaults.MAX_USE,
      converter = SizeConverter.class)
  long maxUse;

  @Option(
      names = "--timeout",
      paramLabel = "DURATION",
      description = "Finish a capture as truncated after this long (default: ${DEFAULT-VALUE}).",
      defaultValue = Defaults.TIMEOUT,
      converter = DurationConverter.class)
  Duration timeout;

  @Option(
      names = "--exclude-exe",
      paramLabel = "GLOB",
      description =
          "Skip crashes of matching executables; a glob with '/' matches the path, else the"
              + " name. Repeatable.")
  List<String> excludeExe = new ArrayList<>();

  @Option(
      names = "--environ",
      paramLabel = "off|redacted|full",
      description =
          "Keep the crashed process's environment: off (default), redacted (names only) or full.",
      defaultValue = Defaults.ENVIRON,
      converter = EnvironConverter.class)
  EnvironMode environ;

  @Option(
      names = "--scrub",
      paramLabel = "default|off|drop-heap",
      description =
          "Blank secrets out of each dump before it is listed (after the crashed process is"
              + " released): default (card numbers, AWS keys, JWTs, PEM keys, bearer tokens, URL"
              + " credentials, secret environment values; debuggers still work), off, or"
              + " drop-heap (also zero the heap: native programs only, it breaks llnode and"
              + " jhsdb). Default: ${DEFAULT-VALUE}. See docs/scrub.md.",
      defaultValue = Defaults.INSTALL_SCRUB,
      converter = ScrubConverter.class)
  ScrubMode scrub;

  @Option(
      names = "--name-template",
      paramLabel = "TEMPLATE",
      description =
          "Dump name; fields: {uuid} {timestamp} {hostname} {exe} {pid} {signal}"
              + " {namespace} {pod} {container} {pod_uid} (default: ${DEFAULT-VALUE}).",
      defaultValue = Defaults.NAME_TEMPLATE,
      converter = TemplateConverter.class)
  NameTemplate nameTemplate;

  /** The capture settings these options give. */
  public CaptureSettings settings() {
    return new CaptureSettings(
        dumps.toAbsolutePath().normalize(),
        nameTemplate,
        compression,
        level,
        CaptureSettings.defaults().workers(),
        maxCoreSize,
        keepFree,
        maxUse,
        timeout,
        excludeExe,
        environ,
        // One host: no node agent to ask for pod identity.
        null,
        CaptureSettings.defaults().agentTimeout(),
        scrub);
  }

  static final class ScrubConverter extends Converters.Of<ScrubMode> {
    ScrubConverter() {
      super(ScrubMode::parse);
    }
  }

  static final class CompressionConverter extends Converters.Of<Compression> {
    CompressionConverter() {
      super(Compression::parse);
    }
  }

  static final class SizeConverter extends Converters.Of<Long> {
    SizeConverter() {
      super(ByteSizes::parse);
    }
  }

  static final class DurationConverter extends Converters.Of<Duration> {
    DurationConverter() {
      super(Durations::parse);
    }
  }

  static final class EnvironConverter extends Converters.Of<EnvironMode> {
    EnvironConverter() {
      super(EnvironMode::parse);
    }
  }

  static final class TemplateConverter extends Converters.Of<NameTemplate> {
    TemplateConverter() {
      super(NameTemplate::parse);
    }
  }
}
