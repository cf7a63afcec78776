package dev.coroner.cli.k8s;

import dev.coroner.base.units.Durations;
import java.time.Duration;
import picocli.CommandLine;

/** Reads {@code 90s}, {@code 15m}, {@code 4h}; a bad value is a usage error that names it. */
public final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
  @Override
  public Duration convert(String value) {
    try {
      return Durations.parse(value);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.TypeConversionException(e.getMessage());
    }
  }
}
