package dev.coroner.cli.dumps;

/** {@code -o}: how a command prints. */
public enum OutputFormat {
  table,
  wide,
  json,
  yaml,
  name
}
