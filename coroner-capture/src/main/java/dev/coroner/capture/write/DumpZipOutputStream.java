package dev.coroner.capture.write;

import java.io.OutputStream;
import java.util.zip.ZipOutputStream;

/**
 * A ZipOutputStream with a 64 KiB deflate buffer instead of 512 bytes, which would cost one JNI
 * call per 512 bytes of a multi-GiB core.
 */
public final class DumpZipOutputStream extends ZipOutputStream {
  DumpZipOutputStream(OutputStream out) {
    super(out);
    this.buf = new byte[64 << 10];
  }
}
