/*
 * The `softmax` command line for child-JVM tests of interrupted runs: the same Main, except that
 * `run`'s output sink prints BLOCKED on stdout after its first chunk reached the temporary file and
 * then blocks for good. A test that has read BLOCKED can signal or kill the child at a known point,
 * with a half-written temporary file on disk, whatever the machine's speed.
 */
package io.github.softmaxcl.cli;

import io.github.softmaxcl.verify.BackendFactory;
import java.io.InterruptedIOException;
import java.util.concurrent.CountDownLatch;
import java.util.function.UnaryOperator;

public final class BlockingRun {
    static final String BLOCKED = "BLOCKED";

    private BlockingRun() {}

    /**
     * @param args the command line, e.g. {@code run IN.npy -o OUT.npy --chunk-rows 4}
     */
    public static void main(String[] args) {
        CountDownLatch never = new CountDownLatch(1);
        UnaryOperator<StreamingSoftmax.ChunkSink> blockAfterFirst = sink -> buf -> {
            sink.write(buf);
            System.out.println(BLOCKED);
            System.out.flush();
            try {
                never.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while blocked");
            }
        };
        Main main = new Main(BackendFactory.ENGINE_VARIANTS, UnaryOperator.identity(), blockAfterFirst);
        System.exit(Main.commandLine(main).execute(args));
    }
}
