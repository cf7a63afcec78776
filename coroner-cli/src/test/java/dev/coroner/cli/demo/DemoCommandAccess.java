package dev.coroner.cli.demo;

/** Opens {@link DemoCommand}'s package-private parsing to tests in other packages. */
public final class DemoCommandAccess {
  private DemoCommandAccess() {}

  public static Integer barFrame(String backtrace) {
    return DemoCommand.barFrame(backtrace);
  }
}
