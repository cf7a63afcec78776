package dev.coroner.cli.install;

import java.util.function.Function;
import picocli.CommandLine;

/** Adapts the core's parsers to picocli, so a bad value is a usage error naming the value. */
final class Converters {
  private Converters() {}

  /** A converter from a parse function that throws IllegalArgumentException. */
  abstract static class Of<T> implements CommandLine.ITypeConverter<T> {
    private final Function<String, T> parse;

    Of(Function<String, T> parse) {
      this.parse = parse;
    }

    @Override
    public T convert(String value) {
      try {
        return parse.apply(value);
      } catch (IllegalArgumentException e) {
        throw new CommandLine.TypeConversionException(e.getMessage());
      }
    }
  }
}
