package app;

public class Crash {
  static native void nativeWrite();

  static void writeRecord(int n) {
    nativeWrite();
  }

  static void handle(int n) {
    writeRecord(n);
  }

  public static void main(String[] args) {
    System.load(args[0]);
    handle(1);
  }
}
