/*
 * Runs the command line in-process with captured stdout and stderr, the way the tests drive it.
 */
package io.github.softmaxcl.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

final class Cli {
    private Cli() {}

    record Result(int code, String out, String err) {
        @Override
        public String toString() {
            return "exit " + code + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    static Result run(String... args) {
        return run(new Main(), args);
    }

    static Result run(Main main, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Main.commandLine(main);
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Result(code, out.toString(), err.toString());
    }
}
